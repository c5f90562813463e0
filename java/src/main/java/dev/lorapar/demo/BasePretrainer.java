package dev.lorapar.demo;

import dev.lorapar.core.Device;
import dev.lorapar.core.Stream;
import dev.lorapar.model.LlamaConfig;
import dev.lorapar.model.LlamaWeights;
import dev.lorapar.model.LoraAdapter;
import dev.lorapar.train.OptimizerStep;
import dev.lorapar.train.RunSetup;
import dev.lorapar.train.SftRun;
import dev.lorapar.train.TrainConfig;
import dev.lorapar.train.export.MergedModelExport;
import dev.lorapar.train.report.LossPlot;
import dev.lorapar.train.report.MemoryProbe;
import dev.lorapar.train.report.MetricsRecord;
import dev.lorapar.train.report.ProgressReporter;
import dev.lorapar.train.report.TrainProgress;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Pretrains the demo's base model with lorapar's own full fine-tuning: a {@link BaseInit} random model is exported
 * as a Hugging Face folder, {@link SftRun} trains every weight on the pretraining items (template
 * {@code <s>{q}</s>{a}</s>}, loss on the answers, packed rows, cosine schedule), and the result is exported as a
 * Hugging Face folder with the tokenizer, next to a loss curve PNG. Progress goes to {@code progress} as a bar.
 */
public final class BasePretrainer {
    /** Where the pieces went. */
    public record Result(Path baseModel, Path lossPlot, long steps, double firstLoss, double lastLoss, double seconds) {
    }

    private BasePretrainer() {
    }

    /**
     * @param tokenizerDir folder holding the tokenizer.json
     * @param data         the pretraining items (JSONL)
     * @param workDir      folder for the init model and the run's checkpoints
     * @param baseDir      the folder the pretrained model is written to
     * @param device       cpu, cuda:N or auto
     */
    public static Result pretrain(DemoScale scale, int vocabSize, Path tokenizerDir, Path data, Path workDir,
                                  Path baseDir, String device, PrintStream progress) throws IOException {
        long t0 = System.nanoTime();
        LlamaConfig config = scale.modelConfig(vocabSize);
        Path init = workDir.resolve("init");
        try (Stream stream = Stream.create(RunSetup.device(device));
             LlamaWeights weights = BaseInit.random(config, stream, scale.generator().seed())) {
            MergedModelExport.write(weights, null, stream, init, MergedModelExport.Options.defaults()
                    .withTokenizer(tokenizerDir));
        }
        TrainConfig train = TrainConfig.parse(
                "--model", init.toString(),
                "--tokenizer", tokenizerDir.resolve(TokenizerJsonWriter.FILE).toString(),
                "--train_data", data.toString(),
                "--template", "reference",
                "--full_finetune", "true",
                "--max_length", Integer.toString(scale.maxLength()),
                "--batch_size", Integer.toString(scale.batchSize()),
                "--packing", "true",
                "--epochs", Integer.toString(scale.epochs()),
                "--lr", Double.toString(scale.lr()),
                "--schedule", "cosine",
                "--warmup_ratio", "0.05",
                "--min_lr_ratio", "0.1",
                "--eval_fraction", "0",
                "--eval_every", "0",
                "--checkpoint_every", "0",
                "--keep_checkpoints", "1",
                "--malformed", "fail",
                "--seed", Integer.toString(Long.hashCode(scale.generator().seed())),  // SFT seeds are ints
                "--device", device,
                "--output_dir", workDir.resolve("run").toString());
        Path png = baseDir.resolveSibling("pretrain-loss.png");
        Listener listener = new Listener(progress, RunSetup.device(device), baseDir, tokenizerDir, png);
        SftRun.Outcome outcome = SftRun.run(train, listener);
        return new Result(baseDir, png, outcome.steps(), listener.firstLoss, outcome.lastLoss(),
                (System.nanoTime() - t0) / 1e9);
    }

    /** A progress bar while training; at the end the merged export and the loss curve. */
    private static final class Listener implements SftRun.RunListener {
        private final PrintStream err;
        private final Device device;
        private final Path baseDir, tokenizerDir, png;
        private final List<MetricsRecord> records = new ArrayList<>();
        private TrainProgress progress;
        private double firstLoss = Double.NaN;

        Listener(PrintStream err, Device device, Path baseDir, Path tokenizerDir, Path png) {
            this.err = err;
            this.device = device;
            this.baseDir = baseDir;
            this.tokenizerDir = tokenizerDir;
            this.png = png;
        }

        @Override
        public void resumed(String checkpointSummary, long step, long totalSteps) {
            progress = new TrainProgress(ProgressReporter.builder("pretrain base", totalSteps).out(err).initial(step)
                    .showRate(false).memory(MemoryProbe.of(device)).build());
        }

        @Override
        public void stepDone(OptimizerStep.Result r, long tokens, double seconds, long totalSteps) {
            if (Double.isNaN(firstLoss)) {
                firstLoss = r.meanLoss();
            }
            progress.step(r.step(), r.meanLoss(), r.lr(), r.tokens());
            records.add(MetricsRecord.atStep(r.step()).loss(r.meanLoss()).lr(r.lr()).gradNorm(r.gradNorm()).build());
        }

        @Override
        public void finished(LlamaWeights weights, LoraAdapter adapter, Stream stream, Path outputDir)
                throws IOException {
            progress.close();
            MergedModelExport.write(weights, null, stream, baseDir, MergedModelExport.Options.defaults()
                    .withTokenizer(tokenizerDir));
            LossPlot.builder().title("demo base pretraining loss").build().write(png, records);
        }
    }
}
