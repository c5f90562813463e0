package dev.lorapar.tests.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lorapar.core.Device;
import dev.lorapar.tests.cases.Selections;
import dev.lorapar.tests.reference.TopKRef;
import dev.lorapar.tests.support.Numerics;
import dev.lorapar.tests.support.Rng;
import dev.lorapar.tests.support.Rng.MaskKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/** selectTopK on the CPU: exactly the reference's set, with and without candidates, all k. */
class TopKTest {

    static void check(float[] values, byte[] candidates, long k, Rng rng, String what) {
        TopKRef.Selection ref = TopKRef.select(values, candidates, k);
        Selections.Selected got = Selections.topK(Device.CPU, values, candidates, k);
        String ctx = what + " n=" + values.length + " k=" + k + " candidates=" + (candidates == null ? "null" : "u8")
                + " " + rng.tag();
        Numerics.assertMaskWritten("mask", got.mask(), ctx);
        Numerics.assertMaskEquals("mask", ref.mask(), got.mask(), ctx);
        assertEquals(ref.count(), got.count(), "count " + ctx);
    }

    static long[] ks(int n, int candidates, Rng rng) {
        return new long[] {0, 1, rng.between(0, Math.max(0, n)), candidates, candidates + 1, n, n + 5L};
    }

    @Test
    void randomSignedValues(TestInfo info) {
        Rng rng = Rng.forTest(info);
        for (int n : Numerics.ODD_SIZES) {
            float[] values = rng.uniform(n, -3, 3);
            for (MaskKind kind : new MaskKind[] {null, MaskKind.EMPTY, MaskKind.FULL, MaskKind.RANDOM}) {
                byte[] cand = kind == null ? null : rng.mask(n, kind);
                int nc = 0;
                for (int i = 0; i < n; i++) nc += Numerics.active(cand, i) ? 1 : 0;
                for (long k : ks(n, nc, rng)) check(values, cand, k, rng, "random " + kind);
            }
        }
    }

    /** Ties (index ascending decides), ±0 (numerically equal), one-ulp neighbours, a larger n. */
    @Test
    void tiesAndSignedZeros(TestInfo info) {
        Rng rng = Rng.forTest(info);
        for (String kind : new String[] {"ties", "signed-zeros", "ulp-ties", "with-zeros"}) {
            for (int n : new int[] {1, 13, 127, 1031}) {
                float[] v = Selections.adversarial(kind, n, rng);
                byte[] cand = rng.mask(n, MaskKind.RANDOM);
                for (long k : ks(n, n / 2, rng)) {
                    check(v, null, k, rng, kind);
                    check(v, cand, k, rng, kind + " with candidates");
                }
            }
        }
        float[] mixed = {0.0f, -0.0f, -1f, 0.0f, -0.0f, 1f, -0.0f};
        for (long k = 0; k <= mixed.length; k++) check(mixed, null, k, rng, "±0 order");
    }

    @Test
    void emptyVector(TestInfo info) {
        Rng rng = Rng.forTest(info);
        check(new float[0], null, 0, rng, "n=0");
        check(new float[0], new byte[0], 3, rng, "n=0");
    }
}
