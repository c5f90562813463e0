package dev.lorapar.tests.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.lorapar.cli.Lorapar;
import dev.lorapar.core.DType;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lorapar.core.Device;
import dev.lorapar.core.Stream;
import dev.lorapar.dist.Collective;
import dev.lorapar.dist.DeviceRanks;
import dev.lorapar.model.LlamaWeights;
import dev.lorapar.model.LoraAdapter;
import dev.lorapar.model.LoraConfig;
import dev.lorapar.model.LoraInit;
import dev.lorapar.model.LoraTarget;
import dev.lorapar.model.io.Checkpoint;
import dev.lorapar.model.io.Checkpoints;
import dev.lorapar.pipeline.score.ImportanceScorer;
import dev.lorapar.pipeline.score.ImportanceScores;
import dev.lorapar.pipeline.score.ScoreRun;
import dev.lorapar.pipeline.stage.StageDir;
import dev.lorapar.dist.LaunchEnv;
import dev.lorapar.tokenizer.PromptFormat;
import dev.lorapar.train.report.ProgressReporter;
import dev.lorapar.tests.io.SharedData;
import dev.lorapar.tests.support.Rng;
import dev.lorapar.train.data.Sample;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * Data-parallel importance scoring on the CPU (stories260K, ranks as threads over a LocalCollective): 2 and 3 ranks
 * give the importance of one rank within fp32 rounding of the summation order, through the scorer and through
 * {@code lorapar score --data_parallel N}; the settings of a multi-process launch (world_size &gt; 1) are checked
 * before anything is read or written. (Two processes on two GPUs: {@code GpuMultiProcessTest}.)
 *
 * <p>The bound. Each rank computes the same per-sample terms t_i = g_i·φ (batch 1, the same weights and adapter, so
 * the same bits), only the fp32 sums S1 = Σ t_i and S2 = Σ t_i² are grouped differently (per rank, then over the ranks
 * in rank order, versus one running sum). Any summation order of N terms is within γ_{N−1}·Σ|x_i| of the exact sum
 * (γ_m = m·u/(1 − m·u), u = 2^-24), so two orders differ by at most 2γ_{N−1}·Σ|x_i|; the finalize |S1 − ½S2| / N
 * adds a few roundings relative to I. Hence per element
 * |ΔI| ≤ 2γ_{N−1}·(Σ|t_i| + ½Σt_i²) / N + 6u·I. With |t_i| ≤ 1 (here |φ| ≲ 0.1 and the per-element gradients of a
 * mean cross-entropy are well below 1) each sample's own importance I_i = |t_i − ½t_i²| ≥ (|t_i| + ½t_i²) / 3, so
 * the asserted bound is |ΔI| ≤ 6γ_{N−1}·Σ_i I_i / N + 6u·I, with I_i scored sample by sample.
 */
public class DataParallelScoreTest {
    static final String MODEL = "llama2c-stories260K/stories260K.bin";
    static final double U = 0x1p-24;
    static final LoraConfig LORA = new LoraConfig(4, 8, EnumSet.allOf(LoraTarget.class), new LoraInit.Gaussian(0.02), 11);

    /** The importance of {@code samples} on {@code device}, alone or as one rank of {@code collective}. */
    static ImportanceScores score(Path model, List<Sample> samples, Collective collective, Device device)
            throws IOException {
        try (Checkpoint ckpt = Checkpoints.open(model); Stream s = Stream.create(device);
             LlamaWeights w = LlamaWeights.upload(ckpt, s, DType.F32);
             LoraAdapter a = LoraAdapter.create(w, LORA, s);
             ImportanceScorer scorer = new ImportanceScorer(a, s, 16)) {
            return collective == null ? scorer.score("s1", samples, null) : scorer.score("s1", samples, null, collective);
        }
    }

    @Test
    void twoAndThreeRanksGiveTheImportanceOfOneRank(TestInfo info) throws Exception {
        Path model = SharedData.require(MODEL);
        Rng rng = Rng.forTest(info);
        int n = 7; // not a multiple of 2 or 3: the ranks' shares differ
        List<Sample> samples = new ArrayList<>();
        for (int i = 0; i < n; i++) samples.add(ImportanceScorerTest.randomSample(rng, 512));
        ImportanceScores one = score(model, samples, null, Device.CPU);
        double[] perSampleSum = new double[(int) one.elements()];
        for (Sample s : samples) {
            float[] alone = score(model, List.of(s), null, Device.CPU).values();
            for (int e = 0; e < alone.length; e++) perSampleSum[e] += alone[e];
        }
        double gamma = (n - 1) * U / (1 - (n - 1) * U);
        for (int ranks : new int[] {2, 3}) {
            List<ImportanceScores> got = DeviceRanks.run(Device.CPU, ranks, Duration.ofSeconds(60), "score-test",
                    (c, d) -> score(model, samples, c, d));
            for (int r = 1; r < ranks; r++) {
                assertArrayEquals(got.get(0).values(), got.get(r).values(), "rank " + r + " has rank 0's importance");
            }
            assertEquals(n, got.get(0).samples());
            double worst = 0, worstRatio = 0;
            float[] want = one.values(), have = got.get(0).values();
            for (int e = 0; e < want.length; e++) {
                double bound = 6 * gamma * perSampleSum[e] / n + 6 * U * Math.abs(want[e]);
                double d = Math.abs(have[e] - want[e]);
                assertTrue(d <= bound, ranks + " ranks, element " + e + ": " + have[e] + " vs " + want[e]
                        + " (bound " + bound + ")");
                worst = Math.max(worst, d);
                if (bound > 0) worstRatio = Math.max(worstRatio, d / bound);
            }
            System.out.printf("DataParallelScoreTest: %d ranks: max |ΔI| = %.3g, max |ΔI| / bound = %.3g%n", ranks,
                    worst, worstRatio);
        }
    }

