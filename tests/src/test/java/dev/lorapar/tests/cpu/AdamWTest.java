package dev.lorapar.tests.cpu;

import dev.lorapar.core.Ops.AdamW;
import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.tests.cases.AdamWCase;
import dev.lorapar.tests.cases.AdamWTrajectory;
import dev.lorapar.tests.reference.AdamWRef;
import dev.lorapar.tests.support.Numerics;
import dev.lorapar.tests.support.Rng;
import dev.lorapar.tests.support.Rng.MaskKind;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * Masked AdamW on the CPU: masked p, m, v and param copies bit-identical through 200 steps with
 * weight decay; active elements equal the fp32 replica (lorapar.h's op order) to 1e-6 at every
 * step, and one step matches the double reference to 1e-5.
 */
class AdamWTest {
    static final AdamW HP = new AdamW(1e-2f, 0.9f, 0.999f, 1e-8f, 0.1f);
    static final List<long[]> SHAPES = List.of(new long[] {1}, new long[] {13}, new long[] {8, 31},
            new long[] {61, 8}, new long[] {127});

    @Test
    void masked200StepsBitIdenticalAndActiveMatchReplica(TestInfo info) {
        Rng rng = Rng.forTest(info);
        AdamWCase c = new AdamWCase(rng, SHAPES,
                Arrays.asList(MaskKind.RANDOM, MaskKind.EMPTY, MaskKind.FULL, null, MaskKind.RANDOM), false,
                DType.BF16, new boolean[] {true, true, false, true, true}, HP, 200, true, 0.5f);
        AdamWTrajectory.check(c, c.run(Device.CPU), rng);
    }

    @Test
    void noMaskListF32CopiesNoClipping(TestInfo info) {
        Rng rng = Rng.forTest(info);
        AdamWCase c = new AdamWCase(rng, SHAPES, Arrays.asList(null, null, null, null, null), true,
                DType.F32, new boolean[] {true, false, true, true, true}, HP, 20, false, 0f);
        AdamWTrajectory.check(c, c.run(Device.CPU), rng);
    }

    /** gradNorm given with maxGradNorm = 0 (no clipping), and with a bound it never reaches (clip = 1). */
    @Test
    void gradNormWithoutEffectiveClipping(TestInfo info) {
        Rng rng = Rng.forTest(info);
        for (float maxNorm : new float[] {0f, 1e6f}) {
            AdamWCase c = new AdamWCase(rng, SHAPES,
                    Arrays.asList(MaskKind.RANDOM, MaskKind.RANDOM, MaskKind.EMPTY, MaskKind.FULL, MaskKind.RANDOM), false,
                    null, new boolean[SHAPES.size()], new AdamW(3e-3f, 0.8f, 0.99f, 1e-6f, 0.5f), 15, true, maxNorm);
            AdamWTrajectory.check(c, c.run(Device.CPU), rng);
        }
    }

    /** Edges of the hyper-parameter ranges: β1 = β2 = 0 (no averaging; bias corrections 1), lr = 0 (p frozen). */
    @Test
    void hyperParameterEdges(TestInfo info) {
        Rng rng = Rng.forTest(info);
        for (AdamW hp : new AdamW[] {new AdamW(1e-2f, 0f, 0f, 1e-8f, 0.1f), new AdamW(0f, 0.9f, 0.999f, 1e-8f, 0.1f)}) {
            AdamWCase c = new AdamWCase(rng, SHAPES,
                    Arrays.asList(MaskKind.RANDOM, MaskKind.FULL, MaskKind.RANDOM, null, MaskKind.EMPTY), false,
                    DType.BF16, new boolean[] {true, true, true, true, true}, hp, 5, true, 0.5f);
            List<AdamWCase.State> states = c.run(Device.CPU);
            AdamWTrajectory.check(c, states, rng);
            if (hp.lr() == 0) {
                for (int t = 0; t < SHAPES.size(); t++) {
                    Numerics.assertBitsEqual("p with lr = 0", c.p0.get(t), states.get(c.steps).p().get(t), c + " " + rng.tag());
                }
            }
        }
    }

    /** One step from the same state, against the double formula: ≤ 1e-5 relative for p, m, v. */
    @Test
    void oneStepMatchesDoubleReference(TestInfo info) {
        Rng rng = Rng.forTest(info);
        AdamWCase c = new AdamWCase(rng, SHAPES,
                Arrays.asList(MaskKind.RANDOM, MaskKind.FULL, MaskKind.RANDOM, null, MaskKind.EMPTY), false,
                null, new boolean[SHAPES.size()], HP, 1, true, 0.5f);
        List<AdamWCase.State> states = c.run(Device.CPU);
        AdamWCase.State after = states.get(1);
        double clip = AdamWRef.clipDouble(after.gradNorm(), c.maxGradNorm);
        for (int t = 0; t < SHAPES.size(); t++) {
            double[] p = Numerics.toDouble(c.p0.get(t)), m = Numerics.toDouble(c.m0.get(t)), v = Numerics.toDouble(c.v0.get(t));
            AdamWRef.stepDouble(p, m, v, c.grads.get(0).get(t), c.masks.get(t), HP.lr(), HP.beta1(), HP.beta2(),
                    HP.eps(), HP.weightDecay(), 1, clip);
            String ctx = "tensor " + t + " " + c + " " + rng.tag();
            Numerics.assertClose("p", after.p().get(t), p, 1e-5, ctx);
            Numerics.assertClose("m", after.m().get(t), m, 1e-5, ctx);
            Numerics.assertClose("v", after.v().get(t), v, 1e-5, ctx);
        }
    }
}
