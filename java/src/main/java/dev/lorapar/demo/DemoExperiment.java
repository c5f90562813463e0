package dev.lorapar.demo;

import dev.lorapar.eval.report.ContentHasher;
import dev.lorapar.pipeline.experiment.ArmEvaluator;
import dev.lorapar.train.data.SeededShuffle;
import dev.lorapar.train.export.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The demo as a {@code lorapar run} experiment: the System-1 and System-2 training items mixed into one file (their
 * generator labels kept in a field the voters never see), classification by the cheap local voter that counts
 * reasoning steps, importance, θ = 0.9 partition, and the LoRA-PAR / plain LoRA / random-subset arms through SFT then
 * GRPO under the same budget and seeds; the arms are scored on the S1 and S2 test sets by {@link DemoAccuracy}. The
 * experiment file is written beside the outputs, so {@code lorapar run} can repeat or vary it (with its own eval).
 */
final class DemoExperiment {
    /** Budgets per demo scale: LoRA rank, scoring samples, SFT steps, GRPO steps, GRPO completion length. */
    record Budget(int rank, int samples, int sftSteps, int sftBatch, int grpoSteps, int generations, int prompts,
                  int completion, int evalLimit) {
        static Budget of(DemoScale scale) {
            return switch (scale.name()) {
                case "tiny" -> new Budget(4, 8, 4, 4, 2, 3, 2, 48, 6);
                case "gpu" -> new Budget(16, 100, 300, 32, 100, 8, 16, 160, Integer.MAX_VALUE);
                default -> new Budget(8, 48, 60, 16, 12, 4, 4, 120, Integer.MAX_VALUE);
            };
        }
    }

    private DemoExperiment() {
    }

    /** Writes {@code dir/train-all.jsonl} and {@code dir/demo.yaml}; returns the experiment file. */
    static Path write(DemoAssets.Prepared p, DemoScale scale, Path dir, String device, long seed) throws IOException {
        Files.createDirectories(dir);
        List<String> lines = new ArrayList<>(Files.readAllLines(p.trainS1()));
        lines.addAll(Files.readAllLines(p.trainS2()));
        lines.removeIf(String::isBlank);
        SeededShuffle.shuffle(lines, seed);
        AtomicFiles.writeString(dir.resolve("train-all.jsonl"), String.join("\n", lines) + "\n");
        Budget b = Budget.of(scale);
        String yaml = """
                # lorapar demo (%s scale): the method on the built-in synthetic benchmark and tiny base.
                # Re-run or vary it with: lorapar run %s  (that command evaluates with the eval section below)
                model: %s
                output_dir: runs
                device: %s
                seed: %d
                data: {train: train-all.jsonl}
                classify: {voters: steps, progress: plain}
                lora: {lora_r: %d, lora_alpha: %d, lora_init: gaussian, lora_sigma: 0.01}
                score: {samples: %d, max_length: %d, template: reference, progress: plain}
                partition: {theta: 0.9, alpha: 1, beta: 1}
                stages: [sft, grpo]
                sft: {max_steps: %d, batch_size: %d, max_length: %d, lr: 2e-3, template: reference, eval_fraction: 0,
                      checkpoint_every: 0, log_every: 10}
                grpo: {data: s2, max_steps: %d, template: reference, system_prompt: "", max_prompt: 96,
                       max_completion: %d, num_generations: %d, prompts_per_step: %d, grad_accumulation: 1,
                       rewards: numeric, lr: 5e-4, beta: 0.04, train_rows: 16, checkpoint_every: 0, log_every: 4}
                eval: {benchmarks: gsm8k, file_gsm8k: %s, max_new_tokens: %d}
                arms: [lorapar, lora, random]
                """.formatted(scale.name(), dir.resolve("demo.yaml"), p.baseModel(), device, seed, b.rank(),
                2 * b.rank(), b.samples(), scale.maxLength(), b.sftSteps(), b.sftBatch(), scale.maxLength(),
                b.grpoSteps(), b.completion(), b.generations(), b.prompts(), p.testS2(), b.completion());
        Path file = dir.resolve("demo.yaml");
        AtomicFiles.writeString(file, yaml);
        return file;
    }

    /** S1 and S2 test accuracy by {@link DemoAccuracy}, on at most {@code limit} items of each set. */
    static ArmEvaluator evaluator(DemoAssets.Prepared p, String device, int batch, int limit) {
        return new ArmEvaluator() {
            @Override
            public Map<String, Double> evaluate(String label, Path adapter) throws IOException {
                DemoAccuracy.Result r = DemoAccuracy.score(p.baseModel(), adapter, p.testS1(), p.testS2(), device, batch,
                        limit);
                Map<String, Double> m = new LinkedHashMap<>();
                m.put("S1 accuracy", r.s1().fraction());
                m.put("S2 accuracy", r.s2().fraction());
                return m;
            }

            @Override
            public String identity() {
                try {
                    ContentHasher h = new ContentHasher(null);
                    return String.format(Locale.ROOT, "demo accuracy v1 s1=%s s2=%s limit=%d device=%s",
                            h.identify(p.testS1()).sha256(), h.identify(p.testS2()).sha256(), limit, device);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        };
    }
}
