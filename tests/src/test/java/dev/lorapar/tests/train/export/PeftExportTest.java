package dev.lorapar.tests.train.export;

import static dev.lorapar.tests.train.export.ExportModels.CPU;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lorapar.core.MaskMode;
import dev.lorapar.core.Tensor;
import dev.lorapar.model.LlamaWeights;
import dev.lorapar.model.LoraAdapter;
import dev.lorapar.model.LoraConfig;
import dev.lorapar.model.LoraInit;
import dev.lorapar.model.LoraPair;
import dev.lorapar.model.LoraTarget;
import dev.lorapar.model.io.SafetensorsFile;
import dev.lorapar.model.io.WeightTensor;
import dev.lorapar.model.io.WeightType;
import dev.lorapar.tests.oracle.OracleConfig;
import dev.lorapar.tests.oracle.OracleConfig.Rope;
import dev.lorapar.tests.oracle.OracleModel;
import dev.lorapar.tests.reference.Bf16;
import dev.lorapar.tests.support.Rng;
import dev.lorapar.train.export.ExportDType;
import dev.lorapar.train.export.ImportedAdapter;
import dev.lorapar.train.export.PeftExport;
import dev.lorapar.train.export.PeftImport;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * PEFT adapter export and import: the exact file and key names and config fields PEFT expects, exact F32 round trips
 * (values and logits), BF16 rounding, LoRA-PAR masks saved and restored in both mask modes, and what is refused.
 */
class PeftExportTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final OracleConfig FIXED = new OracleConfig(24, 37, 2, 4, 2, 61, 1e-5, 10000, Rope.ROTATE_HALF, false);

    @Test
    void adapterConfigHasExactlyPeftsFields(TestInfo info, @TempDir Path dir) throws IOException {
        Rng rng = Rng.forTest(info);
        try (LlamaWeights w = ExportModels.viaHf(OracleModel.random(rng, FIXED), dir.resolve("base"));
             LoraAdapter a = ExportModels.adapter(w, rng, 4, 16, EnumSet.of(LoraTarget.V, LoraTarget.Q, LoraTarget.DOWN))) {
            PeftExport.write(a, CPU, dir.resolve("out"), PeftExport.Options.of("meta-llama/Llama-2-7b-hf"));
            JsonNode cfg = JSON.readTree(dir.resolve("out/adapter_config.json").toFile());
            Set<String> keys = new TreeSet<>();
            cfg.fieldNames().forEachRemaining(keys::add);
            assertEquals(new TreeSet<>(List.of("alpha_pattern", "auto_mapping", "base_model_name_or_path", "bias",
                    "fan_in_fan_out", "inference_mode", "init_lora_weights", "layer_replication", "layers_pattern",
                    "layers_to_transform", "loftq_config", "lora_alpha", "lora_dropout", "megatron_config",
                    "megatron_core", "modules_to_save", "peft_type", "r", "rank_pattern", "revision", "target_modules",
                    "task_type", "use_dora", "use_rslora")), keys);
            assertEquals("LORA", cfg.get("peft_type").asText());
            assertEquals("CAUSAL_LM", cfg.get("task_type").asText());
            assertEquals(4, cfg.get("r").asInt());
            assertTrue(cfg.get("r").isInt());
            assertTrue(cfg.get("lora_alpha").isIntegralNumber(), "lora_alpha 16 written as an integer like PEFT");
            assertEquals(16, cfg.get("lora_alpha").asInt());
            assertEquals(0.0, cfg.get("lora_dropout").asDouble());
            assertEquals("[\"q_proj\",\"v_proj\",\"down_proj\"]", cfg.get("target_modules").toString());
            assertEquals("none", cfg.get("bias").asText());
            assertEquals("meta-llama/Llama-2-7b-hf", cfg.get("base_model_name_or_path").asText());
            assertFalse(cfg.get("fan_in_fan_out").asBoolean());
            assertTrue(cfg.get("fan_in_fan_out").isBoolean());
            assertTrue(cfg.get("init_lora_weights").asBoolean());
            assertFalse(cfg.get("use_rslora").asBoolean());
            assertFalse(cfg.get("use_dora").asBoolean());
            assertTrue(cfg.get("inference_mode").asBoolean());
            assertTrue(cfg.get("modules_to_save").isNull());
            assertTrue(cfg.get("layers_to_transform").isNull());
            assertEquals("{}", cfg.get("rank_pattern").toString());
            assertEquals("{}", cfg.get("alpha_pattern").toString());
            String text = Files.readString(dir.resolve("out/adapter_config.json"));
            assertTrue(text.startsWith("{\n  \"alpha_pattern\": {},\n"), "sorted keys, indent 2, like PEFT: " + text);
        }
    }

    @Test
    void tensorNamesShapesAndHeaderAreExactlyPefts(TestInfo info, @TempDir Path dir) throws IOException {
        Rng rng = Rng.forTest(info);
        try (LlamaWeights w = ExportModels.viaHf(OracleModel.random(rng, FIXED), dir.resolve("base"));
             LoraAdapter a = ExportModels.adapter(w, rng, 3, 6, EnumSet.of(LoraTarget.K, LoraTarget.UP))) {
            PeftExport.write(a, CPU, dir.resolve("out"), PeftExport.Options.of(null));
            Path file = dir.resolve("out/adapter_model.safetensors");
            try (Arena arena = Arena.ofConfined()) {
                Map<String, WeightTensor> t = SafetensorsFile.read(file, arena);
                assertEquals(List.of(
                        "base_model.model.model.layers.0.self_attn.k_proj.lora_A.weight",
                        "base_model.model.model.layers.0.self_attn.k_proj.lora_B.weight",
                        "base_model.model.model.layers.0.mlp.up_proj.lora_A.weight",
                        "base_model.model.model.layers.0.mlp.up_proj.lora_B.weight",
                        "base_model.model.model.layers.1.self_attn.k_proj.lora_A.weight",
                        "base_model.model.model.layers.1.self_attn.k_proj.lora_B.weight",
                        "base_model.model.model.layers.1.mlp.up_proj.lora_A.weight",
                        "base_model.model.model.layers.1.mlp.up_proj.lora_B.weight"), new ArrayList<>(t.keySet()));
                // k_proj: in 24, out kvDim = 2 heads · 6 = 12; up_proj: in 24, out 37
                assertArrayEquals(new long[] {3, 24}, t.get("base_model.model.model.layers.1.self_attn.k_proj.lora_A.weight").shape());
                assertArrayEquals(new long[] {12, 3}, t.get("base_model.model.model.layers.1.self_attn.k_proj.lora_B.weight").shape());
                assertArrayEquals(new long[] {3, 24}, t.get("base_model.model.model.layers.0.mlp.up_proj.lora_A.weight").shape());
                assertArrayEquals(new long[] {37, 3}, t.get("base_model.model.model.layers.0.mlp.up_proj.lora_B.weight").shape());
                t.values().forEach(x -> assertEquals(WeightType.F32, x.type()));
            }
            byte[] bytes = Files.readAllBytes(file);
            long headerLength = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            assertEquals(0, headerLength % 8, "data 8-byte aligned");
            JsonNode header = JSON.readTree(new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8));
            assertEquals("pt", header.get("__metadata__").get("format").asText());
            assertFalse(Files.exists(dir.resolve("out/lorapar_masks.safetensors")), "no masks, no mask file");
        }
    }

    @Test
    void f32RoundTripIsExact(TestInfo info, @TempDir Path dir) throws IOException {
        Rng rng = Rng.forTest(info);
        OracleConfig c = OracleConfig.random(rng);
        int rank = rng.pick(1, 2, 5, 8);
        double alpha = rng.pick(1, 3, 16, 64) * (rng.nextBoolean() ? 1 : 0.75);
        try (LlamaWeights w = ExportModels.viaHf(OracleModel.random(rng, c), dir.resolve("base"));
             LoraAdapter a = ExportModels.adapter(w, rng, rank, alpha, ExportModels.targets(rng))) {
            PeftExport.write(a, CPU, dir.resolve("out"), PeftExport.Options.of("x"));
            try (ImportedAdapter back = PeftImport.read(dir.resolve("out"), w, CPU)) {
                LoraAdapter b = back.adapter();
                assertEquals(a.config().targets(), b.config().targets(), rng.tag());
                assertEquals(rank, b.config().rank());
                assertEquals(a.scale(), b.scale(), rng.tag());
                assertEquals(a.pairs().size(), b.pairs().size());
                for (int i = 0; i < a.pairs().size(); i++) {
                    LoraPair p = a.pairs().get(i), q = b.pairs().get(i);
                    assertArrayEquals(p.a().toFloatArray(CPU), q.a().toFloatArray(CPU), p.name() + " A " + rng.tag());
                    assertArrayEquals(p.b().toFloatArray(CPU), q.b().toFloatArray(CPU), p.name() + " B " + rng.tag());
                }
                assertFalse(back.hasMasks());
                int[][] tokens = ExportModels.tokens(rng, c.vocab(), 2, 5);
                float[] want = ExportModels.logits(w, a, tokens);
                assertArrayEquals(want, ExportModels.logits(w, b, tokens), rng.tag());
                assertNotEquals(0, difference(want, ExportModels.logits(w, null, tokens)), "the adapter matters");
            }
        }
    }

    @Test
    void bf16ExportRoundsToNearestEven(TestInfo info, @TempDir Path dir) throws IOException {
        Rng rng = Rng.forTest(info);
        try (LlamaWeights w = ExportModels.viaHf(OracleModel.random(rng, FIXED), dir.resolve("base"));
             LoraAdapter a = ExportModels.adapter(w, rng, 2, 4, EnumSet.of(LoraTarget.O))) {
            LoraPair first = a.pairs().get(0);
            float[] values = first.a().toFloatArray(CPU);
            // ties: 1 + 2^-8 lies halfway between bf16 1 and 1 + 2^-7 (even: down); 1 + 3·2^-8 rounds up to 1 + 2^-6
            float[] ties = {1.00390625f, 1.01171875f, -1.00390625f, -1.01171875f, Math.nextUp(1.00390625f), 65504f, 1e-40f};
            System.arraycopy(ties, 0, values, 0, ties.length);
            first.a().copyFrom(CPU, values);
            PeftExport.write(a, CPU, dir.resolve("out"), PeftExport.Options.of(null).withDType(ExportDType.BF16));
            try (Arena arena = Arena.ofConfined()) {
                Map<String, WeightTensor> t = SafetensorsFile.read(dir.resolve("out/adapter_model.safetensors"), arena);
                for (LoraPair p : a.pairs()) {
                    for (boolean isA : new boolean[] {true, false}) {
                        String key = "base_model.model.model.layers." + p.layer() + ".self_attn.o_proj.lora_"
                                + (isA ? "A" : "B") + ".weight";
                        WeightTensor got = t.get(key);
                        assertEquals(WeightType.BF16, got.type(), key);
                        float[] original = (isA ? p.a() : p.b()).toFloatArray(CPU);
                        float[] stored = got.toFloats();
                        for (int i = 0; i < original.length; i++) {
                            assertEquals(Float.floatToRawIntBits(Bf16.round(original[i])), Float.floatToRawIntBits(stored[i]),
                                    key + "[" + i + "] of " + original[i] + " " + rng.tag());
                        }
                    }
                }
                float[] head = t.get("base_model.model.model.layers.0.self_attn.o_proj.lora_A.weight").toFloats();
                assertEquals(1.0f, head[0]);
                assertEquals(1.015625f, head[1]);
                assertEquals(-1.0f, head[2]);
                assertEquals(-1.015625f, head[3]);
                assertEquals(1.0078125f, head[4], "just above the tie rounds up");
            }
            try (ImportedAdapter back = PeftImport.read(dir.resolve("out"), w, CPU)) {
                float[] imported = back.adapter().pairs().get(0).a().toFloatArray(CPU);
                for (int i = 0; i < values.length; i++) assertEquals(Bf16.round(values[i]), imported[i], "imported [" + i + "]");
            }
        }
    }

    @Test
    void gradientModeMasksAreSavedAndRestored(TestInfo info, @TempDir Path dir) throws IOException {
        Rng rng = Rng.forTest(info);
        OracleConfig c = OracleConfig.random(rng);
        try (LlamaWeights w = ExportModels.viaHf(OracleModel.random(rng, c), dir.resolve("base"));
             LoraAdapter a = ExportModels.adapter(w, rng, rng.pick(1, 3, 9), 8, ExportModels.targets(rng))) {
            List<Tensor> masks = ExportModels.masks(a, rng);
            try {
                PeftExport.Written written = PeftExport.write(a, CPU, dir.resolve("out"), PeftExport.Options.of(null));
                assertTrue(written.masks());
                JsonNode description = JSON.readTree(dir.resolve("out/lorapar_masks.json").toFile());
                assertEquals("lorapar-lora-masks/1", description.get("format").asText());
                assertEquals("GRADIENT", description.get("mask_mode").asText());
                assertPackedMasksMatch(a, dir.resolve("out"), description);
                try (ImportedAdapter back = PeftImport.read(dir.resolve("out"), w, CPU)) {
                    assertTrue(back.hasMasks());
                    assertEquals(MaskMode.GRADIENT, back.adapter().maskMode());
                    assertSameMasksAndValues(a, back.adapter(), rng);
                }
            } finally {
                masks.forEach(Tensor::close);
            }
        }
    }

    @Test
    void forwardModeWritesMaskedValuesAndKeepsTheFunction(TestInfo info, @TempDir Path dir) throws IOException {
        Rng rng = Rng.forTest(info);
        OracleConfig c = OracleConfig.random(rng);
        try (LlamaWeights w = ExportModels.viaHf(OracleModel.random(rng, c), dir.resolve("base"));
             LoraAdapter a = ExportModels.adapter(w, rng, rng.pick(2, 4), 8, ExportModels.targets(rng))) {
            List<Tensor> masks = ExportModels.masks(a, rng);
            try {
                a.setMaskMode(MaskMode.FORWARD);
                PeftExport.write(a, CPU, dir.resolve("out"), PeftExport.Options.of(null));
                try (Arena arena = Arena.ofConfined()) {
                    Map<String, WeightTensor> t = SafetensorsFile.read(dir.resolve("out/adapter_model.safetensors"), arena);
                    for (LoraPair p : a.pairs()) {
                        if (p.maskA() == null) continue;
                        float[] stored = t.get("base_model.model.model." + p.name() + ".lora_A.weight").toFloats();
                        float[] raw = p.a().toFloatArray(CPU);
                        byte[] m = p.maskA().toByteArray(CPU);
                        for (int i = 0; i < raw.length; i++) {
                            assertEquals(m[i] == 0 ? 0f : raw[i], stored[i], p.name() + " A[" + i + "] " + rng.tag());
                        }
                    }
                }
                int[][] tokens = ExportModels.tokens(rng, c.vocab(), 2, 6);
                float[] want = ExportModels.logits(w, a, tokens);
                try (ImportedAdapter back = PeftImport.read(dir.resolve("out"), w, CPU)) {
                    assertEquals(MaskMode.FORWARD, back.adapter().maskMode());
                    assertArrayEquals(want, ExportModels.logits(w, back.adapter(), tokens), rng.tag());
                }
                // what PEFT computes (no masks): the masked values alone give the same function
                Files.delete(dir.resolve("out/lorapar_masks.json"));
                Files.delete(dir.resolve("out/lorapar_masks.safetensors"));
                try (ImportedAdapter plain = PeftImport.read(dir.resolve("out"), w, CPU)) {
                    assertFalse(plain.hasMasks());
                    assertArrayEquals(want, ExportModels.logits(w, plain.adapter(), tokens), rng.tag());
                }
            } finally {
                masks.forEach(Tensor::close);
            }
        }
    }

    @Test
    void exportWithoutMasksRemovesStaleMaskFiles(TestInfo info, @TempDir Path dir) throws IOException {
        Rng rng = Rng.forTest(info);
        try (LlamaWeights w = ExportModels.viaHf(OracleModel.random(rng, FIXED), dir.resolve("base"));
             LoraAdapter a = ExportModels.adapter(w, rng, 2, 4, EnumSet.of(LoraTarget.Q))) {
            List<Tensor> masks = ExportModels.masks(a, rng);
            PeftExport.write(a, CPU, dir.resolve("out"), PeftExport.Options.of(null));
            assertTrue(Files.exists(dir.resolve("out/lorapar_masks.safetensors")));
            for (LoraPair p : a.pairs()) a.setMasks(p.layer(), p.target(), null, null);
            masks.forEach(Tensor::close);
            assertFalse(PeftExport.write(a, CPU, dir.resolve("out"), PeftExport.Options.of(null)).masks());
            assertFalse(Files.exists(dir.resolve("out/lorapar_masks.safetensors")));
            assertFalse(Files.exists(dir.resolve("out/lorapar_masks.json")));
            try (var files = Files.list(dir.resolve("out"))) {
                assertEquals(List.of("adapter_config.json", "adapter_model.safetensors"),
                        files.map(p -> p.getFileName().toString()).sorted().toList(), "no temporary files left");
            }
        }
    }

    /** Unpacks lorapar_masks.safetensors independently (numpy's unpackbits, little bit order) and compares. */
    static void assertPackedMasksMatch(LoraAdapter a, Path dir, JsonNode description) throws IOException {
        byte[] file = Files.readAllBytes(dir.resolve("lorapar_masks.safetensors"));
        long n = ByteBuffer.wrap(file, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        JsonNode header = JSON.readTree(new String(file, 8, (int) n, StandardCharsets.UTF_8));
        int listed = 0;
        for (LoraPair p : a.pairs()) {
            for (boolean isA : new boolean[] {true, false}) {
                Tensor mask = isA ? p.maskA() : p.maskB();
                String key = "base_model.model.model." + p.name() + ".lora_" + (isA ? "A" : "B") + ".mask";
                if (mask == null) {
                    assertFalse(header.has(key), key + " has no mask");
                    continue;
                }
                listed++;
                Tensor param = isA ? p.a() : p.b();
                int rows = (int) param.dim(0), cols = (int) param.dim(1), packedCols = (cols + 7) / 8;
                JsonNode entry = header.get(key);
                assertEquals("U8", entry.get("dtype").asText());
                assertEquals("[" + rows + "," + packedCols + "]", entry.get("shape").toString());
                long begin = entry.get("data_offsets").get(0).asLong();
                byte[] m = mask.toByteArray(CPU);
                long active = 0;
                for (int r = 0; r < rows; r++) {
                    for (int col = 0; col < cols; col++) {
                        int bit = (file[(int) (8 + n + begin + (long) r * packedCols + col / 8)] >> (col % 8)) & 1;
                        assertEquals(m[r * cols + col] != 0 ? 1 : 0, bit, key + " [" + r + "," + col + "]");
                        active += bit;
                    }
                }
                assertEquals(active, description.get("matrices").get(key).get("active").asLong(), key);
                assertEquals("[" + rows + "," + cols + "]", description.get("matrices").get(key).get("shape").toString());
            }
        }
        assertEquals(listed, description.get("matrices").size());
    }

    /** Same A, B bits; masks equal as active/inactive (null stays null). */
    static void assertSameMasksAndValues(LoraAdapter want, LoraAdapter got, Rng rng) {
        for (int i = 0; i < want.pairs().size(); i++) {
            LoraPair p = want.pairs().get(i), q = got.pairs().get(i);
            assertArrayEquals(p.a().toFloatArray(CPU), q.a().toFloatArray(CPU), p.name() + " A " + rng.tag());
            assertArrayEquals(p.b().toFloatArray(CPU), q.b().toFloatArray(CPU), p.name() + " B " + rng.tag());
            assertSameMask(p.name() + " maskA", p.maskA(), q.maskA());
            assertSameMask(p.name() + " maskB", p.maskB(), q.maskB());
        }
    }

    static void assertSameMask(String what, Tensor want, Tensor got) {
        if (want == null) {
            assertEquals(null, got, what + " must stay absent");
            return;
        }
        assertTrue(got != null, what + " was not restored");
        byte[] w = want.toByteArray(CPU), g = got.toByteArray(CPU);
        assertEquals(w.length, g.length, what);
        for (int i = 0; i < w.length; i++) assertEquals(w[i] != 0, g[i] != 0, what + "[" + i + "]");
    }

    static double difference(float[] x, float[] y) {
        double d = 0;
        for (int i = 0; i < x.length; i++) d = Math.max(d, Math.abs(x[i] - y[i]));
        return d;
    }
}
