package dev.lorapar.tests.rl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.core.Lorapar;
import dev.lorapar.dist.DeviceRanks;
import dev.lorapar.model.LlamaWeights;
import dev.lorapar.model.LoraPair;
import dev.lorapar.model.io.Checkpoint;
import dev.lorapar.model.io.Checkpoints;
import dev.lorapar.rl.GrpoConfig;
import dev.lorapar.rl.GrpoLoop;
import dev.lorapar.rl.GrpoRun;
import dev.lorapar.rl.GrpoTrainer;
import dev.lorapar.rl.RewardSet;
import dev.lorapar.rl.Rollout;
import dev.lorapar.rl.RolloutBatch;
import dev.lorapar.tests.io.SharedData;
import dev.lorapar.tests.train.DataParallelSftTest;
import dev.lorapar.train.TrainConfig;
import dev.lorapar.train.export.ImportedAdapter;
import dev.lorapar.train.export.PeftImport;
import dev.lorapar.train.report.MetricsLog;
import dev.lorapar.train.report.MetricsRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Data-parallel GRPO on the CPU (stories260K, ranks as threads over a LocalCollective). With the same seeds, 2 and 3
 * ranks sample the same completions as one rank (each completion's seed comes from step, micro-batch, the prompt's
 * position and its index, whichever rank samples it; a prompt's group stays on one rank), log the same mean reward
 * and KL, and end with the same adapter after 2 steps within fp32 rounding of the gradient sums' order. The 3-rank
 * run has a rank with no prompt at all in a step (2 + 1 prompts per step), which must still join every sum.
 *
 * <p>The bound is {@link DataParallelSftTest}'s: the ranks regroup the fp32 sums of the step's gradient chunks
 * (k ≤ 4 chunks here), AdamW with ε = 1e-3 (set here) is Lipschitz in the gradient with a constant of about 2/ε, so a
 * weight differs after s steps by at most about s·lr·(2/ε)·k·u·Σ|g| ≪ 2e-6 per step (lr 2e-3, Σ|g| &lt; 1; the
 * gradient-norm clipping at 0.1 is Lipschitz too). Asserted: |Δ| ≤ 2e-6·s + 1e-5·|w|. The mean reward and the other
 * statistics are sums in double of the same per-completion values: equal within 1e-12 (they depend on the
 * completions only). KL and loss at step 1 start from the same adapter (1e-9); at step 2 from adapters within the
 * bound, so relative 1e-4 (observed about 4e-6).
 *
 * <p>A multi-process launch (world_size &gt; 1) on a machine without CUDA is refused before anything is written.
 * (Two processes on two GPUs: {@code GpuMultiProcessTest}.)
 */
public class DataParallelGrpoTest {
    /** One rank's view: per optimizer step the mean reward, KL and loss; per iteration the completions it sampled. */
    static final class Capture implements GrpoRun.Listener {
        final List<Double> rewards = new ArrayList<>(), kls = new ArrayList<>(), losses = new ArrayList<>();
        final List<List<String>> completions = new ArrayList<>();

        @Override
        public void iteration(GrpoLoop.Iteration it, long totalSteps) {
            for (GrpoTrainer.Update u : it.updates()) {
                rewards.add(it.rewardMean());
                kls.add(u.kl());
                losses.add(u.loss());
            }
            List<String> sampled = new ArrayList<>();
            for (RolloutBatch b : it.rollouts()) {
                for (Rollout r : b.rollouts()) {
                    sampled.add(Arrays.toString(r.prompt()) + " → " + Arrays.toString(r.completion()));
                }
            }
            completions.add(sampled);
        }
    }

    /** The prompts of {@link GrpoMainTest} written to {@code dir}. */
    public static Path prompts(Path dir) throws IOException {
        return GrpoMainTest.data(dir);
    }

    /** {@code lorapar grpo}'s output and exit status check (see {@link GrpoMainTest}). */
    public static String grpo(String[] args, int status) {
        return GrpoMainTest.run(args, status);
    }

    /** The settings of these tests: GrpoMainTest's, 2 steps, AdamW ε = 1e-3, a checkpoint every step. */
    public static String[] args(Path data, Path out, String... more) throws IOException {
        List<String> a = new ArrayList<>(Arrays.asList(GrpoMainTest.args(data, out, "--max_steps", "2", "--eps", "1e-3",
                "--checkpoint_every", "1", "--dist_timeout_s", "60")));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    /** Every rank's capture, index = rank (one rank: alone, without a collective). */
    static List<Capture> run(TrainConfig c, int ranks) throws Exception {
        RewardSet rewards = RewardSet.parse(c.text("rewards"));
        if (ranks == 1) {
            Capture one = new Capture();
            GrpoRun.runRank(c, rewards, one, null, Device.CPU);
            return List.of(one);
        }
        return DeviceRanks.run(Device.CPU, ranks, Duration.ofSeconds(60), "grpo-test", (collective, device) -> {
            Capture mine = new Capture();
            GrpoRun.runRank(c, rewards, mine, collective, device);
            return mine;
        });
    }

    /** The A and B values of the PEFT adapter in {@code peft}, pair by pair. */
    public static List<float[]> adapter(Path peft) throws IOException {
        List<float[]> out = new ArrayList<>();
        try (Checkpoint ckpt = Checkpoints.open(SharedData.require(GrpoMainTest.DIR + "stories260K.bin"));
             dev.lorapar.core.Stream s = dev.lorapar.core.Stream.create(Device.CPU);
             LlamaWeights w = LlamaWeights.upload(ckpt, s, DType.F32);
             ImportedAdapter a = PeftImport.read(peft, w, s)) {
            for (LoraPair p : a.adapter().pairs()) {
                out.add(p.a().toFloatArray(s));
                out.add(p.b().toFloatArray(s));
            }
        }
        return out;
    }

    static List<String> files(Path dir) throws IOException {
        try (java.util.stream.Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void twoAndThreeRanksSampleTrainAndLogLikeOneRank(@TempDir Path dir) throws Exception {
        Path data = GrpoMainTest.data(dir);
        List<Capture> single = run(GrpoConfig.parse(args(data, dir.resolve("one"))), 1);
        Capture one = single.getFirst();
        assertEquals(2, one.rewards.size());
        List<float[]> oneAdapter = adapter(dir.resolve("one/adapter"));
        for (int n : new int[] {2, 3}) {
            Path out = dir.resolve("dp" + n);
            List<Capture> ranks = run(GrpoConfig.parse(args(data, out)), n);
            for (int it = 0; it < one.completions.size(); it++) {
                List<String> union = new ArrayList<>();
                for (Capture r : ranks) union.addAll(r.completions.get(it));
                List<String> want = new ArrayList<>(one.completions.get(it));
                want.sort(null);
                union.sort(null);
                assertEquals(want, union, n + " ranks: the completions of iteration " + (it + 1));
                for (Capture r : ranks) {
                    assertTrue(r.completions.get(it).size() % 4 == 0, "whole groups of G = 4 on every rank");
                }
            }
            for (int r = 0; r < n; r++) {
                Capture c = ranks.get(r);
                for (int s = 0; s < 2; s++) {
                    String what = n + " ranks, rank " + r + ", step " + (s + 1);
                    assertEquals(one.rewards.get(s), c.rewards.get(s), 1e-12, what + ": mean reward");
                    // step 1 starts from the same adapter: KL and loss equal up to double sums of the same terms
                    // (and fp32 policy passes over differently composed chunks); later steps start from adapters
                    // that differ within the bound above, which moves the log-probs by about 1e-7 relative
                    double kTol = s == 0 ? 1e-9 : 1e-4 * Math.abs(one.kls.get(s));
                    double lTol = s == 0 ? 1e-7 : 1e-7 + 1e-4 * Math.abs(one.losses.get(s));
                    assertEquals(one.kls.get(s), c.kls.get(s), kTol, what + ": KL");
                    assertEquals(one.losses.get(s), c.losses.get(s), lTol, what + ": loss");
                    System.out.printf("DataParallelGrpoTest: %s: |ΔKL| = %.3g, |Δloss| = %.3g%n", what,
                            Math.abs(one.kls.get(s) - c.kls.get(s)), Math.abs(one.losses.get(s) - c.losses.get(s)));
                }
            }
            DataParallelSftTest.assertAdapterClose(oneAdapter, adapter(out.resolve("adapter")), 2, n + " ranks vs 1");
            assertEquals(files(dir.resolve("one/checkpoints")), files(out.resolve("checkpoints")),
                    "rank 0 alone writes the checkpoints");
        }
    }

    @Test
    void grpoCommandWithTwoRanksLogsTheMeanRewardOfOne(@TempDir Path dir) throws IOException {
        Path data = GrpoMainTest.data(dir);
        String log1 = GrpoMainTest.run(args(data, dir.resolve("one")), 0);
        String log2 = GrpoMainTest.run(args(data, dir.resolve("two"), "--data_parallel", "2"), 0);
        assertTrue(log2.matches("(?s).*data_parallel\\s+= 2\\b.*"), log2);
        assertFalse(log2.contains("rank 1"), "only rank 0 reports:\n" + log2);
        List<MetricsRecord> m1 = MetricsLog.read(dir.resolve("one/metrics.jsonl")).records();
        List<MetricsRecord> m2 = MetricsLog.read(dir.resolve("two/metrics.jsonl")).records();
        assertEquals(2, m2.size(), "one metrics record per step, from rank 0 alone");
        for (int s = 0; s < 2; s++) {
            for (String key : List.of("reward", "reward_std", "completion_length", "reward/contains")) {
                assertEquals(((Number) m1.get(s).extra().get(key)).doubleValue(),
                        ((Number) m2.get(s).extra().get(key)).doubleValue(), 1e-12, "step " + (s + 1) + " " + key);
            }
        }
        assertTrue(log1.contains("step 2/2 reward") && log2.contains("step 2/2 reward"), log2);
        String bad = GrpoMainTest.run(args(data, dir.resolve("bad"), "--data_parallel", "0"), 2);
        assertTrue(bad.contains("data_parallel"), "data_parallel 0 is refused naming the setting:\n" + bad);
    }

    /**
     * {@code lorapar grpo} launched as a rank of a multi-process run on a machine without CUDA fails with exit status
     * 2 and a message naming what is wrong (no JVM crash, no rendezvous, nothing written): a local rank without a GPU
     * (from flags and from the YAML config file), threads and processes together, a rank outside the world, a rank
     * that is not a number (naming the flag).
     */
    @Test
    void multiProcessSettingsAreCheckedBeforeAnythingIsWritten(@TempDir Path dir) throws IOException {
        assumeFalse(Lorapar.cudaAvailable(), "with a GPU, rank 1 would wait for a rank 0");
        Path data = GrpoMainTest.data(dir);
        Path out = dir.resolve("mp");
        String noGpu = GrpoMainTest.run(args(data, out, "--world_size", "2", "--rank", "1"), 2);
        assertTrue(noGpu.contains("local rank 1 has no CUDA device") && noGpu.contains("data_parallel"), noGpu);
        Path config = Files.writeString(dir.resolve("launch.yaml"), "world_size: 3\nrank: 2\nlocal_rank: 5\n");
        String fromFile = GrpoMainTest.run(args(data, out, "--config", config.toString()), 2);
        assertTrue(fromFile.contains("world_size 3") && fromFile.contains("local rank 5 has no CUDA device"), fromFile);
        String both = GrpoMainTest.run(args(data, out, "--data_parallel", "2", "--world_size", "2", "--rank", "0"), 2);
        assertTrue(both.contains("data_parallel 2 with world_size 2"), both);
        String outside = GrpoMainTest.run(args(data, out, "--world_size", "2", "--rank", "2"), 2);
        assertTrue(outside.contains("rank 2 is outside [0, world size 2)"), outside);
        String notANumber = GrpoMainTest.run(args(data, out, "--world_size", "2", "--rank", "one"), 2);
        assertTrue(notANumber.contains("--rank must be an integer, got 'one'"), notANumber);
        assertFalse(Files.exists(out), "nothing written under " + out);
    }
}
