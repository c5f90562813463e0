package dev.lorapar.tests.train.export;

import static dev.lorapar.tests.train.export.ExportModels.CPU;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lorapar.core.Tensor;
import dev.lorapar.model.LlamaWeights;
import dev.lorapar.model.LoraAdapter;
import dev.lorapar.model.LoraPair;
import dev.lorapar.model.LoraTarget;
import dev.lorapar.model.io.CheckpointException;
import dev.lorapar.model.io.SafetensorsFile;
import dev.lorapar.model.io.WeightTensor;
import dev.lorapar.tests.oracle.OracleModel;
import dev.lorapar.tests.support.Rng;
import dev.lorapar.train.export.ImportedAdapter;
import dev.lorapar.train.export.PeftExport;
import dev.lorapar.train.export.PeftImport;
import dev.lorapar.train.export.SafetensorsWriter;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * Malformed or unsupported PEFT folders: each gives a {@link CheckpointException} naming the file and the key or field
 * that is wrong, never a crash or a silently different adapter. Also what is accepted though lorapar never writes it:
 * F16 tensors, use_rslora (scale alpha/√r), target_modules "all-linear".
 */
class PeftImportErrorsTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String PREFIX = "base_model.model.model.layers.";
    static final String Q_B1 = PREFIX + "1.self_attn.q_proj.lora_B.weight";
    static final String Q_A0 = PREFIX + "0.self_attn.q_proj.lora_A.weight";

    /** A model (FIXED: dim 24, 2 layers) with a rank-3 adapter on q_proj and v_proj exported to dir/out. */
    record Fixture(LlamaWeights weights, LoraAdapter adapter, Path out) implements AutoCloseable {
        @Override
        public void close() {
            adapter.close();
            weights.close();
        }
    }

    static Fixture fixture(Rng rng, Path dir) throws IOException {
        LlamaWeights w = ExportModels.viaHf(OracleModel.random(rng, PeftExportTest.FIXED), dir.resolve("base"));
        LoraAdapter a = ExportModels.adapter(w, rng, 3, 12, EnumSet.of(LoraTarget.Q, LoraTarget.V));
        Path out = dir.resolve("out");
        PeftExport.write(a, CPU, out, PeftExport.Options.of(null));
        return new Fixture(w, a, out);
    }

    static void editConfig(Path out, Consumer<ObjectNode> edit) throws IOException {
        Path file = out.resolve("adapter_config.json");
        ObjectNode cfg = (ObjectNode) JSON.readTree(file.toFile());
        edit.accept(cfg);
        Files.writeString(file, cfg.toString());
    }

    /** Rewrites adapter_model.safetensors through {@code edit} on its entries (F32 values). */
    static void editTensors(Path out, UnaryOperator<List<SafetensorsWriter.Entry>> edit) throws IOException {
        Path file = out.resolve("adapter_model.safetensors");
        List<SafetensorsWriter.Entry> entries = new ArrayList<>();
        try (Arena arena = Arena.ofConfined()) {
            for (Map.Entry<String, WeightTensor> e : SafetensorsFile.read(file, arena).entrySet()) {
                float[] v = e.getValue().toFloats();
                entries.add(f32(e.getKey(), e.getValue().shape(), v));
            }
        }
        SafetensorsWriter.write(file, Map.of("format", "pt"), edit.apply(entries));
    }

    static SafetensorsWriter.Entry f32(String name, long[] shape, float[] v) {
        return new SafetensorsWriter.Entry(name, "F32", shape, sink -> sink.putFloats(dev.lorapar.train.export.ExportDType.F32, v, 0, v.length));
    }

    static String importError(Fixture f) {
        return assertThrows(CheckpointException.class, () -> PeftImport.read(f.out(), f.weights(), CPU).close()).getMessage();
    }

    static void assertMentions(String message, String... parts) {
        for (String p : parts) assertTrue(message.contains(p), "'" + p + "' missing from: " + message);
    }

    @Test
    void missingTensorIsNamed(TestInfo info, @TempDir Path dir) throws IOException {
        try (Fixture f = fixture(Rng.forTest(info), dir)) {
            editTensors(f.out(), es -> es.stream().filter(e -> !e.name().equals(Q_B1)).toList());
            assertMentions(importError(f), "adapter_model.safetensors: tensor " + Q_B1 + ": is missing (expected shape [24, 3])");
        }
    }

    @Test
    void misshapenTensorIsNamed(TestInfo info, @TempDir Path dir) throws IOException {
        try (Fixture f = fixture(Rng.forTest(info), dir)) {
            editTensors(f.out(), es -> es.stream().map(e -> e.name().equals(Q_A0)
                    ? f32(Q_A0, new long[] {24, 3}, new float[72]) : e).toList());
            assertMentions(importError(f), "tensor " + Q_A0 + ": has shape [24, 3], expected [3, 24]");
        }
    }

    @Test
    void rankDisagreeingWithTheTensorsIsAShapeError(TestInfo info, @TempDir Path dir) throws IOException {
        try (Fixture f = fixture(Rng.forTest(info), dir)) {
            editConfig(f.out(), c -> c.put("r", 5));
            assertMentions(importError(f), "tensor " + Q_A0 + ": has shape [3, 24], expected [5, 24]");
        }
    }

    @Test
    void unsupportedDtypeIsNamed(TestInfo info, @TempDir Path dir) throws IOException {
        try (Fixture f = fixture(Rng.forTest(info), dir)) {
            editTensors(f.out(), es -> es.stream().map(e -> e.name().equals(Q_A0)
                    ? new SafetensorsWriter.Entry(Q_A0, "U8", new long[] {3, 24}, s -> s.putBytes(new byte[72], 0, 72)) : e).toList());
            assertMentions(importError(f), "tensor " + Q_A0 + ": dtype U8 is not supported");
        }
    }

    @Test
    void unexpectedTensorsAreNamed(TestInfo info, @TempDir Path dir) throws IOException {
        String dora = PREFIX + "0.self_attn.q_proj.lora_magnitude_vector";
        String thirdLayer = PREFIX + "2.self_attn.q_proj.lora_A.weight";
        for (String extra : new String[] {dora, thirdLayer}) {
            try (Fixture f = fixture(Rng.forTest(info), dir.resolve(extra.substring(PREFIX.length(), PREFIX.length() + 1)))) {
                editTensors(f.out(), es -> {
                    List<SafetensorsWriter.Entry> more = new ArrayList<>(es);
                    more.add(f32(extra, new long[] {3, 24}, new float[72]));
                    return more;
                });
                assertMentions(importError(f), "tensor " + extra + ": is not a tensor of a LoRA adapter with r = 3",
                        "2 layers");
            }
        }
    }

    @Test
    void unsupportedConfigurationsAreNamed(TestInfo info, @TempDir Path dir) throws IOException {
        record Case(String name, Consumer<ObjectNode> edit, String expected) {
        }
        List<Case> cases = List.of(
                new Case("fan_in_fan_out", c -> c.put("fan_in_fan_out", true), "fan_in_fan_out true is not supported"),
                new Case("peft_type", c -> c.put("peft_type", "IA3"), "peft_type \"IA3\" is not supported"),
                new Case("no peft_type", c -> c.remove("peft_type"), "peft_type is missing"),
                new Case("bias", c -> c.put("bias", "lora_only"), "bias \"lora_only\" is not supported"),
                new Case("dora", c -> c.put("use_dora", true), "use_dora true is not supported"),
                new Case("rank_pattern", c -> c.putObject("rank_pattern").put("q_proj", 8), "rank_pattern {\"q_proj\":8}"),
                new Case("layers_to_transform", c -> c.putArray("layers_to_transform").add(0), "layers_to_transform [0]"),
                new Case("modules_to_save", c -> c.putArray("modules_to_save").add("lm_head"), "modules_to_save [\"lm_head\"]"),
                new Case("regex", c -> c.put("target_modules", ".*q_proj"), "target_modules \".*q_proj\" is a regular expression"),
                new Case("lm_head", c -> c.putArray("target_modules").add("q_proj").add("lm_head"),
                        "target_modules entry \"lm_head\" is not a LLaMA projection"),
                new Case("pissa", c -> c.put("init_lora_weights", "pissa_niter_4"), "init_lora_weights \"pissa_niter_4\""),
                new Case("no r", c -> c.remove("r"), "r is missing"),
                new Case("r 0", c -> c.put("r", 0), "r 0 is not a positive integer"),
                new Case("alpha text", c -> c.put("lora_alpha", "16"), "lora_alpha \"16\" is not a positive number"),
                new Case("rslora text", c -> c.put("use_rslora", "yes"), "use_rslora \"yes\" is not true or false"));
        Rng rng = Rng.forTest(info);
        try (Fixture f = fixture(rng, dir)) {
            String original = Files.readString(f.out().resolve("adapter_config.json"));
            for (Case c : cases) {
                Files.writeString(f.out().resolve("adapter_config.json"), original);
                editConfig(f.out(), c.edit());
                String message = importError(f);
                assertTrue(message.startsWith("adapter_config.json: "), c.name() + ": " + message);
                assertMentions(message, c.expected());
            }
            Files.writeString(f.out().resolve("adapter_config.json"), "{\"r\": 3, \"r\": 4}");
            assertMentions(importError(f), "adapter_config.json: adapter_config.json is not valid JSON");
        }
    }

    @Test
    void missingFilesAreNamed(TestInfo info, @TempDir Path dir) throws IOException {
        try (Fixture f = fixture(Rng.forTest(info), dir)) {
            assertMentions(assertThrows(CheckpointException.class,
                    () -> PeftImport.read(dir.resolve("nowhere"), f.weights(), CPU)).getMessage(), "is not a PEFT adapter folder");
            Files.move(f.out().resolve("adapter_model.safetensors"), f.out().resolve("adapter_model.bin"));
            assertMentions(importError(f), "has no adapter_model.safetensors", "adapter_model.bin is a pickle");
            Files.delete(f.out().resolve("adapter_config.json"));
            assertMentions(importError(f), "has no adapter_config.json");
        }
    }

    @Test
    void rsLoraScalesByAlphaOverSqrtR(TestInfo info, @TempDir Path dir) throws IOException {
        Rng rng = Rng.forTest(info);
        try (Fixture f = fixture(rng, dir)) {
            editConfig(f.out(), c -> c.put("use_rslora", true).put("lora_alpha", 6));
            try (ImportedAdapter back = PeftImport.read(f.out(), f.weights(), CPU)) {
                assertTrue(back.config().rsLora());
                assertEquals((float) (6 / Math.sqrt(3)), back.adapter().scale(), 1e-6f);
                for (int i = 0; i < f.adapter().pairs().size(); i++) {
                    assertArrayEquals(f.adapter().pairs().get(i).b().toFloatArray(CPU),
                            back.adapter().pairs().get(i).b().toFloatArray(CPU));
                }
            }
        }
    }

    @Test
    void f16TensorsAndAllLinearAreAccepted(TestInfo info, @TempDir Path dir) throws IOException {
        Rng rng = Rng.forTest(info);
        LlamaWeights w = ExportModels.viaHf(OracleModel.random(rng, PeftExportTest.FIXED), dir.resolve("base"));
        try (w; LoraAdapter a = ExportModels.adapter(w, rng, 2, 2, EnumSet.allOf(LoraTarget.class))) {
            Path out = dir.resolve("out");
            PeftExport.write(a, CPU, out, PeftExport.Options.of(null));
            editConfig(out, c -> c.put("target_modules", "all-linear"));
            Map<String, float[]> stored = values(out);
            editTensors(out, es -> es.stream().map(e -> {
                float[] v = stored.get(e.name());
                return new SafetensorsWriter.Entry(e.name(), "F16", e.shape(), s -> {
                    byte[] b = new byte[2 * v.length];
                    for (int i = 0; i < v.length; i++) {
                        short h = Float.floatToFloat16(v[i]);
                        b[2 * i] = (byte) h;
                        b[2 * i + 1] = (byte) (h >> 8);
                    }
                    s.putBytes(b, 0, b.length);
                });
            }).toList());
            try (ImportedAdapter back = PeftImport.read(out, w, CPU)) {
                assertEquals(EnumSet.allOf(LoraTarget.class), back.adapter().config().targets());
                for (int i = 0; i < a.pairs().size(); i++) {
                    LoraPair p = a.pairs().get(i);
                    float[] want = p.a().toFloatArray(CPU), got = back.adapter().pairs().get(i).a().toFloatArray(CPU);
                    for (int j = 0; j < want.length; j++) {
                        assertEquals(Float.float16ToFloat(Float.floatToFloat16(want[j])), got[j], p.name() + " A[" + j + "]");
                    }
                }
            }
        }
    }

    /** Every tensor of adapter_model.safetensors as floats, by name. */
    static Map<String, float[]> values(Path out) {
        Map<String, float[]> v = new java.util.LinkedHashMap<>();
        try (Arena arena = Arena.ofConfined()) {
            SafetensorsFile.read(out.resolve("adapter_model.safetensors"), arena).forEach((k, t) -> v.put(k, t.toFloats()));
        }
        return v;
    }

    @Test
    void corruptedOrMismatchedMasksAreNamed(TestInfo info, @TempDir Path dir) throws IOException {
        Rng rng = Rng.forTest(info);
        try (Fixture f = fixture(rng, dir)) {
            List<Tensor> masks = ExportModels.masks(f.adapter(), rng);
            try {
                PeftExport.write(f.adapter(), CPU, f.out(), PeftExport.Options.of(null));
                Path description = f.out().resolve("lorapar_masks.json");
                String original = Files.readString(description);
                LoraPair first = f.adapter().pairs().get(0); // has both masks
                String key = "base_model.model.model." + first.name() + ".lora_A.mask";
                ObjectNode json = (ObjectNode) JSON.readTree(original);
                ObjectNode entry = (ObjectNode) json.get("matrices").get(key);
                entry.put("active", entry.get("active").asLong() + 1);
                Files.writeString(description, json.toString());
                assertMentions(importError(f), "lorapar_masks.safetensors: tensor " + key + ": has ", "(corrupted?)");

                json = (ObjectNode) JSON.readTree(original);
                ((ObjectNode) json.get("matrices").get(key)).putArray("shape").add(3).add(25);
                Files.writeString(description, json.toString());
                assertMentions(importError(f), "tensor " + key + ": shape [3,25] does not match the adapter's [3, 24]");

                json = (ObjectNode) JSON.readTree(original);
                json.put("mask_mode", "SOMETIMES");
                Files.writeString(description, json.toString());
                assertMentions(importError(f), "mask_mode \"SOMETIMES\" is not GRADIENT or FORWARD");

                Files.delete(description);
                assertMentions(importError(f), "lorapar_masks.safetensors: is there without lorapar_masks.json");
            } finally {
                masks.forEach(Tensor::close);
            }
        }
    }
}
