package dev.lorapar.train;

import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.core.Stream;
import dev.lorapar.dist.Collective;
import dev.lorapar.dist.DeviceRanks;
import dev.lorapar.dist.LaunchEnv;
import dev.lorapar.model.LlamaForwardBackward;
import dev.lorapar.model.LlamaWeights;
import dev.lorapar.model.LoraAdapter;
import dev.lorapar.model.TokenBatch;
import dev.lorapar.model.io.Checkpoint;
import dev.lorapar.model.io.Checkpoints;
import dev.lorapar.tokenizer.Tokenizer;
import dev.lorapar.tokenizer.Tokenizers;
import dev.lorapar.train.checkpoint.CheckpointStore;
import dev.lorapar.train.checkpoint.LoadResult;
import dev.lorapar.train.data.Batch;
import dev.lorapar.train.data.BatchOptions;
import dev.lorapar.train.data.BatchPlan;
import dev.lorapar.train.data.DataPosition;
import dev.lorapar.train.data.EvalSize;
import dev.lorapar.train.data.MalformedPolicy;
import dev.lorapar.train.data.Progress;
import dev.lorapar.train.data.ReadOptions;
import dev.lorapar.train.data.SampleEncoder;
import dev.lorapar.train.data.SftData;
import dev.lorapar.train.export.PeftExport;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;

/**
 * A whole supervised fine-tuning run from a {@link TrainConfig}: load the model, tokenizer and data, build the
 * adapter (or train every weight), resume from the newest good checkpoint in {@code output_dir/checkpoints}, then
 * optimizer steps of {@code grad_accumulation} micro-batches with eval losses and checkpoints on schedule. Every
 * step is reported through a {@link RunListener}; at the end the adapter is written as a PEFT folder
 * ({@code output_dir/adapter}). Deterministic on the CPU: a run killed at any moment and resumed
 * gives the same losses and the same final adapter as one that was never interrupted.
 */
public final class SftRun {
    /** How a run ended. */
    public record Outcome(long steps, double lastLoss, double lastEvalLoss, boolean resumed, Path outputDir) {
    }

    private SftRun() {
    }

    /**
     * The run {@code c} describes: one rank; {@code data_parallel} N > 1 ranks as threads of this process
     * ({@link DataParallelRun}); or, with a world size > 1 (flag or WORLD_SIZE), this process's rank of a
     * multi-process NCCL run (rendezvous at rank 0, GPU cuda:local_rank). Only rank 0 reports to {@code listener}.
     */
    public static Outcome run(TrainConfig c, RunListener listener) throws IOException {
        LaunchEnv env = LaunchEnv.resolve(c.values(), System.getenv());
        int threads = c.integer("data_parallel");
        if (env.distributed()) {
            return DeviceRanks.process(env, threads, DataParallelRun.timeout(c), (collective, device) ->
                    runRank(c, env.rank() == 0 ? listener : new RunListener() { }, collective, device));
        }
        if (threads > 1) {
            return DataParallelRun.threads(c, listener, threads);
        }
        return runRank(c, listener, null, RunSetup.device(c));
    }

    /**
     * One rank of a run: {@code collective} null = alone. Data parallel: every rank walks the same batch plan and
     * takes micro-batch i of each step when i mod N = rank; rank 0 alone writes checkpoints and the adapter (the
     * other ranks pass a silent listener). A failure aborts the collective so the other ranks stop promptly.
     */
    public static Outcome runRank(TrainConfig c, RunListener listener, Collective collective, Device device)
            throws IOException {
        try {
            return runRankBody(c, listener, collective, device);
        } catch (IOException | RuntimeException | Error e) {
            if (collective != null) {
                collective.abort(e);
            }
            throw e;
        }
    }

