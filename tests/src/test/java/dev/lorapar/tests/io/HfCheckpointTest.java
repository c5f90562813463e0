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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/** Hugging Face folders written by the tests' own safetensors writer: round trips and named errors. */
class HfCheckpointTest {
    @TempDir
    Path tmp;

    @Test
    void singleFileAndShardedCheckpointsLoadBitExactly(TestInfo info) throws IOException {
        Rng rng = Rng.forTest(info);
        int n = 0;
        for (WeightType type : WeightType.values()) {
            for (boolean tied : new boolean[] {true, false}) {
                for (int shards : new int[] {1, 2}) {
                    TinyModel m = TinyModel.random(rng, type, tied, rng.nextBoolean());
                    Path dir = tmp.resolve("m" + n++);
                    if (shards == 1) SafetensorsWriter.writeSingle(dir, m, "");
                    else SafetensorsWriter.writeSharded(dir, m, shards);
                    try (Checkpoint c = Checkpoints.open(dir)) {
                        checkSame(m, c, type + " tied=" + tied + " shards=" + shards + " " + rng.tag());
                    }
                }
            }
        }
    }

    static void checkSame(TinyModel m, Checkpoint c, String where) {
        assertEquals(new LlamaConfig(m.dim, m.hidden, m.layers, m.heads, m.kvHeads, m.vocab, m.maxSeq, 1e-5, 10000,
                m.tied, RopeStyle.ROTATE_HALF), c.config(), where);
        assertEquals(Checkpoint.FORMAT_HF, c.format());
        assertEquals(List.copyOf(m.tensors.keySet()), List.copyOf(c.tensors().keySet()), where);
        for (Map.Entry<String, RawTensor> e : m.tensors.entrySet()) {
            WeightTensor t = c.tensor(e.getKey());
            assertEquals(e.getValue().type(), t.type(), e.getKey());
            assertArrayEquals(e.getValue().shape(), t.shape(), e.getKey());
            assertArrayEquals(WeightTensorTest.bits(e.getValue().expectedFloats()), WeightTensorTest.bits(t.toFloats()),
                    e.getKey() + " " + where);
        }
    }

    @Test
    void extrasAreIgnoredAndClosingUnmaps(TestInfo info) throws IOException {
        Rng rng = Rng.forTest(info);
        TinyModel m = TinyModel.random(rng, WeightType.BF16, true, false);
        Map<String, RawTensor> stored = new LinkedHashMap<>(m.tensors);
        stored.put("lm_head.weight", RawTensor.random(rng, WeightType.BF16, m.vocab, m.dim)); // tied: ignored
        stored.put("model.layers.0.self_attn.rotary_emb.inv_freq", RawTensor.random(rng, WeightType.F32, m.headDim() / 2));
        Path dir = tmp.resolve("extras");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.json"), m.configJson(""));
        Files.write(dir.resolve("model.safetensors"), SafetensorsWriter.compose(stored));
        WeightTensor embedding;
        try (Checkpoint c = Checkpoints.open(dir)) {
            checkSame(m, c, rng.tag());
            assertFalse(c.tensors().containsKey("lm_head.weight"));
            embedding = c.tensor("model.embed_tokens.weight");
        }
        assertThrows(IllegalStateException.class, embedding::toFloats, "the mapping is gone after close");
    }

