package dev.lorapar.tests.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorapar.model.LlamaConfig;
import dev.lorapar.model.RopeStyle;
import dev.lorapar.model.io.Checkpoint;
import dev.lorapar.model.io.CheckpointException;
import dev.lorapar.model.io.Checkpoints;
import dev.lorapar.model.io.WeightTensor;
import dev.lorapar.model.io.WeightType;
import dev.lorapar.tests.support.Rng;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/** llama2.c .bin: the two real 260K models of shared/data, and written files (untied, bad sizes). */
class Llama2cCheckpointTest {
    @TempDir
    Path tmp;

    @Test
    void stories260KLoadsWithTheDocumentedConfigAndRawValues() throws IOException {
        Path file = SharedData.require("llama2c-stories260K/stories260K.bin");
        LlamaConfig expected = new LlamaConfig(64, 172, 5, 8, 4, 512, 512, 1e-5, 10000, true, RopeStyle.ADJACENT_PAIRS);
        checkRealModel(file, expected);
    }

    @Test
    void aidreams260KLoadsWithTheDocumentedConfigAndRawValues() throws IOException {
        Path file = SharedData.require("llama2c-aidreams260K/aidreams260K.bin");
        LlamaConfig expected = new LlamaConfig(64, 172, 4, 4, 4, 512, 128, 1e-5, 10000, true, RopeStyle.ADJACENT_PAIRS);
        checkRealModel(file, expected);
    }

    /** Config per README §1a; values at the offsets of the layout in README §1b, read here with a ByteBuffer. */
    private static void checkRealModel(Path file, LlamaConfig expected) throws IOException {
        ByteBuffer raw = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        try (Checkpoint c = Checkpoints.open(file)) {
            assertEquals(expected, c.config());
            assertEquals(Checkpoint.FORMAT_LLAMA2C, c.format());
            assertEquals(file, c.source());
            int dim = 64, vocab = 512, layers = expected.nLayers(), kv = expected.kvDim(), hidden = 172;
            assertEquals(2 + 9 * layers, c.tensors().size());
            assertFalse(c.tensors().containsKey("lm_head.weight"), "tied: no separate head");
            long embedding = 28, attNorm = embedding + 4L * vocab * dim, wq = attNorm + 4L * layers * dim;
            long wk = wq + 4L * layers * dim * dim, wv = wk + 4L * layers * kv * dim, wo = wv + 4L * layers * kv * dim;
            long ffnNorm = wo + 4L * layers * dim * dim, w1 = ffnNorm + 4L * layers * dim;
            long w2 = w1 + 4L * layers * hidden * dim, w3 = w2 + 4L * layers * dim * hidden, finalNorm = w3 + 4L * layers * hidden * dim;
            assertEquals(raw.capacity(), finalNorm + 4L * dim + 4L * expected.maxSeqLen() * expected.headDim());
            expectRaw(raw, embedding, c.tensor("model.embed_tokens.weight"), 0, 16);
            expectRaw(raw, embedding + 4L * 3 * dim, c.tensor("model.embed_tokens.weight"), 3 * dim, 8); // row 3
            expectRaw(raw, attNorm + 4L * dim, c.tensor("model.layers.1.input_layernorm.weight"), 0, dim);
            expectRaw(raw, wq + 4L * dim * dim, c.tensor("model.layers.1.self_attn.q_proj.weight"), 0, 8);
            expectRaw(raw, wk + 4L * (layers - 1) * kv * dim + 4L * dim, c.tensor("model.layers." + (layers - 1) + ".self_attn.k_proj.weight"), dim, 8);
            expectRaw(raw, wv, c.tensor("model.layers.0.self_attn.v_proj.weight"), 0, 8);
            expectRaw(raw, wo, c.tensor("model.layers.0.self_attn.o_proj.weight"), 0, 8);
            expectRaw(raw, ffnNorm, c.tensor("model.layers.0.post_attention_layernorm.weight"), 0, dim);
            expectRaw(raw, w1 + 4L * hidden * dim, c.tensor("model.layers.1.mlp.gate_proj.weight"), 0, 8);
            expectRaw(raw, w2 + 4L * 5 * hidden, c.tensor("model.layers.0.mlp.down_proj.weight"), 5 * hidden, 8); // [dim][hidden]
            expectRaw(raw, w3, c.tensor("model.layers.0.mlp.up_proj.weight"), 0, 8);
            expectRaw(raw, finalNorm, c.tensor("model.norm.weight"), 0, dim);
            assertArrayEquals(new long[] {kv, dim}, c.tensor("model.layers.0.self_attn.k_proj.weight").shape());
            assertArrayEquals(new long[] {dim, hidden}, c.tensor("model.layers.0.mlp.down_proj.weight").shape());
        }
    }

