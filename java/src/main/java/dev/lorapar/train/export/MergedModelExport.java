package dev.lorapar.train.export;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lorapar.core.DType;
import dev.lorapar.core.MaskMode;
import dev.lorapar.core.Ops;
import dev.lorapar.core.Stream;
import dev.lorapar.core.Tensor;
import dev.lorapar.model.LlamaConfig;
import dev.lorapar.model.LlamaWeights;
import dev.lorapar.model.LoraAdapter;
import dev.lorapar.model.LoraPair;
import dev.lorapar.model.LoraTarget;
import dev.lorapar.model.io.LlamaTensorNames;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Writes the merged model — every adapted projection W + scale·B'·A' (A' = A⊙maskA, B' = B⊙maskB in
 * {@link MaskMode#FORWARD} mode, A, B otherwise), everything else as it is — as a Hugging Face LlamaForCausalLM
 * folder: {@code config.json} ({@link HfConfigJson}), the weights under their HF names in {@code model.safetensors}
 * or, over {@link Options#maxShardBytes}, in {@code model-0000k-of-0000n.safetensors} shards with
 * {@code model.safetensors.index.json}, F32 or BF16, and the tokenizer files of {@link Options#tokenizerDir}. A model
 * in the adjacent-pairs RoPE layout (llama2.c, GGUF) gets its q_proj / k_proj rows moved to HF's rotate-half layout.
 * A null adapter exports the base model (the HF base a {@link PeftExport} of the same weights goes with). The merge
 * runs in F32 on the stream's device, one projection at a time; rows are streamed to the files in chunks.
 */
public final class MergedModelExport {
    /** config.json, the single weights file and the shard index, as transformers names them. */
    public static final String CONFIG = "config.json", SINGLE = "model.safetensors", INDEX = "model.safetensors.index.json";
    private static final long CHUNK_ELEMENTS = 1L << 22;

    private MergedModelExport() {
    }

    /**
     * @param dtype         the element type of every tensor
     * @param maxShardBytes a file holds at most this many data bytes unless one tensor alone is larger (transformers'
     *                      max_shard_size; default 5 GB)
     * @param tokenizerDir  a folder whose tokenizer files ({@link TokenizerFiles#NAMES}) are copied, or null
     * @param bosTokenId    config.json's bos_token_id (null: none)
     * @param eosTokenId    config.json's eos_token_id (null: none)
     * @param progress      receives one line per layer merged and per file written
     */
    public record Options(ExportDType dtype, long maxShardBytes, Path tokenizerDir, Integer bosTokenId,
                          Integer eosTokenId, Consumer<String> progress) {
        public Options {
            Objects.requireNonNull(dtype, "export dtype");
            Objects.requireNonNull(progress, "progress");
            if (maxShardBytes < 1) throw new IllegalArgumentException("maxShardBytes must be positive: " + maxShardBytes);
        }

        /** F32, 5 GB shards, no tokenizer, LLaMA-2's bos 1 / eos 2, no progress lines. */
        public static Options defaults() {
            return new Options(ExportDType.F32, 5_000_000_000L, null, 1, 2, line -> { });
        }

        public Options withDType(ExportDType d) {
            return new Options(d, maxShardBytes, tokenizerDir, bosTokenId, eosTokenId, progress);
        }

        public Options withMaxShardBytes(long bytes) {
            return new Options(dtype, bytes, tokenizerDir, bosTokenId, eosTokenId, progress);
        }

        public Options withTokenizer(Path dir) {
            return new Options(dtype, maxShardBytes, dir, bosTokenId, eosTokenId, progress);
        }

        public Options withSpecialTokens(Integer bos, Integer eos) {
            return new Options(dtype, maxShardBytes, tokenizerDir, bos, eos, progress);
        }

        public Options withProgress(Consumer<String> lines) {
            return new Options(dtype, maxShardBytes, tokenizerDir, bosTokenId, eosTokenId, lines);
        }
    }

    /** What was written: the weight files in order, total data bytes, tokenizer files copied. */
    public record Written(Path dir, List<String> weightFiles, long totalBytes, List<String> tokenizerFiles) {
    }

    /**
     * Writes the merged model of {@code weights} with {@code adapter} (null: the base) into {@code dir} (created when
     * missing). Weight files of an earlier export there ({@code model.safetensors}, shards, index) are deleted first,
     * so the folder never mixes two exports.
     *
     * @throws IllegalArgumentException when the adapter belongs to other weights or the tokenizer folder has no files
     * @throws IllegalStateException    when the base holds a PiSSA / OLoRA residual that is not {@code adapter}'s
     */
    public static Written write(LlamaWeights weights, LoraAdapter adapter, Stream stream, Path dir, Options options)
            throws IOException {
        Objects.requireNonNull(weights, "weights");
        Objects.requireNonNull(options, "options");
        checkAdapter(weights, adapter);
        LlamaConfig c = weights.config();
        String configJson = HfConfigJson.json(c, options.dtype(), options.bosTokenId(), options.eosTokenId());
        if (options.tokenizerDir() != null && TokenizerFiles.NAMES.stream()
                .noneMatch(n -> Files.isRegularFile(options.tokenizerDir().resolve(n)))) {
            throw new IllegalArgumentException("tokenizer folder " + options.tokenizerDir() + " holds none of "
                    + TokenizerFiles.NAMES);
        }
        Files.createDirectories(dir);
        deleteEarlierWeights(dir);
        List<SafetensorsWriter.Entry> entries = entries(weights, adapter, stream, options);
        List<List<SafetensorsWriter.Entry>> shards = shard(entries, options.maxShardBytes());
        List<String> files = new ArrayList<>();
        ObjectNode weightMap = JsonText.MAPPER.createObjectNode();
        long total = 0;
        for (int s = 0; s < shards.size(); s++) {
            String name = shards.size() == 1 ? SINGLE : String.format("model-%05d-of-%05d.safetensors", s + 1, shards.size());
            long bytes = SafetensorsWriter.write(dir.resolve(name), Map.of("format", "pt"), shards.get(s));
            options.progress().accept("merged export: wrote " + name + " (" + shards.get(s).size() + " tensors, "
                    + bytes + " bytes)");
            files.add(name);
            total += bytes;
            for (SafetensorsWriter.Entry e : shards.get(s)) weightMap.put(e.name(), name);
        }
        if (shards.size() > 1) {
            ObjectNode index = JsonText.MAPPER.createObjectNode();
            index.putObject("metadata").put("total_size", total);
            index.set("weight_map", weightMap);
            AtomicFiles.writeString(dir.resolve(INDEX), JsonText.pretty(index));
        }
        AtomicFiles.writeString(dir.resolve(CONFIG), configJson);
        List<String> tokenizer = options.tokenizerDir() == null ? List.of() : TokenizerFiles.copy(options.tokenizerDir(), dir);
        return new Written(dir, files, total, tokenizer);
    }

    private static void checkAdapter(LlamaWeights weights, LoraAdapter adapter) {
        LoraAdapter owner = weights.residualOwner();
        if (adapter == null) {
            if (owner != null) {
                throw new IllegalStateException("merged export: the base weights hold a PiSSA/OLoRA residual; pass its "
                        + "adapter, or call restoreBase() on it to export the original model");
            }
            return;
        }
        if (adapter.weights() != weights) {
            throw new IllegalArgumentException("merged export: the adapter was made for other weights");
        }
        if (owner != null && owner != adapter) {
            throw new IllegalStateException("merged export: the base weights hold the residual of another (PiSSA/OLoRA) "
                    + "adapter");
        }
        if (adapter.config().init().residualizesBase() && owner != adapter) {
            throw new IllegalStateException("merged export: this PiSSA/OLoRA adapter's residual is no longer in the base "
                    + "weights (restoreBase() was called)");
        }
    }

    /** Removes model.safetensors, the index and model-*-of-*.safetensors of an earlier export. */
    private static void deleteEarlierWeights(Path dir) throws IOException {
        Files.deleteIfExists(dir.resolve(SINGLE));
        Files.deleteIfExists(dir.resolve(INDEX));
        try (DirectoryStream<Path> shards = Files.newDirectoryStream(dir, "model-*-of-*.safetensors")) {
            for (Path p : shards) Files.delete(p);
        }
    }

    /** One entry per tensor of the HF checkpoint, in canonical order. */
    private static List<SafetensorsWriter.Entry> entries(LlamaWeights weights, LoraAdapter adapter, Stream stream,
                                                          Options options) {
        LlamaConfig c = weights.config();
        String dt = options.dtype().safetensorsName();
        List<SafetensorsWriter.Entry> out = new ArrayList<>();
        LlamaTensorNames.forEachExpected(c, (name, shape) -> out.add(new SafetensorsWriter.Entry(name, dt, shape,
                sink -> body(weights, adapter, stream, options, name, sink))));
        return out;
    }

    /** Streams the tensor {@code name} (merged where adapted, rows in HF layout) into {@code sink}. */
    private static void body(LlamaWeights weights, LoraAdapter adapter, Stream stream, Options options, String name,
                             SafetensorsWriter.Sink sink) throws IOException {
        LlamaConfig c = weights.config();
        if (name.equals(LlamaTensorNames.EMBEDDING)) {
            MatrixRows.write(sink, stream, weights.embedding(), options.dtype(), 0);
            return;
        }
        if (name.equals(LlamaTensorNames.FINAL_NORM)) {
            MatrixRows.write(sink, stream, weights.finalNorm(), options.dtype(), 0);
            return;
        }
        if (name.equals(LlamaTensorNames.LM_HEAD)) {
            MatrixRows.write(sink, stream, weights.lmHead(), options.dtype(), 0);
            return;
        }
        for (int l = 0; l < c.nLayers(); l++) {
            LlamaWeights.Layer layer = weights.layers().get(l);
            if (name.equals(LlamaTensorNames.layer(l, LlamaTensorNames.ATTENTION_NORM))) {
                MatrixRows.write(sink, stream, layer.attentionNorm(), options.dtype(), 0);
                return;
            }
            if (name.equals(LlamaTensorNames.layer(l, LlamaTensorNames.FFN_NORM))) {
                MatrixRows.write(sink, stream, layer.ffnNorm(), options.dtype(), 0);
                return;
            }
            for (LoraTarget t : LoraTarget.values()) {
                if (name.equals(LlamaTensorNames.layer(l, t.modulePath() + ".weight"))) {
                    if (t == LoraTarget.Q) {
                        options.progress().accept("merged export: layer " + (l + 1) + "/" + c.nLayers());
                    }
                    int permuteHead = RopeRows.moves(c, t) ? c.headDim() : 0;
                    LoraPair pair = adapter == null ? null : adapter.pair(l, t);
                    if (pair == null) {
                        MatrixRows.write(sink, stream, layer.projection(t), options.dtype(), permuteHead);
                    } else {
                        try (Tensor merged = merge(stream, layer.projection(t), pair, adapter)) {
                            MatrixRows.write(sink, stream, merged, options.dtype(), permuteHead);
                        }
                    }
                    return;
                }
            }
        }
        throw new IllegalStateException("merged export: no source for tensor " + name);
    }

    /** W + scale·B'·A' [out×in] in F32 on the stream's device (the caller closes it). */
    static Tensor merge(Stream stream, Tensor w, LoraPair pair, LoraAdapter adapter) {
        boolean masked = adapter.maskMode() == MaskMode.FORWARD;
        Tensor merged = Tensor.empty(stream.device(), DType.F32, w.shape()); // [out×in]
        List<Tensor> scratch = new ArrayList<>();
        try {
            Ops.convert(stream, w, merged);
            Tensor a = f32(stream, pair.a(), masked ? pair.maskA() : null, scratch); // [r×in]
            Tensor b = f32(stream, pair.b(), masked ? pair.maskB() : null, scratch); // [out×r]
            Ops.gemm(stream, false, false, adapter.scale(), b, a, 1f, merged);
            stream.synchronize();
            return merged;
        } catch (RuntimeException e) {
            merged.close();
            throw e;
        } finally {
            scratch.forEach(Tensor::close);
        }
    }

    /** {@code t} as F32 with zeros where {@code mask} (nullable) is 0: {@code t} itself when nothing changes. */
    private static Tensor f32(Stream stream, Tensor t, Tensor mask, List<Tensor> scratch) {
        if (t.dtype() == DType.F32 && mask == null) return t;
        Tensor copy = Tensor.empty(stream.device(), DType.F32, t.shape());
        scratch.add(copy);
        Ops.convert(stream, t, copy);
        if (mask != null) Ops.maskApply(stream, copy, mask);
        return copy;
    }

    /** Consecutive groups of entries of at most {@code maxBytes} data bytes each (a larger tensor alone). */
    static List<List<SafetensorsWriter.Entry>> shard(List<SafetensorsWriter.Entry> entries, long maxBytes) {
        List<List<SafetensorsWriter.Entry>> shards = new ArrayList<>();
        List<SafetensorsWriter.Entry> current = new ArrayList<>();
        long bytes = 0;
        for (SafetensorsWriter.Entry e : entries) {
            if (!current.isEmpty() && bytes + e.byteSize() > maxBytes) {
                shards.add(current);
                current = new ArrayList<>();
                bytes = 0;
            }
            current.add(e);
            bytes += e.byteSize();
        }
        if (!current.isEmpty()) shards.add(current);
        return shards;
    }

    /** Host-side streaming of a device matrix's rows. */
    static final class MatrixRows {
        private MatrixRows() {
        }

        /**
         * Writes {@code t} [rows×cols] (or a vector) F32/BF16 in chunks of rows; with {@code permuteHead} = d &gt; 0
         * the rows of each head of d rows are moved from the adjacent-pairs to the rotate-half layout.
         */
        static void write(SafetensorsWriter.Sink sink, Stream stream, Tensor t, ExportDType dtype, int permuteHead)
                throws IOException {
            long rows = t.dim(0);
            long cols = t.rank() == 1 ? 1 : t.numel() / rows;
            long chunk = Math.max(1, CHUNK_ELEMENTS / cols);
            if (permuteHead > 0) chunk = Math.max(permuteHead, chunk / permuteHead * permuteHead);
            for (long from = 0; from < rows; from += chunk) {
                long n = Math.min(chunk, rows - from);
                float[] values = t.rows(from, n).toFloatArray(stream); // [n×cols]
                if (permuteHead > 0) values = RopeRows.toHf(values, (int) cols, permuteHead);
                sink.putFloats(dtype, values, 0, values.length);
            }
        }
    }
}
