package dev.lorapar.tests.eval.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorapar.eval.report.Bootstrap;
import dev.lorapar.tests.support.Rng;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/** Bootstrap intervals against closed forms (normal approximations) and exact degenerate cases. */
class BootstrapTest {
    private static final int B = Bootstrap.DEFAULT_RESAMPLES;

    /** n values, k of them 1 and the rest 0, in random order. */
    private static double[] binary(Rng rng, int n, int k) {
        double[] v = new double[n];
        for (int i = 0; i < k; i++) v[i] = 1;
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            double t = v[i];
            v[i] = v[j];
            v[j] = t;
        }
        return v;
    }

    @Test
    void accuracyIntervalWidthIsTheNormalApproximation(TestInfo ti) {
        Rng rng = Rng.forTest(ti);
        for (int t = 0; t < 6; t++) {
            int n = rng.between(300, 800);
            int k = (int) Math.round((0.2 + 0.6 * rng.nextDouble()) * n);
            double p = (double) k / n;
            Bootstrap.Interval ci = Bootstrap.meanCi(binary(rng, n, k), B, rng.nextLong(), 0.95);
            double want = 2 * 1.96 * Math.sqrt(p * (1 - p) / n);
            String ctx = "n=" + n + " k=" + k + " ci=" + ci + " " + rng.tag();
            assertEquals(want, ci.width(), 0.08 * want, ctx);
            assertEquals(p, (ci.low() + ci.high()) / 2, 0.15 * want, ctx);
        }
    }

    @Test
    void unpairedDifferenceWidthIsTheNormalApproximation(TestInfo ti) {
        Rng rng = Rng.forTest(ti);
        int n1 = rng.between(300, 600);
        int n2 = rng.between(300, 600);
        int k1 = (int) (0.3 * n1);
        int k2 = (int) (0.6 * n2);
        double p1 = (double) k1 / n1;
        double p2 = (double) k2 / n2;
        Bootstrap.Interval ci = Bootstrap.unpairedDifferenceCi(binary(rng, n1, k1), binary(rng, n2, k2), B, rng.nextLong(), 0.95);
        double want = 2 * 1.96 * Math.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2);
        assertEquals(want, ci.width(), 0.08 * want, ci + " " + rng.tag());
        assertEquals(p2 - p1, (ci.low() + ci.high()) / 2, 0.15 * want, ci + " " + rng.tag());
        assertTrue(ci.excludesZero(), rng.tag());
    }

    @Test
    void pairedIntervalOfIdenticalRunsIsZero(TestInfo ti) {
        Rng rng = Rng.forTest(ti);
        double[] a = new double[rng.between(1, 500)];
        for (int i = 0; i < a.length; i++) a[i] = rng.nextDouble() < 0.5 ? 1 : rng.nextDouble();
        Bootstrap.Interval ci = Bootstrap.pairedDifferenceCi(a, a.clone(), B, rng.nextLong(), 0.95);
        assertEquals(new Bootstrap.Interval(0, 0), ci, rng.tag());
        assertFalse(ci.excludesZero());
    }

    @Test
    void pairedIntervalFindsASmallConsistentGainAndNotNoise(TestInfo ti) {
        Rng rng = Rng.forTest(ti);
        int n = 500;
        double[] a = binary(rng, n, 250);
        double[] gain = a.clone();
        double[] noise = a.clone();
        int flipped = 0;
        int up = 0;
        int down = 0;
        for (int i = 0; i < n; i++) {
            if (a[i] == 0 && flipped < 15) { gain[i] = 1; flipped++; }
            if (a[i] == 0 && up < 15 && i % 2 == 0) { noise[i] = 1; up++; }
            if (a[i] == 1 && down < 15 && i % 2 == 1) { noise[i] = 0; down++; }
        }
        assertEquals(15, up, rng.tag());
        assertEquals(15, down, rng.tag());
        Bootstrap.Interval paired = Bootstrap.pairedDifferenceCi(a, gain, B, rng.nextLong(), 0.95);
        // d is 1 on 15 of 500 items: sd(d)/sqrt(n) closed form
        double d = 15.0 / n;
        double want = 2 * 1.96 * Math.sqrt(d * (1 - d) / n);
        assertTrue(paired.excludesZero(), paired + " " + rng.tag());
        assertEquals(want, paired.width(), 0.12 * want, paired + " " + rng.tag());
        // the same +3 points on unrelated items is within the unpaired noise
        Bootstrap.Interval unpaired = Bootstrap.unpairedDifferenceCi(a, gain, B, rng.nextLong(), 0.95);
        assertFalse(unpaired.excludesZero(), unpaired + " " + rng.tag());
        Bootstrap.Interval noiseCi = Bootstrap.pairedDifferenceCi(a, noise, B, rng.nextLong(), 0.95);
        assertFalse(noiseCi.excludesZero(), noiseCi + " " + rng.tag());
        assertTrue(noiseCi.low() < 0 && noiseCi.high() > 0, noiseCi + " " + rng.tag());
    }

    @Test
    void sameSeedSameIntervalAndNonFiniteValuesLeftOut(TestInfo ti) {
        Rng rng = Rng.forTest(ti);
        double[] v = binary(rng, 200, 77);
        long seed = rng.nextLong();
        Bootstrap.Interval a = Bootstrap.meanCi(v, 2000, seed, 0.9);
        assertEquals(a, Bootstrap.meanCi(v, 2000, seed, 0.9), rng.tag());
        double[] withNaN = Arrays.copyOf(v, 203);
        withNaN[200] = Double.NaN;
        withNaN[201] = Double.POSITIVE_INFINITY;
        withNaN[202] = Double.NaN;
        assertEquals(a, Bootstrap.meanCi(withNaN, 2000, seed, 0.9), rng.tag());
        assertTrue(Double.isNaN(Bootstrap.meanCi(new double[] {Double.NaN}, 10, seed, 0.95).low()));
        assertEquals(new Bootstrap.Interval(0.25, 0.25), Bootstrap.meanCi(new double[] {0.25}, 10, seed, 0.95));
    }

    @Test
    void typeSevenQuantilesAndBadArguments() {
        double[] s = {1, 2, 3, 4, 5};
        assertEquals(1, Bootstrap.quantile(s, 0));
        assertEquals(5, Bootstrap.quantile(s, 1));
        assertEquals(3, Bootstrap.quantile(s, 0.5));
        assertEquals(1.1, Bootstrap.quantile(s, 0.025), 1e-12); // h = 4 * 0.025 = 0.1
        assertEquals(4.9, Bootstrap.quantile(s, 0.975), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> Bootstrap.meanCi(s, 0, 1, 0.95));
        assertThrows(IllegalArgumentException.class, () -> Bootstrap.meanCi(s, 10, 1, 1.0));
        assertThrows(IllegalArgumentException.class, () -> Bootstrap.pairedDifferenceCi(s, new double[2], 10, 1, 0.95));
    }
}
