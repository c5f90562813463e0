package dev.lorapar.rl;

import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.core.Stream;
import dev.lorapar.dist.Collective;
import dev.lorapar.dist.DeviceRanks;
import dev.lorapar.dist.LaunchEnv;
import dev.lorapar.model.LlamaGenerator;
import dev.lorapar.model.LlamaWeights;
import dev.lorapar.model.LoraAdapter;
import dev.lorapar.model.io.Checkpoint;
import dev.lorapar.model.io.Checkpoints;
import dev.lorapar.tokenizer.Tokenizer;
import dev.lorapar.tokenizer.Tokenizers;
import dev.lorapar.train.DataParallelRun;
import dev.lorapar.train.DataParallelSync;
import dev.lorapar.train.GradientSync;
import dev.lorapar.train.LrSchedule;
import dev.lorapar.train.MaskedAdamW;
import dev.lorapar.train.RunSetup;
import dev.lorapar.train.RunState;
import dev.lorapar.train.StartingAdapter;
import dev.lorapar.train.TrainConfig;
import dev.lorapar.train.checkpoint.CheckpointStore;
import dev.lorapar.train.checkpoint.LoadResult;
import dev.lorapar.train.data.DataPosition;
import dev.lorapar.train.data.MalformedPolicy;
import dev.lorapar.train.data.ReadOptions;
import dev.lorapar.train.export.PeftExport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A whole GRPO run from its settings ({@link GrpoConfig}): load the model, tokenizer, prompts and the starting adapter
 * with the stage-2 mask, resume from the newest good checkpoint in {@code output_dir/checkpoints}, then iterations
 * of {@code grad_accumulation} rollout micro-batches of {@code prompts_per_step} prompts × G completions, each followed
 * by μ optimizer steps, until {@code max_steps} (or the epochs) are done; checkpoints on schedule and at the end, the
 * adapter exported as a PEFT folder ({@code output_dir/adapter}, with its masks). Deterministic on the CPU: a resumed
 * run continues with the prompts, samples and updates an uninterrupted run would have had.
 */
public final class GrpoRun {
    /** How a run ended. */
    public record Outcome(long steps, double lastRewardMean, boolean resumed, Path outputDir) {
    }

    /** Where a run reports. */
    public interface Listener {
        default void started(TrainConfig c) {
        }

        default void loaded(List<String> lines) {
        }

        default void resumed(String checkpointSummary, long step, long totalSteps) {
        }

        default void iteration(GrpoLoop.Iteration it, long totalSteps) {
        }

        default void checkpointed(long step, Path file) {
        }

        default void finished(Path outputDir) throws IOException {
        }
    }

    private GrpoRun() {
    }

    /** Runs with the rewards of the {@code rewards} setting. */
    public static Outcome run(TrainConfig c, Listener listener) throws IOException {
        return run(c, RewardSet.parse(c.text("rewards")), listener);
    }

    /**
     * Runs with {@code rewards} (e.g. a custom {@link Reward}, shared by the ranks: it must be thread-safe): one rank;
     * with {@code data_parallel} N &gt; 1 N ranks as threads of this process ({@link DeviceRanks}: CPU threads, or
     * GPUs from the configured device on over NCCL); or, with a world size &gt; 1 (flag or WORLD_SIZE), this
     * process's rank of a multi-process NCCL run (rendezvous at rank 0, GPU cuda:local_rank,
     * {@link DeviceRanks#process}). Only rank 0 reports to {@code listener}; with threads the outcome is rank 0's,
     * with processes this process's.
     */
    public static Outcome run(TrainConfig c, RewardSet rewards, Listener listener) throws IOException {
        LaunchEnv env = LaunchEnv.resolve(c.values(), System.getenv());
        int threads = c.integer("data_parallel");
        if (env.distributed()) {
            return DeviceRanks.process(env, threads, DataParallelRun.timeout(c), (collective, device) ->
                    runRank(c, rewards, collective.rank() == 0 ? listener : new Listener() { }, collective, device));
        }
        if (threads > 1) {
            return DeviceRanks.rankZero(RunSetup.device(c), threads, DataParallelRun.timeout(c), "lorapar-grpo",
                    (collective, device) -> runRank(c, rewards, collective.rank() == 0 ? listener : new Listener() { },
                            collective, device));
        }
        return runRank(c, rewards, listener, null, RunSetup.device(c));
    }

