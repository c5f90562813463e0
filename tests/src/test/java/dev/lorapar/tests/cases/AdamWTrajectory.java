package dev.lorapar.tests.cases;

import static org.junit.jupiter.api.Assertions.fail;

import dev.lorapar.tests.reference.AdamWRef;
import dev.lorapar.tests.support.Numerics;
import dev.lorapar.tests.support.Rng;
import java.util.List;

/** The per-step checks of a masked AdamW run (shared by the CPU and CUDA suites). */
public final class AdamWTrajectory {
    private AdamWTrajectory() {}

    /**
     * Every step s: masked entries of p, m, v, copy keep the bits of the initial state; active
     * entries equal the fp32 replica applied to the state after step s−1 (so rounding differences
     * cannot build up: ≤ 1e-6 relative per step); active copy entries are exactly (copyType) p.
     */
    public static void check(AdamWCase c, List<AdamWCase.State> states, Rng rng) {
        AdamWCase.State initial = states.get(0);
        for (int step = 1; step <= c.steps; step++) {
            AdamWCase.State prev = states.get(step - 1), cur = states.get(step);
            float clip = AdamWRef.clipFloat(cur.gradNorm(), c.maxGradNorm);
            for (int t = 0; t < c.shapes.size(); t++) {
                byte[] mask = c.masks.get(t);
                String ctx = "step " + step + " tensor " + t + " " + c + " " + rng.tag();
                assertMaskedUnchanged("p", initial.p().get(t), cur.p().get(t), mask, ctx);
                assertMaskedUnchanged("m", initial.m().get(t), cur.m().get(t), mask, ctx);
                assertMaskedUnchanged("v", initial.v().get(t), cur.v().get(t), mask, ctx);
                float[] p = prev.p().get(t).clone(), m = prev.m().get(t).clone(), v = prev.v().get(t).clone();
                AdamWRef.stepFloat(p, m, v, c.grads.get(step - 1).get(t), mask, c.hp.lr(), c.hp.beta1(), c.hp.beta2(),
                        c.hp.eps(), c.hp.weightDecay(), step, clip);
                // p − lr·(…) cancels when p ≈ 0: its rounding scale is |p| + |step taken| (2 terms)
                double[] pScale = Numerics.toDouble(AdamWCase.active(stepScale(prev.p().get(t), p), mask));
                Numerics.assertClose("p (active)", AdamWCase.active(cur.p().get(t), mask),
                        Numerics.toDouble(AdamWCase.active(p, mask)), pScale, 2, 1e-6, ctx);
                // m = β1·m + (1−β1)·g may cancel: its rounding scale is β1·|m| + (1−β1)·|g| (2 terms)
                double[] mScale = Numerics.toDouble(AdamWCase.active(
                        momentScale(c, prev.m().get(t), c.grads.get(step - 1).get(t), clip), mask));
                Numerics.assertClose("m (active)", AdamWCase.active(cur.m().get(t), mask),
                        Numerics.toDouble(AdamWCase.active(m, mask)), mScale, 2, 1e-6, ctx);
                Numerics.assertClose("v (active)", AdamWCase.active(cur.v().get(t), mask), AdamWCase.active(v, mask), 1e-6, ctx);
                float[] copy = cur.copy().get(t);
                if (copy != null) {
                    assertMaskedUnchanged("copy", initial.copy().get(t), copy, mask, ctx);
                    float[] expected = Numerics.storedAs(c.copyType, cur.p().get(t));
                    Numerics.assertBitsEqual("copy (active)", AdamWCase.active(expected, mask), AdamWCase.active(copy, mask), ctx);
                }
            }
        }
        // the run must have moved an active parameter: a no-op would otherwise only be caught by the replica
        int activeCount = 0, moved = 0;
        for (int t = 0; t < c.shapes.size(); t++) {
            float[] before = initial.p().get(t), after = states.get(c.steps).p().get(t);
            for (int i = 0; i < before.length; i++) {
                if (!Numerics.active(c.masks.get(t), i)) continue;
                activeCount++;
                if (before[i] != after[i]) moved++;
            }
        }
        if (c.hp.lr() > 0 && activeCount > 0 && moved == 0) fail("no active parameter moved in " + c.steps + " steps " + rng.tag());
    }

    /** |p_before| + |p_after − p_before| element-wise, [n]: the magnitude the updated p is rounded against. */
    public static float[] stepScale(float[] before, float[] after) {
        float[] out = new float[before.length]; // [n]
        for (int i = 0; i < out.length; i++) out[i] = Math.abs(before[i]) + Math.abs(after[i] - before[i]);
        return out;
    }

    /** β1·|m| + (1−β1)·|grad·clip| element-wise, [n]: the magnitude the new first moment is rounded against. */
    public static float[] momentScale(AdamWCase c, float[] mPrev, float[] grad, float clip) {
        float b1 = c.hp.beta1();
        float[] out = new float[mPrev.length]; // [n]
        for (int i = 0; i < out.length; i++) out[i] = b1 * Math.abs(mPrev[i]) + (1 - b1) * Math.abs(grad[i] * clip);
        return out;
    }

    static void assertMaskedUnchanged(String name, float[] initial, float[] got, byte[] mask, String ctx) {
        if (mask == null) return;
        for (int i = 0; i < got.length; i++) {
            if (mask[i] == 0 && Float.floatToRawIntBits(initial[i]) != Float.floatToRawIntBits(got[i])) {
                fail(String.format("%s[%d] is masked but changed: bits 0x%08x → 0x%08x (%s → %s) %s", name, i,
                        Float.floatToRawIntBits(initial[i]), Float.floatToRawIntBits(got[i]), initial[i], got[i], ctx));
            }
        }
    }
}