    private static void expectRaw(ByteBuffer raw, long offset, WeightTensor t, long firstElement, int count) {
        float[] got = new float[count];
        t.readFloats(got, 0, firstElement, count);
        for (int i = 0; i < count; i++) {
            assertEquals(raw.getFloat((int) offset + 4 * i), got[i], 0f, t.name() + " element " + (firstElement + i));
        }
    }

    @Test
    void writtenTiedAndUntiedFilesLoadBitExactly(TestInfo info) throws IOException {
        Rng rng = Rng.forTest(info);
        for (boolean tied : new boolean[] {true, false}) {
            TinyModel m = TinyModel.random(rng, WeightType.F32, tied, true);
            Path file = tmp.resolve("m-" + tied + ".bin");
            Files.write(file, Llama2cWriter.compose(m, new ArrayList<>()));
            try (Checkpoint c = Checkpoints.open(file)) {
                assertEquals(new LlamaConfig(m.dim, m.hidden, m.layers, m.heads, m.kvHeads, m.vocab, m.maxSeq, 1e-5, 10000,
                        tied, RopeStyle.ADJACENT_PAIRS), c.config(), rng.tag());
                assertEquals(m.tensors.keySet().stream().toList(), c.tensors().keySet().stream().toList(), rng.tag());
                for (Map.Entry<String, RawTensor> e : m.tensors.entrySet()) {
                    WeightTensor t = c.tensor(e.getKey());
                    assertArrayEquals(e.getValue().shape(), t.shape(), e.getKey());
                    assertArrayEquals(e.getValue().expectedFloats(), t.toFloats(), e.getKey() + " " + rng.tag());
                }
            }
        }
    }

    @Test
    void badFilesNameTheProblem(TestInfo info) throws IOException {
        Rng rng = Rng.forTest(info);
        TinyModel m = TinyModel.random(rng, WeightType.F32, false, true);
        byte[] good = Llama2cWriter.compose(m, new ArrayList<>());
        expectError("bad.bin", Arrays.copyOf(good, good.length + 4), "needs exactly " + good.length);
        expectError("bad.bin", Arrays.copyOf(good, good.length - 1), "needs exactly " + good.length);
        expectError("bad.bin", Arrays.copyOf(good, 20), "header");
        byte[] zeroHeads = good.clone();
        ByteBuffer.wrap(zeroHeads).order(ByteOrder.LITTLE_ENDIAN).putInt(12, 0);
        expectError("bad.bin", zeroHeads, "nHeads must be positive");
        byte[] huge = good.clone();
        ByteBuffer.wrap(huge).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 1 << 30).putInt(4, Integer.MAX_VALUE).putInt(12, 2).putInt(16, 2);
        expectError("bad.bin", huge, "needs");
        byte[] versioned = good.clone();
        ByteBuffer.wrap(versioned).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 0x616b3432);
        expectError("bad.bin", versioned, "ak42");
    }

    private void expectError(String name, byte[] bytes, String fragment) throws IOException {
        Path file = tmp.resolve(name);
        Files.write(file, bytes);
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoints.open(file).close());
        assertTrue(e.getMessage().startsWith(name + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(fragment), "'" + e.getMessage() + "' lacks '" + fragment + "'");
        assertEquals(file, e.file());
    }
}
