package dev.lorapar.tests.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorapar.model.LlamaConfig;
import dev.lorapar.model.RopeStyle;
import dev.lorapar.model.io.Checkpoint;
import dev.lorapar.model.io.CheckpointException;
import dev.lorapar.model.io.Checkpoints;
import dev.lorapar.model.io.GgufFile;
import dev.lorapar.model.io.WeightTensor;
import dev.lorapar.model.io.WeightType;
import dev.lorapar.tests.support.Rng;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/** GGUF: the real tiny-random and vocab-only files of shared/data, and written files. */
class GgufCheckpointTest {
    /** README §1d: the data section of llama-2-tiny-random.gguf starts here. */
    static final int TINY_RANDOM_DATA_OFFSET = 724416;

    @TempDir
    Path tmp;

    @Test
    void tinyRandomLoadsWithTheDocumentedConfigAndRawValues() throws IOException {
        Path file = SharedData.require("gguf-llama-2-tiny-random/llama-2-tiny-random.gguf");
        ByteBuffer raw = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        try (Checkpoint c = Checkpoints.open(file)) {
            assertEquals(new LlamaConfig(8, 32, 1, 2, 2, 32000, 4096, (double) 1e-5f, 10000, false, RopeStyle.ADJACENT_PAIRS),
                    c.config());
            assertEquals(Checkpoint.FORMAT_GGUF, c.format());
            assertEquals(12, c.tensors().size());
            assertEquals(WeightType.F16, c.tensor("model.embed_tokens.weight").type());
            assertEquals(WeightType.F32, c.tensor("model.norm.weight").type());
            // ggml dims [8, 32000] = 32000 rows of 8; [8, 32] for ffn_gate = 32 rows of 8; [32, 8] for ffn_down = 8 rows of 32
            assertArrayEquals(new long[] {32000, 8}, c.tensor("model.embed_tokens.weight").shape());
            assertArrayEquals(new long[] {32, 8}, c.tensor("model.layers.0.mlp.gate_proj.weight").shape());
            assertArrayEquals(new long[] {8, 32}, c.tensor("model.layers.0.mlp.down_proj.weight").shape());
            expectRawF16(raw, "token_embd.weight", c.tensor("model.embed_tokens.weight"), 8, 16); // rows 1, 2
            expectRawF16(raw, "token_embd.weight", c.tensor("model.embed_tokens.weight"), 31999 * 8, 8);
            expectRawF16(raw, "output.weight", c.tensor("lm_head.weight"), 12345 * 8, 8);
            expectRawF16(raw, "blk.0.ffn_gate.weight", c.tensor("model.layers.0.mlp.gate_proj.weight"), 0, 32 * 8);
            expectRawF16(raw, "blk.0.ffn_down.weight", c.tensor("model.layers.0.mlp.down_proj.weight"), 0, 8 * 32);
            expectRawF16(raw, "blk.0.attn_k.weight", c.tensor("model.layers.0.self_attn.k_proj.weight"), 0, 64);
            float[] norm = c.tensor("model.layers.0.input_layernorm.weight").toFloats();
            long normOffset = TINY_RANDOM_DATA_OFFSET + rawTensorOffset(raw, "blk.0.attn_norm.weight", 0);
            for (int i = 0; i < 8; i++) assertEquals(raw.getFloat((int) normOffset + 4 * i), norm[i], 0f);
        }
    }

    /**
     * The tensor info found by scanning the file for the name (independent of GgufFile): after the
     * name come uint32 n_dims, n_dims × uint64, uint32 type, uint64 offset. Returns the offset.
     */
    private static long rawTensorOffset(ByteBuffer raw, String name, int expectedType) {
        byte[] needle = name.getBytes(StandardCharsets.US_ASCII);
        outer:
        for (int at = 8; at + needle.length < TINY_RANDOM_DATA_OFFSET; at++) {
            for (int j = 0; j < needle.length; j++) if (raw.get(at + j) != needle[j]) continue outer;
            if (raw.getLong(at - 8) != needle.length) continue;
            int p = at + needle.length;
            int nDims = raw.getInt(p);
            p += 4 + 8 * nDims;
            assertEquals(expectedType, raw.getInt(p), name + " type");
            return raw.getLong(p + 4);
        }
        throw new AssertionError(name + " not found in the file");
    }