    @Test
    void configProblemsAreNamed(TestInfo info) throws IOException {
        Rng rng = Rng.forTest(info);
        TinyModel m = TinyModel.random(rng, WeightType.F16, false, false);
        expectConfigError(m, "\"rope_scaling\": {\"type\": \"linear\", \"factor\": 2.0}", "rope_scaling");
        expectConfigError(m, "\"architectures\": [\"MistralForCausalLM\"]", "MistralForCausalLM");
        expectConfigError(m, "\"hidden_size\": 4096.5", "hidden_size");
        expectConfigError(m, "\"attention_bias\": true", "attention_bias");
        expectConfigError(m, "\"num_key_value_heads\": " + (m.heads + 1), "nKvHeads");
        Path dir = tmp.resolve("noweights");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.json"), m.configJson(""));
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoints.open(dir));
        assertTrue(e.getMessage().contains("model.safetensors"), e.getMessage());
    }

    /** transformers 5 keeps θ in rope_parameters {rope_type "default", rope_theta} (and may mirror it as rope_scaling). */
    @Test
    void ropeParametersOfTransformers5(TestInfo info) throws IOException {
        Rng rng = Rng.forTest(info);
        TinyModel m = TinyModel.random(rng, WeightType.F32, false, false);
        String params = "{\"rope_type\": \"default\", \"rope_theta\": 500000.0}";
        String json = m.configJson("").replace("\"rope_theta\": 10000.0,", "\"rope_parameters\": " + params + ",")
                .replace("\"rope_scaling\": null", "\"rope_scaling\": " + params);
        Path dir = tmp.resolve("v5");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.json"), json);
        Files.write(dir.resolve("model.safetensors"), SafetensorsWriter.compose(m.tensors));
        try (Checkpoint c = Checkpoints.open(dir)) {
            assertEquals(500000.0, c.config().ropeTheta(), json);
        }
        expectConfigError(m, "\"rope_parameters\": {\"rope_type\": \"llama3\", \"factor\": 8.0, \"rope_theta\": 5e5}",
                "rope_parameters");
    }

    /** {@code replacement} overrides a key of the config (the strict parser refuses duplicate keys, so the key is swapped). */
    private void expectConfigError(TinyModel m, String replacement, String fragment) throws IOException {
        String key = replacement.substring(0, replacement.indexOf(':'));
        String json = m.configJson("");
        json = json.lines().filter(l -> !l.trim().startsWith(key)).reduce("", (a, b) -> a + b + "\n");
        json = json.replaceFirst("\\{", "{" + replacement + ",");
        Path dir = tmp.resolve("cfg");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.json"), json);
        Files.write(dir.resolve("model.safetensors"), SafetensorsWriter.compose(m.tensors));
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoints.open(dir));
        assertTrue(e.getMessage().startsWith("config.json: "), e.getMessage());
        assertTrue(e.getMessage().contains(fragment), "'" + e.getMessage() + "' lacks '" + fragment + "'");
    }

    @Test
    void tensorProblemsNameTheFileAndTensor(TestInfo info) throws IOException {
        Rng rng = Rng.forTest(info);
        TinyModel m = TinyModel.random(rng, WeightType.F32, false, true);
        String up = "model.layers.0.mlp.up_proj.weight";
        // the config disagrees with the shapes
        String json = m.configJson("").replace("\"intermediate_size\": " + m.hidden, "\"intermediate_size\": " + (m.hidden + 1));
        expectError(json, SafetensorsWriter.compose(m.tensors), "model.safetensors: tensor model.layers.0.mlp.gate_proj.weight: shape ["
                + m.hidden + ", " + m.dim + "] disagrees with the config: expected [" + (m.hidden + 1) + ", " + m.dim + "]");
        // a missing tensor
        Map<String, RawTensor> missing = new LinkedHashMap<>(m.tensors);
        missing.remove(up);
        expectError(m.configJson(""), SafetensorsWriter.compose(missing), "tensor " + up + ": is missing");
        // an unsupported dtype (F32 → I32 keeps the header length)
        byte[] i32 = SafetensorsWriter.compose(m.tensors);
        replaceFirst(i32, "\"dtype\":\"F32\"", "\"dtype\":\"I32\"");
        expectError(m.configJson(""), i32, "model.safetensors: tensor model.embed_tokens.weight: dtype I32 is not supported");
        // offsets past the end of the data: drop the last 4 bytes
        byte[] full = SafetensorsWriter.compose(m.tensors);
        RawTensor head = m.tensors.get("lm_head.weight");
        long dataSize = full.length - 8 - readU64(full);
        expectError(m.configJson(""), Arrays.copyOf(full, full.length - 4), "model.safetensors: tensor lm_head.weight: data_offsets ["
                + (dataSize - head.bytes().length) + ", " + dataSize + "] run past the end of the data (" + (dataSize - 4) + " bytes)");
        // a header length that lies
        byte[] lying = full.clone();
        lying[7] = 0x10;
        expectError(m.configJson(""), lying, "model.safetensors: header length");
        // a tensor that is not part of a LLaMA model
        Map<String, RawTensor> extra = new LinkedHashMap<>(m.tensors);
        extra.put("model.layers.9.mlp.up_proj.weight", RawTensor.random(rng, WeightType.F32, 2));
        expectError(m.configJson(""), SafetensorsWriter.compose(extra), "tensor model.layers.9.mlp.up_proj.weight: is not a tensor");
    }

    @Test
    void shardsMustMatchTheIndex(TestInfo info) throws IOException {
        Rng rng = Rng.forTest(info);
        TinyModel m = TinyModel.random(rng, WeightType.BF16, false, false);
        Path dir = tmp.resolve("sharded");
        SafetensorsWriter.writeSharded(dir, m, 2);
        Path index = dir.resolve("model.safetensors.index.json");
        String original = Files.readString(index);
        String first = SafetensorsWriter.shardName(0, 2), second = SafetensorsWriter.shardName(1, 2);
        Files.writeString(index, original.replace("\"model.embed_tokens.weight\":\"" + first, "\"model.embed_tokens.weight\":\"" + second));
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoints.open(dir));
        assertTrue(e.getMessage().startsWith(first + ": tensor model.embed_tokens.weight: ") && e.getMessage().contains(second), e.getMessage());
        Files.writeString(index, original.replace(first, "../escape.safetensors"));
        e = assertThrows(CheckpointException.class, () -> Checkpoints.open(dir));
        assertTrue(e.getMessage().contains("not a file name in the folder"), e.getMessage());
        Files.writeString(index, original);
        Files.delete(dir.resolve(second));
        e = assertThrows(CheckpointException.class, () -> Checkpoints.open(dir));
        assertTrue(e.getMessage().startsWith(second + ": no such file"), e.getMessage());
        CheckpointException single = assertThrows(CheckpointException.class, () -> Checkpoints.open(dir.resolve(first)));
        assertTrue(single.getMessage().contains("open the folder"), single.getMessage());
    }

    private void expectError(String configJson, byte[] safetensors, String fragment) throws IOException {
        Path dir = tmp.resolve("bad");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.json"), configJson);
        Files.write(dir.resolve("model.safetensors"), safetensors);
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoints.open(dir));
        assertTrue(e.getMessage().contains(fragment), "'" + e.getMessage() + "' lacks '" + fragment + "'");
    }

    static long readU64(byte[] b) {
        long v = 0;
        for (int i = 7; i >= 0; i--) v = (v << 8) | (b[i] & 0xff);
        return v;
    }

    static void replaceFirst(byte[] bytes, String from, String to) {
        byte[] f = from.getBytes(StandardCharsets.UTF_8), t = to.getBytes(StandardCharsets.UTF_8);
        outer:
        for (int i = 0; i + f.length <= bytes.length; i++) {
            for (int j = 0; j < f.length; j++) if (bytes[i + j] != f[j]) continue outer;
            System.arraycopy(t, 0, bytes, i, t.length);
            return;
        }
        throw new AssertionError(from + " not found");
    }
}