    private static Outcome runRankBody(TrainConfig c, RunListener listener, Collective collective, Device device)
            throws IOException {
        int rank = collective == null ? 0 : collective.rank(), world = collective == null ? 1 : collective.worldSize();
        GradientSync sync = collective == null ? GradientSync.NONE
                : new DataParallelSync(collective, c.bool("dp_overlap"));
        Path out = Path.of(c.text("output_dir"));
        Files.createDirectories(out);
        long seed = c.integer("seed");
        listener.started(c);
        try (Stream stream = Stream.create(device);
             Checkpoint ckpt = Checkpoints.open(Path.of(c.text("model")))) {
            Tokenizer tokenizer = c.text("tokenizer").isBlank() ? Tokenizers.nextTo(Path.of(c.text("model")))
                    : Tokenizers.open(Path.of(c.text("tokenizer")));
            int maxLength = c.integer("max_length");
            SampleEncoder encoder = new SampleEncoder(tokenizer, RunSetup.template(c), SampleEncoder.Options.of(maxLength));
            ReadOptions read = ReadOptions.defaults().withPolicy(
                    c.text("malformed").equalsIgnoreCase("fail") ? MalformedPolicy.FAIL : MalformedPolicy.SKIP);
            List<Path> files = new ArrayList<>();
            for (String f : c.list("train_data")) {
                files.add(Path.of(f));
            }
            SftData data = SftData.load(files, read, encoder, EvalSize.fraction(c.real("eval_fraction")), seed,
                    Progress.NONE);
            listener.dataLoaded(data.summary().lines(20));
            BatchOptions batchOptions = BatchOptions.rows(c.integer("batch_size"), maxLength)
                    .withPacking(c.bool("packing"));
            BatchPlan plan = BatchPlan.create(data.train(), batchOptions, seed);
            BatchPlan evalPlan = data.eval().isEmpty() ? null : BatchPlan.create(data.eval(), batchOptions, seed);
            int epochs = c.integer("epochs"), accumulation = c.integer("grad_accumulation");
            long totalSteps = c.integer("max_steps") > 0 ? c.integer("max_steps")
                    : Math.max(1, (plan.totalBatches(epochs) + accumulation - 1) / accumulation);
            LrSchedule schedule = LrSchedule.withWarmupRatio(LrSchedule.Kind.parse(c.text("schedule")), c.real("lr"),
                    c.real("warmup_ratio"), (int) totalSteps, c.real("min_lr_ratio"));
            MaskedAdamW.Hyper hyper = new MaskedAdamW.Hyper((float) c.real("beta1"), (float) c.real("beta2"),
                    (float) c.real("eps"), (float) c.real("weight_decay"), (float) c.real("max_grad_norm"));
            DType dtype = device.isCuda() ? DType.BF16 : DType.F32;
            LlamaForwardBackward.Options passOptions = LlamaForwardBackward.Options.of(c.integer("batch_size") * maxLength)
                    .withRecompute(c.bool("recompute"));
            try (LlamaWeights weights = LlamaWeights.upload(ckpt, stream, dtype);
                 StartingAdapter start = c.bool("full_finetune") ? null : StartingAdapter.open(c, weights, stream);
                 OptimizerStep step = new OptimizerStep(stream, weights, start == null ? null : start.adapter(),
                         passOptions, schedule, hyper, sync)) {
                LoraAdapter adapter = start == null ? null : start.adapter();
                if (start != null) {
                    listener.dataLoaded(List.of("adapter: " + start.describe(stream)));
                }
                CheckpointStore store = new CheckpointStore(out.resolve("checkpoints"), c.integer("keep_checkpoints"));
                DataPosition position = DataPosition.START;
                LoadResult loaded = store.loadLatest();
                boolean resumed = loaded.found();
                if (resumed) {
                    position = RunState.restore(loaded.state().orElseThrow(), step.optimizer(), plan.fingerprint());
                }
                if (collective != null) {
                    collective.requireSame(step.steps(), "the step resumed at (every rank must see the same "
                            + "output_dir/checkpoints)");
                }
                listener.resumed(loaded.summary(), step.steps(), totalSteps);
                Iterator<Batch> batches = plan.batches(position, epochs);
                double lastLoss = Double.NaN, lastEval = Double.NaN;
                long lastEvalStep = -1;
                int checkpointEvery = c.integer("checkpoint_every"), evalEvery = c.integer("eval_every");
                while (step.steps() < totalSteps && batches.hasNext()) {
                    List<TokenBatch> micro = new ArrayList<>();
                    List<TokenBatch> mine = new ArrayList<>();
                    while (micro.size() < accumulation && batches.hasNext()) {
                        Batch b = batches.next();
                        if (micro.size() % world == rank) {
                            mine.add(b.tokens());
                        }
                        micro.add(b.tokens());
                        position = b.next();
                    }
                    long t0 = System.nanoTime();
                    OptimizerStep.Result r = step.step(collective == null ? micro : mine);
                    lastLoss = r.meanLoss();
                    long tokens = 0;
                    for (TokenBatch tb : micro) {
                        tokens += tb.rows();
                    }
                    listener.stepDone(r, tokens, (System.nanoTime() - t0) / 1e9, totalSteps);
                    if (evalPlan != null && evalEvery > 0 && r.step() % evalEvery == 0) {
                        lastEval = evalLoss(step, evalPlan, rank, world);
                        lastEvalStep = r.step();
                        listener.evaluated(r.step(), lastEval);
                    }
                    if (rank == 0 && checkpointEvery > 0 && r.step() % checkpointEvery == 0 && r.step() < totalSteps) {
                        Path saved = store.save(RunState.capture(step.optimizer(), position, plan.fingerprint(),
                                c.values()));
                        listener.checkpointed(r.step(), saved);
                    }
                }
                if (evalPlan != null && lastEvalStep != step.steps()) {
                    lastEval = evalLoss(step, evalPlan, rank, world);
                    listener.evaluated(step.steps(), lastEval);
                }
                if (rank != 0) {
                    return new Outcome(step.steps(), lastLoss, lastEval, resumed, out);
                }
                Path saved = store.save(RunState.capture(step.optimizer(), position, plan.fingerprint(), c.values()));
                listener.checkpointed(step.steps(), saved);
                if (adapter != null) { // PiSSA / OLoRA too: written as the equivalent rank-2r LoRA of the original base
                    Path adapterDir = out.resolve("adapter");
                    PeftExport.write(adapter, stream, adapterDir, PeftExport.Options.of(c.text("model")));
                    listener.exported("PEFT adapter", adapterDir);
                }
                listener.finished(weights, adapter, stream, out);
                return new Outcome(step.steps(), lastLoss, lastEval, resumed, out);
            }
        }
    }

