package dev.lorapar.tests.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lorapar.cli.Lorapar;
import dev.lorapar.tests.io.SharedData;
import dev.lorapar.tests.pipeline.DataParallelScoreTest;
import dev.lorapar.tests.rl.DataParallelGrpoTest;
import dev.lorapar.tests.support.Rng;
import dev.lorapar.tests.train.DataParallelSftTest;
import dev.lorapar.tests.train.SftRunTest;
import dev.lorapar.tests.support.Backends;
import dev.lorapar.train.report.MetricsLog;
import dev.lorapar.train.report.MetricsRecord;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * One process per GPU: {@code lorapar score}, {@code lorapar grpo} and {@code lorapar sft} launched as TWO child JVMs of this test's Java
 * (rank r on cuda:r through RANK / WORLD_SIZE / LOCAL_RANK / MASTER_ADDR / MASTER_PORT, rendezvous on a free port of
 * this host, NCCL between them) give what one process on one GPU gives: the importance within
 * {@link GpuDataParallelTest}'s bound for scoring, and for GRPO the same step-1 mean reward and the adapter after one
 * step at the resolution of bf16 weights. Rank 0 alone reports and writes; rank 1's output folder stays empty.
 */
@Tag("gpu")
class GpuMultiProcessTest {
    /** How long both children may take together before they are killed and the test fails. */
    private static final long CHILD_SECONDS = 300;

    @BeforeEach
    void requireTwoGpus() {
        Backends.assumeCuda();
        assumeTrue(dev.lorapar.core.Lorapar.cudaDeviceCount() >= 2, "needs 2 CUDA devices");
    }

    @Test
    void scoringInTwoProcessesMatchesOneProcess(@TempDir Path dir) throws Exception {
        Path model = SharedData.require("llama2c-stories260K/stories260K.bin");
        Path s1 = DataParallelScoreTest.systemData(dir);
        float[] one = DataParallelScoreTest.scoreCommand(model, s1, dir.resolve("one"), "cuda:0", 1);
        Path[] roots = {dir.resolve("mp-rank0"), dir.resolve("mp-rank1")};
        List<String> logs = launch(dir, "score", rank -> DataParallelScoreTest.with(
                DataParallelScoreTest.scoreArgs(model, s1, roots[rank], "cuda:0", 1), "--dist_timeout_s", "120"));
        GpuDataParallelTest.assertImportanceClose(one, DataParallelScoreTest.importance(roots[0]), "2 processes");
        assertFalse(Files.exists(roots[1]), "rank 1 writes nothing:\n" + logs.get(1));
        assertTrue(logs.get(0).contains("score: s1: 5 samples"), logs.get(0));
        assertFalse(logs.get(1).contains("score: s1"), "only rank 0 reports:\n" + logs.get(1));
    }

    @Test
    void grpoInTwoProcessesMatchesOneProcess(@TempDir Path dir) throws Exception {
        Path data = DataParallelGrpoTest.prompts(dir);
        DataParallelGrpoTest.grpo(GpuDataParallelTest.gpu(DataParallelGrpoTest.args(data, dir.resolve("one"),
                "--max_steps", "1")), 0);
        Path[] outs = {dir.resolve("mp-rank0"), dir.resolve("mp-rank1")};
        List<String> logs = launch(dir, "grpo", rank -> GpuDataParallelTest.gpu(DataParallelScoreTest.with(
                new String[] {"grpo"}, DataParallelGrpoTest.args(data, outs[rank], "--max_steps", "1",
                        "--dist_timeout_s", "120"))));
        List<MetricsRecord> m1 = MetricsLog.read(dir.resolve("one/metrics.jsonl")).records();
        List<MetricsRecord> mp = MetricsLog.read(outs[0].resolve("metrics.jsonl")).records();
        assertEquals(1, mp.size(), "one metrics record, from rank 0");
        double r1 = ((Number) m1.getFirst().extra().get("reward")).doubleValue();
        double r2 = ((Number) mp.getFirst().extra().get("reward")).doubleValue();
        assertEquals(r1, r2, 1e-12, "step 1 mean reward: 2 processes vs 1");
        GpuDataParallelTest.assertAdapterCloseBf16(DataParallelGrpoTest.adapter(dir.resolve("one/adapter")),
                DataParallelGrpoTest.adapter(outs[0].resolve("adapter")), "2 processes");
        assertFalse(Files.exists(outs[1].resolve("adapter")) || Files.exists(outs[1].resolve("checkpoints"))
                || Files.exists(outs[1].resolve("metrics.jsonl")), "rank 1 writes nothing:\n" + logs.get(1));
        assertFalse(logs.get(1).contains("step 1/1 reward"), "only rank 0 reports:\n" + logs.get(1));
    }

