package dev.lorapar.model.io;

import static dev.lorapar.model.io.LlamaTensorNames.*;

import dev.lorapar.model.LlamaConfig;
import dev.lorapar.model.RopeStyle;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Loads a llama2.c legacy ("version 0") {@code .bin}: seven int32 (dim, hidden_dim, n_layers, n_heads,
 * n_kv_heads, vocab_size, seq_len), then float32 tensors back to back — token embedding [vocab][dim];
 * stacked per layer: attention RMSNorm [L][dim], wq [L][dim][dim], wk and wv [L][kv_dim][dim], wo
 * [L][dim][dim], FFN RMSNorm [L][dim], w1 (gate) [L][hidden][dim], w2 (down) [L][dim][hidden], w3 (up)
 * [L][hidden][dim]; the final RMSNorm [dim]; the legacy RoPE tables freq_cis_real and freq_cis_imag
 * ([seq_len][head_size/2] each, skipped); and, only when vocab_size is negative, the classifier wcls
 * [|vocab|][dim] (otherwise it is the embedding). The file size must match exactly. RoPE: adjacent pairs.
 */
final class Llama2cLoader {
    private static final int HEADER_BYTES = 7 * 4;
    private static final int VERSIONED_MAGIC = 0x616b3432; // "ak42": llama2.c's later export formats

    private Llama2cLoader() {
    }

    static Checkpoint load(Path file) {
        Arena arena = Arena.ofShared();
        try {
            return load(file, arena);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    private static Checkpoint load(Path file, Arena arena) {
        MemorySegment bytes = MappedFiles.map(file, arena);
        ByteCursor in = new ByteCursor(bytes, file);
        int first = in.i32("the header (7 int32)");
        if (first == VERSIONED_MAGIC) {
            throw new CheckpointException(file, "is a versioned llama2.c export (magic \"ak42\"); only the legacy version-0 layout is supported");
        }
        in.require(HEADER_BYTES - 4, "the header (7 int32)");
        int dim = first, hidden = in.i32(""), layers = in.i32(""), heads = in.i32(""), kvHeads = in.i32("");
        int vocabField = in.i32(""), seqLen = in.i32("");
        boolean tied = vocabField > 0;
        if (vocabField == Integer.MIN_VALUE) throw new CheckpointException(file, "vocab_size " + vocabField + " is out of range");
        LlamaConfig config;
        try {
            config = new LlamaConfig(dim, hidden, layers, heads, kvHeads, Math.abs(vocabField), seqLen, 1e-5, 10000.0,
                    tied, RopeStyle.ADJACENT_PAIRS);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(file, null, "header [dim " + dim + ", hidden_dim " + hidden + ", n_layers "
                    + layers + ", n_heads " + heads + ", n_kv_heads " + kvHeads + ", vocab_size " + vocabField
                    + ", seq_len " + seqLen + "] is not a valid model: " + e.getMessage(), e);
        }
        long expected = expectedFileSize(config);
        if (bytes.byteSize() != expected) {
            throw new CheckpointException(file, "is " + bytes.byteSize() + " bytes but its header [dim " + dim
                    + ", hidden_dim " + hidden + ", n_layers " + layers + ", n_heads " + heads + ", n_kv_heads " + kvHeads
                    + ", vocab_size " + vocabField + ", seq_len " + seqLen + "] needs " + (expected < 0 ? "more than 2^63" : "exactly " + expected));
        }
        return Checkpoint.assemble(config, tensors(config, bytes), file, Checkpoint.FORMAT_LLAMA2C, arena, n -> file);
    }

    /** Header plus every float32, or -1 when that overflows 64 bits (no file can then match). */
    static long expectedFileSize(LlamaConfig c) {
        long dim = c.dim(), kv = c.kvDim(), hidden = c.hiddenDim(), layers = c.nLayers(), vocab = c.vocabSize();
        try {
            long perLayer = Math.addExact(Math.addExact(2 * dim, Math.multiplyExact(2 * dim, dim)),
                    Math.addExact(Math.multiplyExact(2 * kv, dim), Math.multiplyExact(3 * hidden, dim)));
            long floats = Math.addExact(Math.multiplyExact(vocab, dim), Math.multiplyExact(layers, perLayer));
            floats = Math.addExact(floats, dim + (long) c.maxSeqLen() * c.headDim());
            if (!c.tiedEmbeddings()) floats = Math.addExact(floats, vocab * dim);
            return Math.addExact(HEADER_BYTES, Math.multiplyExact(4, floats));
        } catch (ArithmeticException e) {
            return -1;
        }
    }

    private static Map<String, WeightTensor> tensors(LlamaConfig c, MemorySegment bytes) {
        long dim = c.dim(), kv = c.kvDim(), hidden = c.hiddenDim(), vocab = c.vocabSize();
        Slicer s = new Slicer(bytes, HEADER_BYTES);
        Map<String, WeightTensor> t = new LinkedHashMap<>();
        s.take(t, EMBEDDING, vocab, dim);
        s.stacked(t, c, ATTENTION_NORM, dim);
        s.stacked(t, c, Q, dim, dim);
        s.stacked(t, c, K, kv, dim);
        s.stacked(t, c, V, kv, dim);
        s.stacked(t, c, O, dim, dim);
        s.stacked(t, c, FFN_NORM, dim);
        s.stacked(t, c, GATE, hidden, dim);
        s.stacked(t, c, DOWN, dim, hidden);
        s.stacked(t, c, UP, hidden, dim);
        s.take(t, FINAL_NORM, dim);
        s.offset += 4L * c.maxSeqLen() * c.headDim(); // freq_cis_real, freq_cis_imag
        if (!c.tiedEmbeddings()) s.take(t, LM_HEAD, vocab, dim);
        return t;
    }

    /** Cuts consecutive float32 tensors out of the mapping. */
    private static final class Slicer {
        final MemorySegment bytes;
        long offset;

        Slicer(MemorySegment bytes, long offset) {
            this.bytes = bytes;
            this.offset = offset;
        }

        void take(Map<String, WeightTensor> into, String name, long... shape) {
            long n = 1;
            for (long d : shape) n *= d;
            into.put(name, new WeightTensor(name, WeightType.F32, shape, bytes.asSlice(offset, 4 * n)));
            offset += 4 * n;
        }

        void stacked(Map<String, WeightTensor> into, LlamaConfig c, String suffix, long... shape) {
            for (int l = 0; l < c.nLayers(); l++) take(into, layer(l, suffix), shape);
        }
    }
}
