package dev.lorapar.tests.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.lorapar.core.Device;
import dev.lorapar.core.Stream;
import dev.lorapar.pipeline.partition.Partition;
import dev.lorapar.pipeline.partition.Partitioner;
import dev.lorapar.tests.support.Rng;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * Partitioner (tensor core selection + §4 rule, K systems) against the plain sort-and-cumulative-sum reference in
 * Java: sets and stage masks element for element, on random and adversarial vectors (ties, zeros, one dominant
 * element) and at θ = 0 and θ = 1; the tie rule (index ascending among equal values) by hand.
 */
class PartitionerTest {
    static final Stream CPU = Stream.create(Device.CPU);
    static final double[] THETAS = {0.0, 0.1, 0.5, 0.9, 0.95, 1.0};

    /** Values k / 1024 (k in [lo, hi]): dyadic, so the core's integer quantisation is exact. */
    static float[] dyadic(Rng rng, int n, int lo, int hi) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = rng.between(lo, hi) / 1024f;
        return v;
    }

    static float[] adversarial(String kind, int n, Rng rng) {
        float[] v = new float[n];
        switch (kind) {
            case "ties" -> { for (int i = 0; i < n; i++) v[i] = rng.pick(1, 2, 3) * 0.25f; }
            case "all-equal" -> java.util.Arrays.fill(v, 0.5f);
            case "zeros" -> { for (int i = 0; i < n; i++) v[i] = rng.nextInt(4) == 0 ? rng.between(1, 64) / 64f : 0f; }
            case "all-zero" -> { }
            case "one-dominant" -> {
                for (int i = 0; i < n; i++) v[i] = rng.between(0, 3) / 1024f;
                v[rng.nextInt(n)] = 4096f;
            }
            default -> throw new IllegalArgumentException(kind);
        }
        return v;
    }

    static void check(float[][] imp, double theta, double[] shares, String ctx) {
        int k = imp.length;
        byte[][] sets = new byte[k][];
        for (int s = 0; s < k; s++) sets[s] = PlainPartitionRef.select(imp[s], theta);
        byte[][] stages = PlainPartitionRef.stages(imp, sets, shares);
        for (boolean general : k == 2 ? new boolean[] {false, true} : new boolean[] {true}) {
            Partition p = Partitioner.partition(CPU, imp, theta, shares, general);
            String c = ctx + " theta=" + theta + (general ? " (K-system rule)" : " (partitionMasks)");
            for (int s = 0; s < k; s++) {
                assertArrayEquals(sets[s], p.sets()[s], "Set_" + s + " " + c);
                assertArrayEquals(stages[s], p.stages()[s], "stage " + s + " " + c);
                assertEquals(count(stages[s]), p.stageSizes()[s], "stage size " + s + " " + c);
                assertEquals(count(sets[s]), p.setSizes()[s], "set size " + s + " " + c);
                assertEquals(p.setSizes()[s], p.onlySizes()[s] + p.sharedSizes()[s], "only + shared " + c);
            }
            for (int i = 0; i < p.elements(); i++) {
                int bits = 0;
                for (int s = 0; s < k; s++) bits |= sets[s][i] << s;
                if (p.membership()[i] != bits) throw new AssertionError("membership[" + i + "] " + c);
            }
        }
    }

    static long count(byte[] m) {
        long n = 0;
        for (byte b : m) if (b != 0) n++;
        return n;
    }

    @Test
    void randomVectorsTwoSystems(TestInfo info) {
        Rng rng = Rng.forTest(info);
        for (int n : new int[] {1, 2, 7, 129, 1031}) {
            float[][] imp = {dyadic(rng, n, 0, 5000), dyadic(rng, n, 0, 5000)};
            for (double theta : THETAS) {
                check(imp, theta, new double[] {1, 1}, "random n=" + n + " " + rng.tag());
                check(imp, theta, new double[] {rng.nextDouble(), rng.nextDouble()}, "random shares n=" + n + " " + rng.tag());
            }
            check(imp, 0.5, new double[] {0, 0}, "alpha=beta=0 " + rng.tag());
        }
    }

    @Test
    void adversarialVectors(TestInfo info) {
        Rng rng = Rng.forTest(info);
        String[] kinds = {"ties", "all-equal", "zeros", "all-zero", "one-dominant"};
        for (String a : kinds) {
            for (String b : kinds) {
                float[][] imp = {adversarial(a, 257, rng), adversarial(b, 257, rng)};
                for (double theta : THETAS) check(imp, theta, new double[] {1, 0.5}, a + "/" + b + " " + rng.tag());
            }
        }
    }

    @Test
    void threeAndFiveSystems(TestInfo info) {
        Rng rng = Rng.forTest(info);
        for (int k : new int[] {3, 5}) {
            float[][] imp = new float[k][];
            double[] shares = new double[k];
            for (int s = 0; s < k; s++) {
                imp[s] = s == 1 ? adversarial("ties", 513, rng) : dyadic(rng, 513, 0, 3000);
                shares[s] = rng.pick(0, 1, 2) / 2.0;
            }
            for (double theta : THETAS) check(imp, theta, shares, "K=" + k + " " + rng.tag());
        }
    }

    /** The tie rule by hand: equal values are taken in index order; the crossing element is included. */
    @Test
    void tieRuleAndCrossingElementByHand() {
        float[][] imp = {{1, 1, 1, 1}, {0, 0, 2, 2}};
        Partition p = Partitioner.partition(CPU, imp, 0.5, new double[] {1, 1}, false);
        assertArrayEquals(new byte[] {1, 1, 0, 0}, p.sets()[0], "θ=0.5 of four equal values: indices 0 and 1");
        assertArrayEquals(new byte[] {0, 0, 1, 0}, p.sets()[1], "θ=0.5 of {0,0,2,2}: index 2 reaches exactly half");
        Partition q = Partitioner.partition(CPU, imp, 0.51, new double[] {1, 1}, false);
        assertArrayEquals(new byte[] {1, 1, 1, 0}, q.sets()[0], "θ=0.51: the crossing element (index 2) is included");
        assertArrayEquals(new byte[] {0, 0, 1, 1}, q.sets()[1]);
        // shared = {2}; alpha = beta = 1: both stages take it
        assertArrayEquals(new byte[] {1, 1, 1, 0}, q.stages()[0]);
        assertArrayEquals(new byte[] {0, 0, 1, 1}, q.stages()[1]);
        assertEquals(1.0 / 4, q.jaccard(0, 1), 0);
        Partition none = Partitioner.partition(CPU, imp, 0.0, new double[] {1, 1}, false);
        assertEquals(0, none.setSizes()[0] + none.setSizes()[1], "θ = 0 selects nothing");
        Partition all = Partitioner.partition(CPU, imp, 1.0, new double[] {1, 1}, false);
        assertArrayEquals(new long[] {4, 2}, all.setSizes(), "θ = 1: up to the last non-zero element");
    }

    @Test
    void badInputsAreNamed() {
        float[][] imp = {{1, 2}, {3}};
        assertThrows(IllegalArgumentException.class, () -> Partitioner.partition(CPU, imp, 0.5, new double[] {1, 1}, false));
        float[][] ok = {{1, 2}, {3, 4}};
        var e = assertThrows(IllegalArgumentException.class,
                () -> Partitioner.partition(CPU, ok, 1.5, new double[] {1, 1}, false));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("θ"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Partitioner.partition(CPU, ok, 0.5, new double[] {1}, false));
        assertThrows(IllegalArgumentException.class, () -> Partitioner.partition(CPU, new float[][] {{1}}, 0.5,
                new double[] {1}, false));
    }
}
