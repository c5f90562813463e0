package dev.lorapar.tests.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lorapar.core.Device;
import dev.lorapar.tests.cases.Selections;
import dev.lorapar.tests.reference.TopMassRef;
import dev.lorapar.tests.support.Numerics;
import dev.lorapar.tests.support.Rng;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** selectTopMass on the CPU: sets EXACTLY equal to the BigInteger reference, random and adversarial. */
class TopMassTest {
    static final double[] THETAS = {0.0, Double.MIN_VALUE, 0.1, 0.5, 0.9, 0.95, 0.999, Math.nextDown(1.0), 1.0};

    static void check(float[] importance, double theta, Rng rng, String what, long... shape) {
        TopMassRef.Selection ref = TopMassRef.select(importance, theta);
        Selections.Selected got = Selections.topMass(Device.CPU, importance, theta, shape);
        String ctx = what + " n=" + importance.length + " theta=" + theta + " (s=" + ref.shift() + " Q=" + ref.total()
                + " T=" + ref.target() + ") " + rng.tag();
        Numerics.assertMaskWritten("mask", got.mask(), ctx);
        Numerics.assertMaskEquals("mask", ref.mask(), got.mask(), ctx);
        assertEquals(ref.count(), got.count(), "count " + ctx);
    }

    @Test
    void randomVectorsOddSizes(TestInfo info) {
        Rng rng = Rng.forTest(info);
        for (int n : Numerics.ODD_SIZES) {
            float[] imp = Selections.randomImportance(n, rng);
            for (double theta : THETAS) check(imp, theta, rng, "random");
            check(imp, rng.nextDouble(), rng, "random theta");
        }
    }

    @Test
    void largerVectorsAnyShape(TestInfo info) {
        Rng rng = Rng.forTest(info);
        for (int rep = 0; rep < 3; rep++) {
            float[] imp = Selections.randomImportance(61 * 67, rng);
            check(imp, 0.9, rng, "2-D [61×67]", 61, 67);
            check(imp, rng.nextDouble(), rng, "1-D");
        }
        // many exactly-equal quantised values around the crossing point
        float[] coarse = new float[5003];
        for (int i = 0; i < coarse.length; i++) coarse[i] = rng.pick(1, 2, 3, 4) * 0.125f;
        for (double theta : THETAS) check(coarse, theta, rng, "coarse ties");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"ties", "zeros", "signed-zeros", "one-dominant", "denormals", "denormals-and-normal",
            "huge", "ulp-ties", "heavy-tail", "with-zeros"})
    void adversarial(String kind, TestInfo info) {
        Rng rng = Rng.forTest(info);
        for (int n : new int[] {1, 2, 7, 127, 1031}) {
            float[] imp = Selections.adversarial(kind, n, rng);
            for (double theta : THETAS) check(imp, theta, rng, kind);
        }
    }

    /** Exact thresholds: theta·Q lands exactly on a prefix sum, so the crossing element is the last one needed. */
    @Test
    void thresholdExactlyOnPrefixSum(TestInfo info) {
        Rng rng = Rng.forTest(info);
        float[] imp = {4, 2, 1, 1}; // Q ∝ 8: theta 0.5 → prefix {4}; 0.75 → {4,2}; 0.875 → {4,2,1 (index 2)}
        check(imp, 0.5, rng, "exact 1/2");
        check(imp, 0.75, rng, "exact 3/4");
        check(imp, 0.875, rng, "exact 7/8");
        check(imp, Math.nextUp(0.5), rng, "just above 1/2");
        check(imp, Math.nextDown(0.5), rng, "just below 1/2");
        TopMassRef.Selection half = TopMassRef.select(imp, 0.5);
        assertEquals(1, half.count(), "reference sanity: theta=0.5 of {4,2,1,1} takes only the 4");
    }

    /**
     * The quantisation itself decides: with max = 1 (em = 1) and n = 2 (en = 1), s = 60, so 2^-61
     * is half a quantum and floors to q = 0 — theta = 1 then needs only the 1.0 — while 2^-60 is one
     * quantum and must be taken. n = 1000 adds 999 values of 0.75 quantum (s = 51): all q = 0.
     */
    @Test
    void quantisationIsExact(TestInfo info) {
        Rng rng = Rng.forTest(info);
        float halfQuantum = Math.scalb(1f, -61), oneQuantum = Math.scalb(1f, -60);
        assertEquals(1, TopMassRef.select(new float[] {1f, halfQuantum}, 1.0).count(), "reference sanity");
        assertEquals(2, TopMassRef.select(new float[] {1f, oneQuantum}, 1.0).count(), "reference sanity");
        check(new float[] {1f, halfQuantum}, 1.0, rng, "half quantum floors to 0");
        check(new float[] {halfQuantum, 1f}, 1.0, rng, "half quantum first");
        check(new float[] {1f, oneQuantum}, 1.0, rng, "one quantum");
        float[] many = new float[1000]; // en = 10, s = 51
        Arrays.fill(many, 0.75f * Math.scalb(1f, -51));
        many[rng.nextInt(many.length)] = 1f;
        assertEquals(1, TopMassRef.select(many, 1.0).count(), "reference sanity");
        check(many, 1.0, rng, "999 sub-quantum values");
        check(many, 0.5, rng, "999 sub-quantum values");
    }

    @Test
    void emptyAndSingle(TestInfo info) {
        Rng rng = Rng.forTest(info);
        check(new float[0], 0.9, rng, "n=0");
        check(new float[0], 1.0, rng, "n=0");
        check(new float[] {0f}, 1.0, rng, "n=1 zero");
        check(new float[] {3.5f}, 0.0, rng, "n=1 theta 0");
        check(new float[] {3.5f}, 1e-300, rng, "n=1 tiny theta");
        check(new float[] {Float.MIN_VALUE}, 1.0, rng, "n=1 min subnormal");
        check(new float[] {Float.MAX_VALUE}, 0.5, rng, "n=1 max");
    }
}
