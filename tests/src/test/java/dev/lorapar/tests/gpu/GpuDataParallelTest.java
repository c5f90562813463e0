package dev.lorapar.tests.gpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.core.Lorapar;
import dev.lorapar.core.Stream;
import dev.lorapar.core.Tensor;
import dev.lorapar.dist.CollectiveException;
import dev.lorapar.dist.NcclCollective;
import dev.lorapar.dist.RankThreads;
import dev.lorapar.tests.pipeline.DataParallelScoreTest;
import dev.lorapar.tests.rl.DataParallelGrpoTest;
import dev.lorapar.tests.support.Backends;
import dev.lorapar.tests.support.Rng;
import dev.lorapar.tests.train.DataParallelSftTest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * NCCL data parallelism on 2 and (when present) 4 CUDA devices of this host, ranks as threads: the all-reduce gives
 * the same bits on every rank and the exact sum of integers; SFT on stories260K with 2 / 4 GPUs gives the adapter of
 * one GPU within the bound of {@link DataParallelSftTest}; a rank that stops calling makes the others fail with
 * CollectiveException within the timeout; importance scoring and GRPO on 2 / 4 GPUs give one GPU's importance and
 * (mean reward, adapter).
 */
@Tag("gpu")
class GpuDataParallelTest {
    @BeforeEach
    void requireTwoGpus() {
        Backends.assumeCuda();
        assumeTrue(Lorapar.cudaDeviceCount() >= 2, "needs 2 CUDA devices");
    }

    static List<Integer> counts() {
        return Lorapar.cudaDeviceCount() >= 4 ? List.of(2, 4) : List.of(2);
    }

    @Test
    void allReduceIsTheSameOnEveryRank(TestInfo info) throws Exception {
        Rng rng = Rng.forTest(info);
        for (int n : counts()) {
            int len = 1 + rng.nextInt(100_000);
            float[][] in = new float[n][];
            for (int r = 0; r < n; r++) {
                in[r] = rng.gaussian(len, 1);
                in[r][0] = r + 1; // exact in fp32: the sum is n(n+1)/2
            }
            byte[] id = NcclCollective.newId();
            var results = RankThreads.runAll(n, "gpu-test", rank -> {
                try (NcclCollective c = NcclCollective.join(Device.cuda(rank), n, rank, id, Duration.ofSeconds(60));
                     Stream s = Stream.create(Device.cuda(rank));
                     Tensor t = Tensor.of(s, DType.F32, in[rank], len)) { // [len] F32
                    c.allReduceSum(s, t);
                    long tokens = c.sum(rank + 1L);
                    assertTrue(tokens == (long) n * (n + 1) / 2, "long sum " + tokens);
                    double d = c.sum(0.5 * rank);
                    assertTrue(d == 0.25 * n * (n - 1), "double sum " + d);
                    c.barrier();
                    return t.toFloatArray(s);
                }
            });
            for (int r = 0; r < n; r++) {
                assertNull(results.get(r).failure(), "rank " + r + ": " + results.get(r).failure());
                assertArrayEquals(results.get(0).value(), results.get(r).value(), n + " GPUs: rank " + r
                        + " has rank 0's bits");
                assertTrue(results.get(r).value()[0] == n * (n + 1) / 2f);
            }
        }
    }

    @Test
    void sftOnTwoAndFourGpusMatchesOneGpu(TestInfo info, @TempDir Path dir) throws Exception {
        Path model = dev.lorapar.tests.io.SharedData.require("llama2c-stories260K/stories260K.bin");
        Path data = dev.lorapar.tests.train.SftRunTest.data(dir, Rng.forTest(info));
        DataParallelSftTest.Capture single = DataParallelSftTest.run(gpu(DataParallelSftTest.args(model, data,
                dir.resolve("one"), 1, 3, "")));
        for (int n : counts()) {
            DataParallelSftTest.Capture dp = DataParallelSftTest.run(gpu(DataParallelSftTest.args(model, data,
                    dir.resolve("dp" + n), n, 3, "")));
            // bf16 weights on the GPU: the rounding of the reduction order is amplified by bf16 copies of the
            // adapter; compare the fp32 masters' losses and the adapter at the bf16 resolution
            assertAdapterCloseBf16(single.adapter(), dp.adapter(), n + " GPUs");
        }
    }

    /**
     * {@code lorapar score --data_parallel N} on N GPUs (bf16 weights): the importance of one GPU. Each rank computes
     * the same per-sample terms (same kernels, same shapes); only the F32 sums are regrouped, so the difference is at
     * fp32 rounding, far below the 1e-4 of the largest importance asserted here.
     */
    @Test
    void scoringOnTwoAndFourGpusMatchesOneGpu(@TempDir Path dir) throws Exception {
        Path model = dev.lorapar.tests.io.SharedData.require("llama2c-stories260K/stories260K.bin");
        Path s1 = DataParallelScoreTest.systemData(dir);
        float[] one = DataParallelScoreTest.scoreCommand(model, s1, dir.resolve("one"), "cuda:0", 1);
        for (int n : counts()) {
            float[] dp = DataParallelScoreTest.scoreCommand(model, s1, dir.resolve("dp" + n), "cuda:0", n);
            assertImportanceClose(one, dp, n + " GPUs");
        }
    }