    /**
     * One rank of a run on {@code device} ({@code collective} null = alone). Data parallel: every rank walks the same
     * prompt order and rolls out its share of each micro-batch ({@link GrpoLoop}); rewards, counts, loss statistics
     * and gradients are summed over the ranks, so every rank takes the same optimizer steps; rank 0 alone writes
     * checkpoints and the adapter (the others should get a silent listener, which also keeps the metrics file rank
     * 0's). Every rank resumes from the same {@code output_dir/checkpoints}, written by a run with any number of ranks.
     */
    public static Outcome runRank(TrainConfig c, RewardSet rewards, Listener listener, Collective collective,
                                  Device device) throws IOException {
        int rank = collective == null ? 0 : collective.rank(), world = collective == null ? 1 : collective.worldSize();
        GradientSync sync = collective == null ? GradientSync.NONE : new DataParallelSync(collective);
        Path out = Path.of(c.text("output_dir"));
        Files.createDirectories(out);
        long seed = c.integer("seed");
        listener.started(c);
        ReadOptions read = ReadOptions.defaults().withPolicy(
                c.text("malformed").equalsIgnoreCase("fail") ? MalformedPolicy.FAIL : MalformedPolicy.SKIP);
        List<Path> files = new ArrayList<>();
        for (String f : c.list("train_data")) {
            files.add(Path.of(f));
        }
        GrpoData.Loaded data = GrpoData.load(files, read);
        List<RlItem> items = data.items();
        int g = c.integer("num_generations"), perStep = c.integer("prompts_per_step");
        int accumulation = c.integer("grad_accumulation"), mu = c.integer("inner_updates"), epochs = c.integer("epochs");
        int maxPrompt = c.integer("max_prompt"), maxCompletion = c.integer("max_completion");
        List<String> lines = new ArrayList<>();
        lines.add(items.size() + " prompts from " + files.size() + " file(s), " + data.read().malformedCount()
                + " malformed records skipped");
        data.read().malformed().stream().limit(20).forEach(m -> lines.add("  " + m));
        if (world > 1) {
            lines.add("data parallel: " + world + " ranks, prompt p of each micro-batch on rank p mod " + world);
        }
        int batchesPerEpoch = (items.size() + perStep - 1) / perStep;
        long totalSteps = c.integer("max_steps") > 0 ? c.integer("max_steps")
                : (long) Math.max(1, (batchesPerEpoch * (long) epochs + accumulation - 1) / accumulation) * mu;
        LrSchedule schedule = LrSchedule.withWarmupRatio(LrSchedule.Kind.parse(c.text("schedule")), c.real("lr"),
                c.real("warmup_ratio"), (int) totalSteps, c.real("min_lr_ratio"));
        MaskedAdamW.Hyper hyper = new MaskedAdamW.Hyper((float) c.real("beta1"), (float) c.real("beta2"),
                (float) c.real("eps"), (float) c.real("weight_decay"), (float) c.real("max_grad_norm"));
        long fingerprint = GrpoData.fingerprint(items, perStep, seed, epochs);
        DType dtype = device.isCuda() ? DType.BF16 : DType.F32;
        try (Stream stream = Stream.create(device);
             Checkpoint ckpt = Checkpoints.open(Path.of(c.text("model")))) {
            Tokenizer tokenizer = c.text("tokenizer").isBlank() ? Tokenizers.nextTo(Path.of(c.text("model")))
                    : Tokenizers.open(Path.of(c.text("tokenizer")));
            RolloutOptions ro = new RolloutOptions(RunSetup.template(c), GrpoConfig.systemPrompt(c), maxPrompt,
                    maxCompletion, g, (float) c.real("temperature"), c.integer("top_k"), (float) c.real("top_p"),
                    c.bool("ignore_eos"), seed);
            GrpoTrainer.Options to = new GrpoTrainer.Options(new GrpoLoss.Coefficients(c.real("beta"),
                    c.real("epsilon")), mu, c.integer("train_rows"), maxPrompt + maxCompletion, c.bool("recompute"));
            try (LlamaWeights weights = LlamaWeights.upload(ckpt, stream, dtype);
                 StartingAdapter start = StartingAdapter.open(c, weights, stream);
                 LlamaGenerator generator = LlamaGenerator.create(weights, stream,
                         LlamaGenerator.Options.of(perStep * g, maxPrompt + maxCompletion), tokenizer);
                 GrpoTrainer trainer = new GrpoTrainer(stream, weights, start.adapter(), to, schedule, hyper, sync)) {
                LoraAdapter adapter = start.adapter();
                lines.add("adapter: " + start.describe(stream));
                lines.add("rewards: " + String.join(", ", rewards.names()));
                listener.loaded(lines);
                GrpoLoop loop = new GrpoLoop(new Rollouts(generator, tokenizer, ro), rewards, trainer, adapter, mu,
                        collective);
                CheckpointStore store = new CheckpointStore(out.resolve("checkpoints"), c.integer("keep_checkpoints"));
                DataPosition position = DataPosition.START;
                LoadResult loaded = store.loadLatest();
                boolean resumed = loaded.found();
                if (resumed) {
                    position = RunState.restore(loaded.state().orElseThrow(), trainer.optimizer(), fingerprint);
                }
                if (collective != null) {
                    collective.requireSame(trainer.steps(), "the step resumed at (every rank must see the same "
                            + "output_dir/checkpoints)");
                }
                listener.resumed(loaded.summary(), trainer.steps(), totalSteps);
                int checkpointEvery = c.integer("checkpoint_every");
                boolean cycle = c.integer("max_steps") > 0;
                double lastReward = Double.NaN;
                while (trainer.steps() < totalSteps && (cycle || position.epoch() < epochs)) {
                    List<List<RlItem>> micro = new ArrayList<>();
                    while (micro.size() < accumulation && (cycle || position.epoch() < epochs)) {
                        int[] order = GrpoData.order(items.size(), seed, position.epoch());
                        List<RlItem> batch = new ArrayList<>();
                        int from = position.batch() * perStep;
                        for (int i = from; i < Math.min(items.size(), from + perStep); i++) {
                            batch.add(items.get(order[i]));
                        }
                        micro.add(batch);
                        position = position.batch() + 1 < batchesPerEpoch
                                ? new DataPosition(position.epoch(), position.batch() + 1)
                                : new DataPosition(position.epoch() + 1, 0);
                    }
                    long before = trainer.steps();
                    GrpoLoop.Iteration it = loop.run(micro);
                    lastReward = it.rewardMean();
                    listener.iteration(it, totalSteps);
                    long after = trainer.steps();
                    if (rank == 0 && checkpointEvery > 0 && after / checkpointEvery > before / checkpointEvery && after < totalSteps) {
                        Path saved = store.save(RunState.capture(trainer.optimizer(), position, fingerprint, c.values()));
                        listener.checkpointed(after, saved);
                    }
                }
                if (rank != 0) {
                    return new Outcome(trainer.steps(), lastReward, resumed, out);
                }
                Path saved = store.save(RunState.capture(trainer.optimizer(), position, fingerprint, c.values()));
                listener.checkpointed(trainer.steps(), saved);
                // PiSSA / OLoRA too: written as the equivalent rank-2r LoRA of the original base
                PeftExport.write(adapter, stream, out.resolve("adapter"), PeftExport.Options.of(c.text("model")));
                listener.finished(out);
                return new Outcome(trainer.steps(), lastReward, resumed, out);
            }
        }
    }
}
