package dev.lorapar.tests.dist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.core.Stream;
import dev.lorapar.core.Tensor;
import dev.lorapar.dist.CollectiveException;
import dev.lorapar.dist.LocalCollective;
import dev.lorapar.dist.RankThreads;
import dev.lorapar.tests.support.Rng;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/** The in-process collective: exact rank-order sums on every rank, broadcast, and failures that never hang. */
class LocalCollectiveTest {
    @Test
    void sumsAreTheRankOrderSumWithTheSameBitsOnEveryRank(TestInfo info) {
        Rng rng = Rng.forTest(info);
        for (int n : new int[] {1, 2, 3, 5}) {
            int len = 1 + rng.nextInt(300);
            float[][] inputs = new float[n][len];
            double[][] doubles = new double[n][3];
            for (int r = 0; r < n; r++) {
                for (int i = 0; i < len; i++) {
                    inputs[r][i] = (float) (rng.gaussian(1, 1)[0] * Math.pow(10, rng.nextInt(7) - 3));
                }
                for (int i = 0; i < 3; i++) {
                    doubles[r][i] = rng.gaussian(1, 1)[0] * 1e3 + rng.nextDouble();
                }
            }
            float[] expected = inputs[0].clone(); // hand-rolled reference: fp32 sum in rank order 0, 1, …
            for (int r = 1; r < n; r++) {
                for (int i = 0; i < len; i++) {
                    expected[i] += inputs[r][i];
                }
            }
            List<LocalCollective> group = LocalCollective.group(n, Duration.ofSeconds(20));
            var results = RankThreads.runAll(n, "test", r -> {
                try (Stream s = Stream.create(Device.CPU);
                     Tensor t = Tensor.of(s, DType.F32, inputs[r], len); // [len] F32
                     Tensor u = Tensor.of(s, DType.F32, new float[] {r, 1}, 2)) { // [2] F32
                    LocalCollective c = group.get(r);
                    c.allReduceSum(s, List.of(t, u));
                    double[] d = doubles[r].clone();
                    c.allReduceSum(d);
                    long tokens = c.sum((long) r + 10);
                    c.barrier();
                    return new Object[] {t.toFloatArray(s), u.toFloatArray(s), d, tokens};
                }
            });
            double[] dExpected = new double[3];
            for (int r = 0; r < n; r++) {
                for (int i = 0; i < 3; i++) {
                    dExpected[i] += doubles[r][i];
                }
            }
            for (int r = 0; r < n; r++) {
                assertNull(results.get(r).failure(), "rank " + r);
                Object[] got = results.get(r).value();
                assertArrayEquals(expected, (float[]) got[0], "n " + n + " rank " + r + " (bit-exact)");
                assertArrayEquals(new float[] {n * (n - 1) / 2f, n}, (float[]) got[1]);
                assertArrayEquals(dExpected, (double[]) got[2]);
                assertEquals(10L * n + n * (n - 1) / 2, (long) got[3]);
            }
        }
    }

    @Test
    void broadcastCopiesRankZerosBytes() {
        List<LocalCollective> group = LocalCollective.group(3, Duration.ofSeconds(20));
        var results = RankThreads.runAll(3, "test", r -> {
            try (Stream s = Stream.create(Device.CPU);
                 Tensor t = Tensor.of(s, DType.F32, new float[] {r, r + 0.5f, -r}, 3)) { // [3] F32
                group.get(r).broadcast(s, t);
                return t.toFloatArray(s);
            }
        });
        for (var o : results) {
            assertArrayEquals(new float[] {0, 0.5f, 0}, o.value());
        }
    }

    @Test
    void aRankThatNeverArrivesTimesOutNamingIt() {
        List<LocalCollective> group = LocalCollective.group(3, Duration.ofMillis(500));
        long t0 = System.nanoTime();
        var results = RankThreads.runAll(3, "test", r -> {
            if (r != 2) {
                group.get(r).barrier(); // rank 2 never calls
            }
            return null;
        });
        double seconds = (System.nanoTime() - t0) / 1e9;
        for (int r = 0; r < 2; r++) {
            CollectiveException e = assertInstanceOf(CollectiveException.class, results.get(r).failure());
            assertTrue(e.getMessage().contains("[2]") && e.getMessage().contains("timed out"), e.getMessage());
            assertEquals("barrier()", e.call());
        }
        assertTrue(seconds < 5, "fails within the timeout, took " + seconds + " s");
        assertThrows(CollectiveException.class, () -> group.get(2).barrier(), "the group stays broken");
    }

    @Test
    void anAbortingRankStopsTheOthersAtOnce() {
        List<LocalCollective> group = LocalCollective.group(2, Duration.ofSeconds(60));
        long t0 = System.nanoTime();
        var results = RankThreads.runAll(2, "test", r -> {
            if (r == 1) {
                Thread.sleep(100);
                group.get(1).abort(new IllegalStateException("disk full"));
                return null;
            }
            group.get(0).sum(1L);
            return null;
        });
        CollectiveException e = assertInstanceOf(CollectiveException.class, results.get(0).failure());
        assertTrue(e.getMessage().contains("rank 1 failed") && e.getMessage().contains("disk full"), e.getMessage());
        assertTrue((System.nanoTime() - t0) / 1e9 < 10, "long before the 60 s timeout");
    }

    @Test
    void ranksCallingDifferentOperationsFail() {
        List<LocalCollective> group = LocalCollective.group(2, Duration.ofSeconds(20));
        var results = RankThreads.runAll(2, "test", r -> {
            if (r == 0) {
                group.get(0).sum(1L);
            } else {
                group.get(1).sum(1.0);
            }
            return null;
        });
        CollectiveException e = assertInstanceOf(CollectiveException.class, results.get(0).failure() != null
                ? results.get(0).failure() : results.get(1).failure());
        assertTrue(e.getMessage().contains("different operations"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LocalCollective.group(0, Duration.ofSeconds(1)));
    }

    @Test
    void requireSamePassesEqualValuesAndFailsOnEveryRankWhenOneDiffers() {
        List<LocalCollective> ok = LocalCollective.group(3, Duration.ofSeconds(20));
        for (var o : RankThreads.runAll(3, "ok", r -> {
            ok.get(r).requireSame(7, "the step");
            return r;
        })) {
            org.junit.jupiter.api.Assertions.assertNull(o.failure(), String.valueOf(o.failure()));
        }
        List<LocalCollective> bad = LocalCollective.group(3, Duration.ofSeconds(20));
        long[] values = {2, 2, 5};
        var outcomes = RankThreads.runAll(3, "bad", r -> {
            bad.get(r).requireSame(values[r], "the step");
            return r;
        });
        for (int r = 0; r < 3; r++) {
            Throwable f = outcomes.get(r).failure();
            org.junit.jupiter.api.Assertions.assertInstanceOf(IllegalStateException.class, f, "rank " + r);
            org.junit.jupiter.api.Assertions.assertTrue(f.getMessage().contains("rank " + r + ": the step is "
                    + values[r]), f.getMessage());
        }
    }
}