    /** Importance of several GPUs vs one: within 1e-4 of the largest (see the test above); one is not all zero. */
    static void assertImportanceClose(float[] one, float[] dp, String what) {
        double max = 0;
        for (float v : one) max = Math.max(max, v);
        assertTrue(max > 0, "importance is not all zero");
        for (int e = 0; e < one.length; e++) {
            assertTrue(Math.abs(one[e] - dp[e]) <= 1e-4 * max, what + ": element " + e + " " + dp[e] + " vs " + one[e]);
        }
    }

    /**
     * {@code lorapar grpo --data_parallel N} on N GPUs: the mean reward of step 1 is one GPU's (the same completions:
     * each is seeded by step, micro-batch, prompt position and index; a failure here means batched generation on the
     * GPU is not independent of the other rows of the batch), and the adapter after 2 steps is one GPU's at the
     * resolution of bf16 weights (as in the SFT check above).
     */
    @Test
    void grpoOnTwoAndFourGpusMatchesOneGpu(@TempDir Path dir) throws Exception {
        Path data = DataParallelGrpoTest.prompts(dir);
        DataParallelGrpoTest.grpo(gpu(DataParallelGrpoTest.args(data, dir.resolve("one"))), 0);
        List<float[]> single = DataParallelGrpoTest.adapter(dir.resolve("one/adapter"));
        var m1 = dev.lorapar.train.report.MetricsLog.read(dir.resolve("one/metrics.jsonl")).records();
        for (int n : counts()) {
            Path out = dir.resolve("dp" + n);
            DataParallelGrpoTest.grpo(gpu(DataParallelGrpoTest.args(data, out, "--data_parallel", String.valueOf(n))),
                    0);
            var mn = dev.lorapar.train.report.MetricsLog.read(out.resolve("metrics.jsonl")).records();
            assertTrue(mn.size() == 2, n + " GPUs: 2 metrics records from rank 0");
            double r1 = ((Number) m1.getFirst().extra().get("reward")).doubleValue();
            double rn = ((Number) mn.getFirst().extra().get("reward")).doubleValue();
            assertTrue(Math.abs(r1 - rn) <= 1e-12, n + " GPUs: step 1 mean reward " + rn + " vs " + r1);
            assertAdapterCloseBf16(single, DataParallelGrpoTest.adapter(out.resolve("adapter")), n + " GPUs");
        }
    }

    /** Adapter tensors of several GPUs vs one at the resolution of bf16 weights: |Δ| ≤ 1e-4 + 1e-2·|w|. */
    static void assertAdapterCloseBf16(List<float[]> single, List<float[]> dp, String what) {
        assertTrue(single.size() == dp.size(), what + ": " + dp.size() + " tensors vs " + single.size());
        for (int t = 0; t < single.size(); t++) {
            float[] e = single.get(t), g = dp.get(t);
            for (int i = 0; i < e.length; i++) {
                assertTrue(Math.abs(e[i] - g[i]) <= 1e-4 + 1e-2 * Math.abs(e[i]),
                        what + ": tensor " + t + " element " + i + " " + g[i] + " vs " + e[i]);
            }
        }
    }

    @Test
    void aRankThatStopsMakesTheOthersFailWithinTheTimeout() throws Exception {
        int n = 2;
        byte[] id = NcclCollective.newId();
        long t0 = System.nanoTime();
        var results = RankThreads.runAll(n, "gpu-kill", rank -> {
            try (NcclCollective c = NcclCollective.join(Device.cuda(rank), n, rank, id, Duration.ofSeconds(5));
                 Stream s = Stream.create(Device.cuda(rank));
                 Tensor t = Tensor.of(s, DType.F32, new float[] {1, 2, 3}, 3)) { // [3] F32
                c.allReduceSum(s, t);
                if (rank == 1) {
                    c.abort(new IllegalStateException("killed")); // rank 1 dies
                    return null;
                }
                c.allReduceSum(s, t); // waits for rank 1: must fail, not hang
                return null;
            }
        });
        CollectiveException e = assertInstanceOf(CollectiveException.class, results.get(0).failure());
        assertTrue(e.getMessage().contains("rank 0"), e.getMessage());
        assertTrue((System.nanoTime() - t0) / 1e9 < 60, "no hang");
    }

    /** {@code args} with the device "cpu" replaced by cuda:0. */
    static String[] gpu(String[] args) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("cpu")) {
                args[i] = "cuda:0";
            }
        }
        return args;
    }
}
