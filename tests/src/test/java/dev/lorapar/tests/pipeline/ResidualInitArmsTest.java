package dev.lorapar.tests.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lorapar.model.io.SafetensorsFile;
import dev.lorapar.model.io.WeightTensor;
import dev.lorapar.pipeline.experiment.Experiment;
import dev.lorapar.tests.io.SharedData;
import dev.lorapar.train.export.MaskFiles;
import dev.lorapar.train.export.PeftNames;
import dev.lorapar.train.export.ResidualInitFile;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The PiSSA arms of {@code lorapar run} on stories260K (CPU, one tiny SFT stage): {@code pissa} (every element from
 * the PiSSA init) and {@code pissa_par} (scored and partitioned at the PiSSA init, trained on its mask); no mask
 * violations, report rows present, and — checked here independently on the files — the A₀ / B₀ halves of the
 * converted folders bit-identical and pissa_par's inactive elements untouched. Also {@code --baselines}.
 */
class ResidualInitArmsTest {

    @Test
    void pissaArmsRunAndHonourTheirMasks(@TempDir Path dir) throws IOException {
        Path model = SharedData.require("llama2c-stories260K/stories260K.bin");
        RunExperimentTest.data(dir);
        Path file = dir.resolve("exp.yaml");
        Files.writeString(file, """
                model: %s
                output_dir: out
                device: cpu
                seed: 3
                data: {train: train.jsonl}
                classify: {voters: steps, progress: plain}
                lora: {lora_r: 2, lora_alpha: 8, lora_targets: [q_proj, v_proj, down_proj]}
                score: {samples: 3, max_length: 48, progress: plain}
                partition: {theta: 0.8}
                stages: [sft]
                sft: {max_steps: 2, batch_size: 2, max_length: 48, lr: 5e-3, eval_fraction: 0, checkpoint_every: 0}
                eval: {benchmarks: gsm8k, file_gsm8k: test.jsonl, max_new_tokens: 4, batch_size: 4, limit: 2}
                arms: [pissa, pissa_par]
                """.formatted(model));
        RunExperimentTest.Ran ran = RunExperimentTest.lorapar("run", file.toString());
        assertEquals(0, ran.status(), ran.log());
        JsonNode results = RunExperimentTest.JSON.readTree(dir.resolve("out/report/report.json").toFile()).get("results");
        assertEquals(2, results.size(), results.toPrettyString());
        JsonNode pissa = results.get(0), par = results.get(1);
        assertEquals("pissa", pissa.get("arm").asText());
        assertEquals("pissa_par", par.get("arm").asText());
        for (JsonNode r : results) {
            assertEquals(0, r.get("mask_violations").asLong(), r.toString());
            assertTrue(r.get("metrics").has("gsm8k accuracy"), r.toString());
            assertTrue(r.get("trained_elements_moved").asLong() > 0, "training moved something: " + r);
        }
        assertEquals(pissa.get("elements").asLong(), pissa.get("trained_elements").asLong(), pissa.toString());
        assertTrue(par.get("trained_elements").asLong() < par.get("elements").asLong(), par.toString());
        Path trained = Path.of(par.get("adapter").asText());
        ResidualInitFile description = ResidualInitFile.readIn(trained);
        assertEquals(2, description.rank());
        assertEquals("Pissa", description.init().getClass().getSimpleName());

        // the PiSSA init both arms started from: exported once, as the converted rank-4 LoRA
        Path init;
        try (var s = Files.list(dir.resolve("out"))) {
            List<Path> inits = s.filter(p -> p.getFileName().toString().startsWith("init-")
                    && Files.exists(p.resolve("adapter").resolve(PeftNames.RESIDUAL_INIT))).toList();
            assertEquals(1, inits.size(), "one PiSSA init beside the experiment's own: " + inits);
            init = inits.get(0).resolve("adapter");
        }
        assertEquals(4, RunExperimentTest.JSON.readTree(init.resolve(PeftNames.CONFIG).toFile()).get("r").asInt());
        long[] counts = checkConverted(init, trained, Path.of(par.get("masks").asText()), 2);
        assertTrue(counts[0] > 0 && counts[1] > 0, "checked A₀/B₀ halves and inactive elements");
        checkConverted(init, Path.of(pissa.get("adapter").asText()), null, 2);
        // scored at the PiSSA init: its own score stage beside the (unused) one at the experiment's init
        try (var s = Files.list(dir.resolve("out"))) {
            assertEquals(2, s.filter(p -> p.getFileName().toString().startsWith("score-")).count());
        }
    }

    @Test
    void baselinesFlagAddsEveryBaselineArm(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("exp.yaml");
        Files.writeString(file, "model: m\ndata: {s1: a.jsonl, s2: b.jsonl}\narms: [lorapar, random]\n");
        Experiment e = Experiment.read(file).withBaselines();
        assertEquals(List.of("lorapar", "random", "lora", "sft_only", "pissa", "pissa_par", "olora", "olora_par"),
                e.arms());
        assertNotEquals(0, RunExperimentTest.lorapar("run", file.toString(), "--baseline").status());
        RunExperimentTest.Ran help = RunExperimentTest.lorapar("run", "--help");
        assertTrue(help.log().contains("--baselines"), help.log());
        Files.writeString(file, "model: m\ndata: {s1: a.jsonl, s2: b.jsonl}\narms: [lorapar, dora]\n");
        RunExperimentTest.Ran bad = RunExperimentTest.lorapar("run", file.toString(), "--baselines");
        assertEquals(2, bad.status(), bad.log());
        assertTrue(bad.log().contains("unknown arm 'dora'"), bad.log());
    }

    /**
     * The rows r.. of every lora_A and columns r.. of every lora_B (A₀, −B₀) bit-identical; with {@code masks}, the
     * trained elements outside the mask too. Returns {initial elements checked, inactive elements checked}.
     */
    static long[] checkConverted(Path before, Path after, Path masks, int r) {
        Map<String, MaskFiles.MatrixMask> m = masks == null ? Map.of() : MaskFiles.readAll(masks);
        long initial = 0, inactive = 0;
        try (Arena arena = Arena.ofConfined()) {
            Map<String, WeightTensor> b = SafetensorsFile.read(before.resolve(PeftNames.WEIGHTS), arena);
            Map<String, WeightTensor> a = SafetensorsFile.read(after.resolve(PeftNames.WEIGHTS), arena);
            assertEquals(b.keySet(), a.keySet());
            for (var e : b.entrySet()) {
                boolean isB = e.getKey().contains("lora_B");
                long[] shape = e.getValue().shape();
                float[] x = e.getValue().toFloats(), y = a.get(e.getKey()).toFloats();
                MaskFiles.MatrixMask mask = m.get(e.getKey().replace(".weight", ".mask"));
                for (int row = 0; row < shape[0]; row++) {
                    for (int col = 0; col < shape[1]; col++) {
                        int i = (int) (row * shape[1] + col);
                        boolean initialPart = isB ? col >= r : row >= r;
                        boolean outside = !initialPart && mask != null
                                && mask.values()[isB ? row * r + col : i] == 0;
                        if (initialPart || outside) {
                            assertEquals(Float.floatToRawIntBits(x[i]), Float.floatToRawIntBits(y[i]),
                                    e.getKey() + "[" + row + "," + col + "]" + (initialPart ? " (initial half)" : ""));
                            if (initialPart) initial++; else inactive++;
                        }
                    }
                }
            }
        }
        assertFalse(initial == 0, "converted folders have initial halves");
        return new long[] {initial, inactive};
    }
}
