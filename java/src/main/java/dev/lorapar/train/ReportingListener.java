package dev.lorapar.train;

import dev.lorapar.core.Device;
import dev.lorapar.core.Stream;
import dev.lorapar.model.LlamaWeights;
import dev.lorapar.model.LoraAdapter;
import dev.lorapar.train.report.LossPlot;
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

/**
 * What an SFT run shows and keeps: the plain log on {@code out} (settings, data summary, a deterministic line every
 * {@code log_every} steps and at the first and last, evals, checkpoints), a progress bar on a terminal (periodic
 * progress lines otherwise) on {@code err}, {@code output_dir/metrics.jsonl} (trimmed to the resumed step on
 * resume) and, at the end, {@code output_dir/loss.png}.
 */
final class ReportingListener implements SftRun.RunListener {
    private final SftRun.RunListener plain;
    private final PrintStream err;
    private final Path outputDir;
    private final int logEvery;
    private final Device device;
    private MetricsLog metrics;
    private TrainProgress progress;

    ReportingListener(TrainConfig c, PrintStream out, PrintStream err) {
        this.plain = SftRun.RunListener.plain(out);
        this.err = err;
        this.outputDir = Path.of(c.text("output_dir"));
        this.logEvery = Math.max(1, c.integer("log_every"));
        this.device = RunSetup.device(c);
    }

    @Override
    public void started(TrainConfig c) {
        plain.started(c);
    }

    @Override
    public void dataLoaded(List<String> summary) {
        plain.dataLoaded(summary);
    }

    @Override
    public void resumed(String checkpointSummary, long step, long totalSteps) {
        plain.resumed(checkpointSummary, step, totalSteps);
        try {
            metrics = MetricsLog.resume(outputDir.resolve("metrics.jsonl"), step);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open " + outputDir.resolve("metrics.jsonl"), e);
        }
        ProgressReporter reporter = ProgressReporter.builder("train", totalSteps).out(err).initial(step)
                .showRate(false).memory(MemoryProbe.of(device)).build();
        progress = new TrainProgress(reporter);
    }

    @Override
    public void stepDone(OptimizerStep.Result r, long tokens, double seconds, long total) {
        if (r.step() % logEvery == 0 || r.step() == 1 || r.step() == total) {
            plain.stepDone(r, tokens, seconds, total);
        }
        progress.step(r.step(), r.meanLoss(), r.lr(), tokens);
        append(MetricsRecord.atStep(r.step()).loss(r.meanLoss()).lr(r.lr()).gradNorm(r.gradNorm())
                .tokensPerSecond(tokens / seconds).time(Instant.now()).build());
    }

    @Override
    public void evaluated(long step, double evalLoss) {
        plain.evaluated(step, evalLoss);
        append(MetricsRecord.atStep(step).evalLoss(evalLoss).time(Instant.now()).build());
    }

    @Override
    public void checkpointed(long step, Path file) {
        plain.checkpointed(step, file);
        try {
            metrics.force();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot flush the metrics log", e);
        }
    }

    @Override
    public void exported(String what, Path where) {
        plain.exported(what, where);
    }

    @Override
    public void finished(LlamaWeights weights, LoraAdapter adapter, Stream stream, Path out) throws IOException {
        progress.close();
        metrics.close();
        Path png = outputDir.resolve("loss.png");
        LossPlot.builder().build().write(png, outputDir.resolve("metrics.jsonl"));
        plain.exported("loss curve", png);
    }

    private void append(MetricsRecord record) {
        try {
            metrics.append(record);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the metrics log", e);
        }
    }
}
