package dev.lorapar.tests.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lorapar.cli.Lorapar;
import dev.lorapar.model.io.SafetensorsFile;
import dev.lorapar.model.io.WeightTensor;
import dev.lorapar.tests.io.SharedData;
import dev.lorapar.train.export.MaskFiles;
import dev.lorapar.train.export.PeftNames;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lorapar run} end to end on stories260K (CPU): classification by a local voter, scoring, partition, the
 * LoRA-PAR / plain LoRA / random-subset arms through SFT then GRPO, evaluation after every stage, the report; the
 * masks honoured (checked here independently from the adapters and mask files on disk); a rerun reuses every stage;
 * another θ re-runs the partition and what follows, not the scoring.
 */
class RunExperimentTest {
    static final ObjectMapper JSON = new ObjectMapper();

    record Ran(int status, String log) {
    }

    static Ran lorapar(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream ps = new PrintStream(out, true, StandardCharsets.UTF_8);
        int status = Lorapar.run(args, ps, ps);
        return new Ran(status, out.toString(StandardCharsets.UTF_8));
    }

    /** 12 one-step (one answer line) and 12 three-step items, GSM8K-shaped. */
    static Path data(Path dir) throws IOException {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            int a = i + 2, b = i % 5 + 1;
            lines.add(JSON.createObjectNode().put("question", "What is " + a + " plus " + b + "?")
                    .put("answer", a + " plus " + b + " is " + (a + b) + ".\n#### " + (a + b)).toString());
            lines.add(JSON.createObjectNode().put("question", "Tom has " + a + " cats and gets " + b
                            + " more, then doubles them. How many?")
                    .put("answer", "He has " + a + ".\nThen " + a + " + " + b + " = " + (a + b) + ".\nDoubled: "
                            + 2 * (a + b) + ".\n#### " + 2 * (a + b)).toString());
        }
        Path file = dir.resolve("train.jsonl");
        Files.write(file, lines);
        Path test = dir.resolve("test.jsonl");
        Files.write(test, lines.subList(0, 4));
        return file;
    }

    static Path experiment(Path dir, Path model, String theta) throws IOException {
        Path file = dir.resolve("exp-" + theta + ".yaml");
        Files.writeString(file, """
                model: %s
                output_dir: out
                device: cpu
                seed: 5
                data: {train: train.jsonl}
                classify: {voters: steps, progress: plain}
                lora: {lora_r: 4, lora_alpha: 16}
                score: {samples: 6, max_length: 64, progress: plain}
                partition: {theta: %s}
                stages: [sft, grpo]
                sft: {max_steps: 3, batch_size: 4, max_length: 64, lr: 5e-3, eval_fraction: 0, checkpoint_every: 0}
                grpo: {data: s2, max_steps: 2, template: reference, system_prompt: "", max_prompt: 48,
                       max_completion: 8, num_generations: 3, prompts_per_step: 2, grad_accumulation: 1,
                       rewards: numeric, lr: 1e-3, train_rows: 6}
                eval: {benchmarks: gsm8k, file_gsm8k: test.jsonl, max_new_tokens: 8, batch_size: 4}
                arms: [lorapar, lora, random]
                """.formatted(model, theta));
        return file;
    }

    @Test
    void wholeMethodOnATinyModel(@TempDir Path dir) throws IOException {
        Path model = SharedData.require("llama2c-stories260K/stories260K.bin");
        data(dir);
        Ran first = lorapar("run", experiment(dir, model, "0.9").toString());
        assertEquals(0, first.status(), first.log());
        JsonNode report = JSON.readTree(dir.resolve("out/report/report.json").toFile());
        JsonNode results = report.get("results");
        assertEquals(6, results.size(), report.toPrettyString());
        JsonNode stages = report.get("partition").get("systems");
        for (JsonNode r : results) {
            assertEquals(0, r.get("mask_violations").asLong(), r.toString());
            assertTrue(r.get("metrics").has("gsm8k accuracy"), r.toString());
            assertTrue(r.get("trained_elements_moved").asLong() > 0, "training moved something: " + r);
            int system = r.get("stage").asText().equals("sft") ? 0 : 1;
            long stageSize = stages.get(system).get("stage").asLong();
            switch (r.get("arm").asText()) {
                case "lorapar", "random" -> assertEquals(stageSize, r.get("trained_elements").asLong(), r.toString());
                default -> assertEquals(r.get("elements").asLong(), r.get("trained_elements").asLong(), r.toString());
            }
            if (!r.get("arm").asText().equals("lora")) {
                assertTrue(r.get("trained_percent").asDouble() < 100, r.toString());
            }
        }
        assertTrue(report.get("base").has("gsm8k accuracy"));
        assertTrue(Files.exists(dir.resolve("out/report/report.md")));
        assertTrue(Files.exists(dir.resolve("out/report/cumulative-importance.png")));
        // independent check of the LoRA-PAR chain: init → sft (mask s1) → grpo (mask s2)
        Path init = Path.of(results.get(0).get("adapter").asText()).getParent().getParent();
        List<Path> inits;
        try (var s = Files.list(init)) {
            inits = s.filter(p -> p.getFileName().toString().startsWith("init-")).toList();
        }
        assertEquals(1, inits.size());
        Path partition = Path.of(results.get(0).get("masks").asText()).getParent().getParent();
        assertUntouchedOutsideMask(inits.get(0).resolve("adapter"), Path.of(results.get(0).get("adapter").asText()),
                partition.resolve("masks/s1"));
        assertUntouchedOutsideMask(Path.of(results.get(0).get("adapter").asText()),
                Path.of(results.get(1).get("adapter").asText()), partition.resolve("masks/s2"));

        Ran again = lorapar("run", experiment(dir, model, "0.9").toString());
        assertEquals(0, again.status(), again.log());
        JsonNode second = JSON.readTree(dir.resolve("out/report/report.json").toFile());
        for (JsonNode r : second.get("results")) {
            assertTrue(r.get("cached").asBoolean(), "rerun reuses " + r);
        }
        assertTrue(again.log().contains("score: up to date") || again.log().contains("up to date"), again.log());

        Ran theta = lorapar("run", experiment(dir, model, "0.5").toString());
        assertEquals(0, theta.status(), theta.log());
        JsonNode third = JSON.readTree(dir.resolve("out/report/report.json").toFile());
        assertEquals(0.5, third.get("partition").get("theta").asDouble());
        assertTrue(third.get("results").get(0).get("trained_elements").asLong()
                < results.get(0).get("trained_elements").asLong(), "a smaller θ trains fewer elements");
        assertTrue(!third.get("results").get(0).get("cached").asBoolean(), "new masks, new training");
        assertTrue(third.get("results").get(2).get("cached").asBoolean(), "plain LoRA does not depend on θ");
    }

    static void assertUntouchedOutsideMask(Path before, Path after, Path masks) {
        Map<String, MaskFiles.MatrixMask> m = MaskFiles.readAll(masks);
        long checked = 0;
        try (Arena arena = Arena.ofConfined()) {
            Map<String, WeightTensor> b = SafetensorsFile.read(before.resolve(PeftNames.WEIGHTS), arena);
            Map<String, WeightTensor> a = SafetensorsFile.read(after.resolve(PeftNames.WEIGHTS), arena);
            for (var e : b.entrySet()) {
                byte[] mask = m.get(e.getKey().replace(".weight", ".mask")).values();
                float[] x = e.getValue().toFloats(), y = a.get(e.getKey()).toFloats();
                for (int i = 0; i < x.length; i++) {
                    if (mask[i] == 0) {
                        assertEquals(Float.floatToRawIntBits(x[i]), Float.floatToRawIntBits(y[i]), e.getKey() + "[" + i + "]");
                        checked++;
                    }
                }
            }
        }
        assertTrue(checked > 0, "some elements were outside the mask");
    }
}