    @Test
    void sftInTwoProcessesMatchesOneProcess(TestInfo info, @TempDir Path dir) throws Exception {
        Path model = SharedData.require("llama2c-stories260K/stories260K.bin");
        Path data = SftRunTest.data(dir, Rng.forTest(info));
        DataParallelSftTest.run(GpuDataParallelTest.gpu(DataParallelSftTest.args(model, data, dir.resolve("one"), 1, 3,
                "")));
        Path[] outs = {dir.resolve("mp-rank0"), dir.resolve("mp-rank1")};
        List<String> logs = launch(dir, "sft", rank -> DataParallelScoreTest.with(new String[] {"sft"},
                GpuDataParallelTest.gpu(DataParallelSftTest.args(model, data, outs[rank], 1, 3, ""))));
        GpuDataParallelTest.assertAdapterCloseBf16(DataParallelGrpoTest.adapter(dir.resolve("one/adapter")),
                DataParallelGrpoTest.adapter(outs[0].resolve("adapter")), "2 processes");
        assertFalse(Files.exists(outs[1].resolve("adapter")) || Files.exists(outs[1].resolve("metrics.jsonl")),
                "rank 1 writes nothing:\n" + logs.get(1));
    }

    /** The arguments of rank {@code rank}'s process. */
    @FunctionalInterface
    interface RankArgs {
        String[] of(int rank) throws IOException;
    }

    /**
     * Runs {@code lorapar} as 2 child JVMs (this JVM's java, class path and {@code lorapar.*} system properties),
     * rank r with the arguments {@code args.of(r)} on cuda:r, rendezvous at 127.0.0.1 on a free port; both must exit
     * with status 0 within {@link #CHILD_SECONDS}. Returns each rank's stdout and stderr, index = rank (also kept in
     * {@code dir/<what>-rank<r>.log}).
     */
    static List<String> launch(Path dir, String what, RankArgs args) throws IOException, InterruptedException {
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<Process> children = new ArrayList<>();
        List<Path> logs = new ArrayList<>();
        try {
            for (int rank = 0; rank < 2; rank++) {
                List<String> cmd = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp",
                        System.getProperty("java.class.path")));
                for (String key : System.getProperties().stringPropertyNames()) {
                    if (key.startsWith("lorapar.")) cmd.add("-D" + key + "=" + System.getProperty(key));
                }
                cmd.add(Lorapar.class.getName());
                cmd.addAll(Arrays.asList(args.of(rank)));
                Path log = dir.resolve(what + "-rank" + rank + ".log");
                ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
                pb.environment().put("RANK", String.valueOf(rank));
                pb.environment().put("WORLD_SIZE", "2");
                pb.environment().put("LOCAL_RANK", String.valueOf(rank));
                pb.environment().put("MASTER_ADDR", "127.0.0.1");
                pb.environment().put("MASTER_PORT", String.valueOf(port));
                logs.add(log);
                children.add(pb.start());
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(CHILD_SECONDS);
            for (Process p : children) {
                long left = deadline - System.nanoTime();
                if (!p.waitFor(Math.max(1, left), TimeUnit.NANOSECONDS)) {
                    fail(what + ": the 2 processes did not finish within " + CHILD_SECONDS + " s:\n" + texts(logs));
                }
            }
        } finally {
            for (Process p : children) {
                if (p.isAlive()) {
                    p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
                }
            }
        }
        List<String> out = texts(logs);
        for (int rank = 0; rank < 2; rank++) {
            assertEquals(0, children.get(rank).exitValue(), what + " rank " + rank + ":\n" + out.get(rank));
        }
        return out;
    }

    private static List<String> texts(List<Path> logs) throws IOException {
        List<String> out = new ArrayList<>();
        for (Path log : logs) {
            out.add(Files.exists(log) ? Files.readString(log) : "");
        }
        return out;
    }
}