    record Ran(int status, String out, String err) {
    }

    static Ran lorapar(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int status = Lorapar.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Ran(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** Five question/answer records of system s1. */
    public static Path systemData(Path dir) throws IOException {
        return Files.writeString(dir.resolve("s1.jsonl"), """
                {"question": "What is the cat's name?", "answer": "The cat is Tom."}
                {"question": "Who is happy?", "answer": "Lily is happy."}
                {"question": "Where is the ball?", "answer": "In the park."}
                {"question": "What does the dog like?", "answer": "The dog likes to run."}
                {"question": "Who has a red hat?", "answer": "Ben has a red hat."}
                """);
    }

    /**
     * {@code lorapar score} of the 5 samples of {@code s1} with {@code ranks} ranks from {@code device} under
     * {@code root}: the importance of s1 (fails unless the command succeeds and writes one stage folder).
     */
    public static float[] scoreCommand(Path model, Path s1, Path root, String device, int ranks) throws IOException {
        Ran ran = lorapar(scoreArgs(model, s1, root, device, ranks));
        assertEquals(0, ran.status(), ran.err());
        return importance(root);
    }

    /** The arguments of {@link #scoreCommand}, "score" first. */
    public static String[] scoreArgs(Path model, Path s1, Path root, String device, int ranks) {
        return new String[] {"score", "--model", model.toString(), "--data", "s1=" + s1, "--samples", "5",
                "--max_length", "48", "--lora_r", "4", "--device", device, "--progress", "silent",
                "--data_parallel", String.valueOf(ranks), "--output_dir", root.toString()};
    }

    /** The importance of s1 in the one score stage folder under {@code root} (fails unless there is exactly one). */
    public static float[] importance(Path root) throws IOException {
        List<Path> stages = ScorePartitionChainTest.stageDirs(root, "score");
        assertEquals(1, stages.size(), "one stage folder, written by rank 0 alone");
        return ImportanceScores.read(stages.getFirst().resolve("importance-s1.safetensors"), "s1", 5).values();
    }

    @Test
    void scoreCommandWithThreeRanksWritesTheImportanceOfOne(@TempDir Path dir) throws IOException {
        Path model = SharedData.require(MODEL);
        Path s1 = systemData(dir);
        List<float[]> results = new ArrayList<>();
        for (int ranks : new int[] {1, 3}) {
            results.add(scoreCommand(model, s1, dir.resolve("runs" + ranks), "cpu", ranks));
        }
        float[] one = results.get(0), three = results.get(1);
        double max = 0, worst = 0;
        for (float v : one) max = Math.max(max, v);
        for (int e = 0; e < one.length; e++) worst = Math.max(worst, Math.abs(one[e] - three[e]));
        assertTrue(max > 0, "importance is not all zero");
        // a loose check of the command path (rank 0 writes what the ranks reduced); the element-wise bound is above
        assertTrue(worst <= 1e-5 * max, "3 ranks vs 1: max |ΔI| " + worst + " of max I " + max);

        Ran bad = lorapar("score", "--model", model.toString(), "--data", "s1=" + s1, "--device", "cpu",
                "--data_parallel", "0", "--output_dir", dir.resolve("bad").toString());
        assertEquals(2, bad.status(), bad.err());
        assertTrue(bad.err().contains("data_parallel"), bad.err());
    }

    /**
     * The work of each process of a multi-process {@code lorapar score} ({@link ScoreRun#runRank}), here 2 ranks as
     * threads over a LocalCollective, each with its own output root as on two hosts: rank 0's stage folder holds the
     * importance of a single-process run (within the command-level bound above) and says 2 ranks; rank 1 writes
     * nothing. A rerun is skipped on both because rank 0's folder is up to date, although rank 1's root is empty
     * (were rank 1 to score alone, its all-reduce would wait for rank 0 and fail after the 10 s timeout).
     */
    @Test
    void ranksOfAMultiProcessRunFollowRankZero(@TempDir Path dir) throws Exception {
        Path model = SharedData.require(MODEL);
        ScoreRun.Settings settings = new ScoreRun.Settings(model, null, List.of(new ScoreRun.SystemData("s1",
                systemData(dir))), 5, 3, 48, PromptFormat.REFERENCE_SCRIPT, LORA, Device.CPU, false,
                ProgressReporter.Mode.SILENT, 1, Duration.ofSeconds(10), LaunchEnv.single());
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        StageDir single = ScoreRun.run(dir.resolve("one"), settings, quiet, quiet);
        float[] one = ImportanceScores.read(single.dir().resolve("importance-s1.safetensors"), "s1", 5).values();
        Path[] roots = {dir.resolve("rank0"), dir.resolve("rank1")};
        for (int run = 0; run < 2; run++) {
            ByteArrayOutputStream said = new ByteArrayOutputStream();
            PrintStream rankZeroOut = new PrintStream(said, true, StandardCharsets.UTF_8);
            List<StageDir> stages = DeviceRanks.run(Device.CPU, 2, Duration.ofSeconds(10), "score-mp", (c, d) ->
                    ScoreRun.runRank(roots[c.rank()], settings, c, d, c.rank() == 0 ? rankZeroOut : quiet, quiet));
            assertFalse(Files.exists(roots[1]), "rank 1 writes nothing (run " + (run + 1) + ")");
            assertTrue(stages.get(0).complete(), "rank 0 wrote a complete stage");
            String text = said.toString(StandardCharsets.UTF_8);
            assertEquals(run == 1, text.contains("up to date"), text);
        }
        List<Path> written = ScorePartitionChainTest.stageDirs(roots[0], "score");
        assertEquals(1, written.size());
        assertEquals(single.dir().getFileName(), written.getFirst().getFileName(), "the same key as one process");
        float[] two = ImportanceScores.read(written.getFirst().resolve("importance-s1.safetensors"), "s1", 5).values();
        double max = 0, worst = 0;
        for (float v : one) max = Math.max(max, v);
        for (int e = 0; e < one.length; e++) worst = Math.max(worst, Math.abs(one[e] - two[e]));
        assertTrue(max > 0 && worst <= 1e-5 * max, "2 ranks vs 1: max |ΔI| " + worst + " of max I " + max);
        assertEquals(2, new ObjectMapper().readTree(written.getFirst().resolve(ScoreRun.SUMMARY).toFile())
                .path("ranks").asInt(), "the summary counts the ranks");
    }

    /**
     * {@code lorapar score} launched as a rank of a multi-process run on a machine without CUDA fails with exit status
     * 2 and a message naming what is wrong (no JVM crash, no rendezvous, nothing written): a local rank without a GPU
     * (from flags and from the JSON config file), threads and processes together, a rank outside the world, a rank
     * that is not a number (naming the flag).
     */
    @Test
    void multiProcessSettingsAreCheckedBeforeAnythingIsWritten(@TempDir Path dir) throws IOException {
        assumeFalse(dev.lorapar.core.Lorapar.cudaAvailable(), "with a GPU, rank 1 would wait for a rank 0");
        Path model = SharedData.require(MODEL);
        Path s1 = systemData(dir);
        Path root = dir.resolve("mp");
        String[] base = {"score", "--model", model.toString(), "--data", "s1=" + s1, "--samples", "5", "--max_length",
                "48", "--lora_r", "4", "--device", "cpu", "--progress", "silent", "--output_dir", root.toString()};
        Ran noGpu = lorapar(with(base, "--world_size", "2", "--rank", "1"));
        assertEquals(2, noGpu.status(), noGpu.err());
        assertTrue(noGpu.err().contains("local rank 1 has no CUDA device") && noGpu.err().contains("data_parallel"),
                noGpu.err());
        Path config = Files.writeString(dir.resolve("launch.json"), "{\"world_size\": 3, \"rank\": 2, \"local_rank\": 5}");
        Ran fromFile = lorapar(with(base, "--config", config.toString()));
        assertEquals(2, fromFile.status(), fromFile.err());
        assertTrue(fromFile.err().contains("world_size 3") && fromFile.err().contains("local rank 5 has no CUDA device"),
                fromFile.err());
        Ran both = lorapar(with(base, "--data_parallel", "2", "--world_size", "2", "--rank", "0"));
        assertEquals(2, both.status(), both.err());
        assertTrue(both.err().contains("data_parallel 2 with world_size 2"), both.err());
        Ran outside = lorapar(with(base, "--world_size", "2", "--rank", "2"));
        assertEquals(2, outside.status(), outside.err());
        assertTrue(outside.err().contains("rank 2 is outside [0, world size 2)"), outside.err());
        Ran notANumber = lorapar(with(base, "--world_size", "2", "--rank", "one"));
        assertEquals(2, notANumber.status(), notANumber.err());
        assertTrue(notANumber.err().contains("--rank must be an integer, got 'one'"), notANumber.err());
        assertFalse(Files.exists(root), "nothing written under " + root);
    }

    /** {@code base} followed by {@code more}. */
    public static String[] with(String[] base, String... more) {
        String[] all = Arrays.copyOf(base, base.length + more.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return all;
    }
}
