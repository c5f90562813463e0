package dev.lorapar.rl;

import dev.lorapar.train.RunSetup;
import dev.lorapar.train.TrainConfig;
import dev.lorapar.train.report.MemoryProbe;
import dev.lorapar.train.report.MetricsLog;
import dev.lorapar.train.report.MetricsRecord;
import dev.lorapar.train.report.ProgressReporter;
import dev.lorapar.train.report.TrainProgress;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a GRPO run shows and keeps: on {@code out} the effective settings, the data and adapter lines, a deterministic
 * line per logged step (rewards and each component, KL, completion length, clip fraction, loss, lr, grad norm) and a
 * speed line (generation and training tokens/s, seconds per phase); a progress bar on {@code err};
 * {@code output_dir/metrics.jsonl} with one record per optimizer step (trimmed to the resumed step on resume);
 * {@code output_dir/reward.png} at the end.
 */
public final class GrpoReporter implements GrpoRun.Listener {
    private final PrintStream out, err;
    private final Path outputDir;
    private final int logEvery;
    private final TrainConfig config;
    private MetricsLog metrics;
    private TrainProgress progress;

    public GrpoReporter(TrainConfig c, PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
        this.config = c;
        this.outputDir = Path.of(c.text("output_dir"));
        this.logEvery = Math.max(1, c.integer("log_every"));
    }

    @Override
    public void started(TrainConfig c) {
        out.print("lorapar grpo: effective settings\n" + c.describe());
    }

    @Override
    public void loaded(List<String> lines) {
        lines.forEach(l -> out.println("data: " + l));
    }

    @Override
    public void resumed(String checkpointSummary, long step, long totalSteps) {
        out.println("checkpoint: " + checkpointSummary + "; starting at step " + step + " of " + totalSteps);
        try {
            metrics = MetricsLog.resume(outputDir.resolve("metrics.jsonl"), step);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open " + outputDir.resolve("metrics.jsonl"), e);
        }
        progress = new TrainProgress(ProgressReporter.builder("grpo", totalSteps).out(err).initial(step)
                .showRate(false).memory(MemoryProbe.of(RunSetup.device(config))).build());
    }

    @Override
    public void iteration(GrpoLoop.Iteration it, long totalSteps) {
        double genRate = it.generatedTokens() / Math.max(1e-9, it.generationSeconds());
        for (GrpoTrainer.Update u : it.updates()) {
            double trainRate = u.trainPositions() / Math.max(1e-9, u.policySeconds() + it.referenceSeconds());
            if (u.step() % logEvery == 0 || u.step() == 1 || u.step() == totalSteps) {
                StringBuilder comps = new StringBuilder();
                it.components().forEach((k, v) -> comps.append(String.format(Locale.ROOT, " %s %.4f", k, v)));
                out.printf(Locale.ROOT, "step %d/%d reward %.4f ± %.4f [%s ] kl %.6f len %.1f clip %.4f loss %.6f "
                                + "lr %.3e grad_norm %.6f%n", u.step(), totalSteps, it.rewardMean(), it.rewardStd(),
                        comps, u.kl(), it.completionLength(), u.clipFraction(), u.loss(), u.lr(), u.gradNorm());
                out.printf(Locale.ROOT, "  speed generation %.0f tokens/s (%.2f s), reference %.2f s, policy %.2f s, "
                                + "optimizer %.3f s, training %.0f tokens/s%n", genRate, it.generationSeconds(),
                        it.referenceSeconds(), u.policySeconds(), u.optimizerSeconds(), trainRate);
            }
            progress.step(u.step(), u.loss(), u.lr(), u.trainPositions(),
                    ProgressReporter.Field.of("reward", String.format(Locale.ROOT, "%.3f", it.rewardMean())));
            MetricsRecord.Builder r = MetricsRecord.atStep(u.step()).loss(u.loss()).lr(u.lr()).gradNorm(u.gradNorm())
                    .tokensPerSecond(trainRate).time(Instant.now())
                    .extra("reward", it.rewardMean()).extra("reward_std", it.rewardStd()).extra("kl", u.kl())
                    .extra("completion_length", it.completionLength()).extra("clip_fraction", u.clipFraction())
                    .extra("generation_tokens_per_s", genRate);
            for (Map.Entry<String, Double> e : it.components().entrySet()) {
                r.extra("reward/" + e.getKey(), e.getValue());
            }
            try {
                metrics.append(r.build());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the metrics log", e);
            }
        }
    }

    @Override
    public void checkpointed(long step, Path file) {
        out.println("checkpoint step " + step + " → " + file);
        try {
            metrics.force();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot flush the metrics log", e);
        }
    }

    @Override
    public void finished(Path dir) throws IOException {
        progress.close();
        metrics.close();
        Path png = dir.resolve("reward.png");
        RewardPlot.write(png, dir.resolve("metrics.jsonl"));
        out.println("exported PEFT adapter → " + dir.resolve("adapter"));
        out.println("exported reward curve → " + png);
    }
}