    private static void expectRawF16(ByteBuffer raw, String ggufName, WeightTensor t, long first, int count) {
        long base = TINY_RANDOM_DATA_OFFSET + rawTensorOffset(raw, ggufName, 1);
        float[] got = new float[count];
        t.readFloats(got, 0, first, count);
        for (int i = 0; i < count; i++) {
            float expected = Float.float16ToFloat(raw.getShort((int) (base + 2 * (first + i))));
            assertEquals(expected, got[i], 0f, t.name() + " element " + (first + i));
        }
    }

    @Test
    void vocabOnlyFileParsesItsMetadataAndHasNoWeights() {
        Path file = SharedData.require("llamacpp-vocab-llama-spm/ggml-vocab-llama-spm.gguf");
        try (GgufFile g = GgufFile.open(file)) {
            assertEquals(3, g.version());
            assertTrue(g.tensors().isEmpty());
            Map<String, Object> m = g.metadata();
            assertEquals("llama", m.get("tokenizer.ggml.model"));
            assertEquals(32000, ((List<?>) m.get("tokenizer.ggml.tokens")).size());
            assertEquals("<s>", ((List<?>) m.get("tokenizer.ggml.tokens")).get(1));
            assertTrue(((List<?>) m.get("tokenizer.ggml.scores")).get(300) instanceof Double);
            assertEquals(3L, ((List<?>) m.get("tokenizer.ggml.token_type")).get(1));
            assertEquals(1L, m.get("tokenizer.ggml.bos_token_id"));
            assertEquals(Boolean.TRUE, m.get("tokenizer.ggml.add_bos_token"));
            assertEquals(4096L, m.get("llama.embedding_length"));
        }
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoints.open(file));
        assertTrue(e.getMessage().contains("model.embed_tokens.weight") && e.getMessage().contains("missing"), e.getMessage());
    }

    @Test
    void writtenFilesLoadBitExactly(TestInfo info) throws IOException {
        Rng rng = Rng.forTest(info);
        int n = 0;
        for (WeightType type : WeightType.values()) {
            for (boolean tied : new boolean[] {true, false}) {
                TinyModel m = TinyModel.random(rng, type, tied, false);
                GgufWriter w = new GgufWriter();
                if (n % 2 == 1) w.alignment(64);
                Path file = tmp.resolve("m" + n++ + ".gguf");
                Files.write(file, w.llama(m).build());
                try (Checkpoint c = Checkpoints.open(file)) {
                    assertEquals(new LlamaConfig(m.dim, m.hidden, m.layers, m.heads, m.kvHeads, m.vocab, m.maxSeq,
                            (double) 1e-5f, 10000, tied, RopeStyle.ADJACENT_PAIRS), c.config(), rng.tag());
                    assertEquals(List.copyOf(m.tensors.keySet()), List.copyOf(c.tensors().keySet()));
                    for (Map.Entry<String, RawTensor> e : m.tensors.entrySet()) {
                        WeightTensor t = c.tensor(e.getKey());
                        assertEquals(e.getValue().type(), t.type());
                        assertArrayEquals(e.getValue().shape(), t.shape(), e.getKey());
                        assertArrayEquals(WeightTensorTest.bits(e.getValue().expectedFloats()), WeightTensorTest.bits(t.toFloats()),
                                e.getKey() + " " + type + " " + rng.tag());
                    }
                }
            }
        }
    }

    @Test
    void everyMetadataValueTypeReadsBack() throws IOException {
        GgufWriter w = new GgufWriter()
                .kv("u8", GgufWriter.UINT8, 255L).kv("i8", GgufWriter.INT8, -1L).kv("u16", GgufWriter.UINT16, 65535L)
                .kv("i16", GgufWriter.INT16, -2L).kv("u32", GgufWriter.UINT32, 4294967295L).kv("i32", GgufWriter.INT32, -3L)
                .kv("u64", GgufWriter.UINT64, -1L).kv("i64", GgufWriter.INT64, Long.MIN_VALUE)
                .kv("f32", GgufWriter.FLOAT32, 0.1).kv("f64", GgufWriter.FLOAT64, 0.1).kv("yes", GgufWriter.BOOL, 1L)
                .kv("s", GgufWriter.STRING, "héllo ▁").kv("empty", GgufWriter.STRING, "")
                .kv("nested", GgufWriter.ARRAY, new Object[] {GgufWriter.ARRAY, List.of(
                        new Object[] {GgufWriter.INT16, List.of(1L, -1L)}, new Object[] {GgufWriter.STRING, List.of("a")})});
        Path file = tmp.resolve("kv.gguf");
        Files.write(file, w.build());
        try (GgufFile g = GgufFile.open(file)) {
            Map<String, Object> m = g.metadata();
            assertEquals(List.of("u8", "i8", "u16", "i16", "u32", "i32", "u64", "i64", "f32", "f64", "yes", "s", "empty", "nested"),
                    List.copyOf(m.keySet()));
            assertEquals(255L, m.get("u8"));
            assertEquals(-1L, m.get("i8"));
            assertEquals(65535L, m.get("u16"));
            assertEquals(-2L, m.get("i16"));
            assertEquals(4294967295L, m.get("u32"));
            assertEquals(-3L, m.get("i32"));
            assertEquals(-1L, m.get("u64")); // 2^64 - 1 as raw bits
            assertEquals(Long.MIN_VALUE, m.get("i64"));
            assertEquals((double) 0.1f, m.get("f32"));
            assertEquals(0.1, m.get("f64"));
            assertEquals(true, m.get("yes"));
            assertEquals("héllo ▁", m.get("s"));
            assertEquals("", m.get("empty"));
            assertEquals(List.of(List.of(1L, -1L), List.of("a")), m.get("nested"));
            assertEquals(32, g.alignment());
            assertThrows(UnsupportedOperationException.class, () -> m.put("x", 1L));
        }
    }

    @Test
    void unsupportedContentIsNamed(TestInfo info) throws IOException {
        Rng rng = Rng.forTest(info);
        TinyModel m = TinyModel.random(rng, WeightType.F16, false, false);
        expectError(m, w -> w.tensor("blk.0.attn_q_extra.weight", 0, new long[] {2}, new byte[8]), "blk.0.attn_q_extra.weight");
        // a quantized tensor (Q4_0: blocks of 32 elements in 18 bytes) in place of q_proj
        TinyModel noQ = TinyModel.random(rng, WeightType.F16, false, false);
        noQ.tensors.remove("model.layers.0.self_attn.q_proj.weight");
        GgufWriter q = new GgufWriter().llama(noQ).tensor("blk.0.attn_q.weight", 2, new long[] {32, 2}, new byte[36]);
        Path qFile = tmp.resolve("q.gguf");
        Files.write(qFile, q.build());
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoints.open(qFile));
        assertTrue(e.getMessage().contains("Q4_0") && e.getMessage().contains("blk.0.attn_q.weight"), e.getMessage());
        expectError(m, w -> w.kv("general.architecture", GgufWriter.STRING, "gpt2"), "appears twice");
        expectError(m, w -> w.kv("llama.rope.scaling.type", GgufWriter.STRING, "linear"), "llama.rope.scaling.type");
        expectError(m, w -> w.kv("llama.expert_count", GgufWriter.UINT32, 8L), "llama.expert_count");
        expectError(m, w -> w.kv("llama.rope.freq_base", GgufWriter.STRING, "x"), "llama.rope.freq_base");
        GgufWriter otherArch = new GgufWriter().kv("general.architecture", GgufWriter.STRING, "gpt2");
        Path archFile = tmp.resolve("arch.gguf");
        Files.write(archFile, otherArch.build());
        e = assertThrows(CheckpointException.class, () -> Checkpoints.open(archFile));
        assertTrue(e.getMessage().contains("gpt2"), e.getMessage());
    }

    private void expectError(TinyModel m, Consumer<GgufWriter> change, String fragment) throws IOException {
        GgufWriter w = new GgufWriter().llama(m);
        change.accept(w);
        Path file = tmp.resolve("bad.gguf");
        Files.write(file, w.build());
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoints.open(file));
        assertTrue(e.getMessage().startsWith("bad.gguf: "), e.getMessage());
        assertTrue(e.getMessage().contains(fragment), "'" + e.getMessage() + "' lacks '" + fragment + "'");
    }
}