    /** The eval loss over all eval batches; data parallel: this rank evaluates batch i when i mod world = rank. */
    private static double evalLoss(OptimizerStep step, BatchPlan evalPlan, int rank, int world) {
        List<TokenBatch> mine = new ArrayList<>();
        int[] i = {0};
        evalPlan.batches(DataPosition.START, 1).forEachRemaining(b -> {
            if (i[0]++ % world == rank) {
                mine.add(b.tokens());
            }
        });
        return step.evalLoss(mine);
    }

    /** A loss as text with 6 decimals (the kill test compares these lines exactly). */
    static String loss(double v) {
        return String.format(Locale.ROOT, "%.9f", v);
    }

    /** Where a run reports; the default implementation prints plain lines. */
    public interface RunListener {
        default void started(TrainConfig c) {
        }

        default void dataLoaded(List<String> summary) {
        }

        default void resumed(String checkpointSummary, long step, long totalSteps) {
        }

        default void stepDone(OptimizerStep.Result r, long tokens, double seconds, long totalSteps) {
        }

        default void evaluated(long step, double evalLoss) {
        }

        default void checkpointed(long step, Path file) {
        }

        default void exported(String what, Path where) {
        }

        default void finished(LlamaWeights weights, LoraAdapter adapter, Stream stream, Path outputDir)
                throws IOException {
        }

        /** Plain lines on {@code out}: the effective config, data summary, every step's loss, evals, checkpoints. */
        static RunListener plain(PrintStream out) {
            return new RunListener() {
                @Override
                public void started(TrainConfig c) {
                    out.print("lorapar sft: effective settings\n" + c.describe());
                }

                @Override
                public void dataLoaded(List<String> summary) {
                    summary.forEach(l -> out.println("data: " + l));
                }

                @Override
                public void resumed(String checkpointSummary, long step, long totalSteps) {
                    out.println("checkpoint: " + checkpointSummary + "; starting at step " + step + " of " + totalSteps);
                }

                @Override
                public void stepDone(OptimizerStep.Result r, long tokens, double seconds, long totalSteps) {
                    // deterministic (no timing) so that runs can be compared line by line; speed on its own line
                    out.printf(Locale.ROOT, "step %d/%d loss %s lr %.6e grad_norm %.6f tokens %d%n", r.step(),
                            totalSteps, loss(r.meanLoss()), r.lr(), r.gradNorm(), tokens);
                    out.printf(Locale.ROOT, "  speed %.0f tokens/s%n", tokens / seconds);
                }

                @Override
                public void evaluated(long step, double evalLoss) {
                    out.println("eval step " + step + " loss " + loss(evalLoss));
                }

                @Override
                public void checkpointed(long step, Path file) {
                    out.println("checkpoint step " + step + " → " + file);
                }

                @Override
                public void exported(String what, Path where) {
                    out.println("exported " + what + " → " + where);
                }
            };
        }
    }
}
