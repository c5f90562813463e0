package dev.lorapar.tests.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.core.Ops;
import dev.lorapar.core.Tensor;
import dev.lorapar.tests.cases.NormLoraCase;
import dev.lorapar.tests.support.Numerics;
import dev.lorapar.tests.support.Rng;
import dev.lorapar.tests.support.TensorScope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * Ops.rmsnormLoraDown and Ops.loraUpGroup on the CPU: bit for bit the unfused calls (rmsnormForward +
 * loraForwardGroup) they replace in a decode step, close to the double reference; bad input rejected, outputs kept.
 */
class DecodeLoraOpsTest {

    @Test
    void fusedEqualsUnfusedAndReference(TestInfo info) {
        Rng rng = Rng.forTest(info);
        for (DType dt : new DType[] {DType.F32, DType.BF16})
            for (int trial = 0; trial < 4; trial++) {
                int count = rng.pick(1, 2, 3, 4);
                int[] n = new int[count];
                for (int i = 0; i < count; i++) n[i] = rng.pick(Numerics.ODD_SIZES);
                NormLoraCase c = new NormLoraCase(rng, rng.pick(Numerics.ODD_SIZES), rng.pick(Numerics.ODD_SIZES), n,
                        rng.pick(1, 2, 3, 8, 13), dt);
                NormLoraCase.Out fused = c.runFused(Device.CPU), unfused = c.runUnfused(Device.CPU);
                String at = c + " " + rng.tag();
                Numerics.assertBitsEqual("h", unfused.h(), fused.h(), at);
                Numerics.assertBitsEqual("rstd", unfused.rstd(), fused.rstd(), at);
                for (int i = 0; i < count; i++) {
                    Numerics.assertBitsEqual("u of projection " + i, unfused.u()[i], fused.u()[i], at);
                    Numerics.assertBitsEqual("y of projection " + i, unfused.y()[i], fused.y()[i], at);
                }
                c.check(fused, null, "cpu vs reference " + rng.tag());
            }
    }

    /** No projections: rmsnormForward exactly. */
    @Test
    void emptyGroupIsTheNormalisation(TestInfo info) {
        Rng rng = Rng.forTest(info);
        NormLoraCase c = new NormLoraCase(rng, 5, 13, new int[0], 3, DType.BF16);
        NormLoraCase.Out fused = c.runFused(Device.CPU);
        try (TensorScope s = new TensorScope(Device.CPU)) {
            Tensor h = s.poisoned(DType.BF16, 5, 13), rstd = s.poisoned(DType.F32, 5);
            Ops.rmsnormForward(s.stream(), c.eps, s.of(DType.BF16, c.x, 5, 13), s.of(DType.BF16, c.w, 13), h, rstd);
            Numerics.assertBitsEqual("h", s.read(h), fused.h(), c.toString());
            Numerics.assertBitsEqual("rstd", s.read(rstd), fused.rstd(), c.toString());
        }
    }

    @Test
    void badInputIsRejectedAndChangesNothing() {
        try (TensorScope s = new TensorScope(Device.CPU)) {
            DType dt = DType.F32;
            Tensor x = s.zeros(dt, 3, 5), w = s.zeros(dt, 5), h = s.zeros(dt, 3, 5), rstd = s.zeros(DType.F32, 3),
                    a = s.zeros(dt, 2, 5), a3 = s.zeros(dt, 3, 5), u = s.of(dt, new float[] {1, 2, 3, 4, 5, 6}, 3, 2),
                    u2 = s.zeros(dt, 3, 2), b = s.zeros(dt, 4, 2), y = s.of(dt, new float[12], 3, 4),
                    y2 = s.zeros(dt, 3, 4);
            float[] uBefore = s.read(u), yBefore = s.read(y);
            Tensor[] five = {a, a, a, a, a};
            assertRejected(() -> Ops.rmsnormLoraDown(s.stream(), 1e-5f, x, w, h, rstd, five,
                    new Tensor[] {u, u2, u, u2, u}), "at most");
            assertRejected(() -> Ops.rmsnormLoraDown(s.stream(), 1e-5f, x, w, h, rstd, new Tensor[] {a, a},
                    new Tensor[] {u}), "as many");
            assertRejected(() -> Ops.rmsnormLoraDown(s.stream(), 1e-5f, x, w, h, rstd, new Tensor[] {a, a3},
                    new Tensor[] {u, u2}), "a");
            assertRejected(() -> Ops.rmsnormLoraDown(s.stream(), 1e-5f, x, w, h, rstd, new Tensor[] {a, a},
                    new Tensor[] {u, u}), "one tensor");
            assertRejected(() -> Ops.rmsnormLoraDown(s.stream(), 1e-5f, x, w, x, rstd, new Tensor[] {a},
                    new Tensor[] {u}), "y is x");
            assertRejected(() -> Ops.rmsnormLoraDown(s.stream(), -1f, x, w, h, rstd, new Tensor[] {a},
                    new Tensor[] {u}), "eps");
            assertRejected(() -> Ops.rmsnormLoraDown(s.stream(), 1e-5f, x, w, h, rstd, new Tensor[] {a},
                    new Tensor[] {s.zeros(DType.BF16, 3, 2)}), "u");
            assertRejected(() -> Ops.loraUpGroup(s.stream(), 1f, new Tensor[0], new Tensor[0], new Tensor[0]), "1..4");
            assertRejected(() -> Ops.loraUpGroup(s.stream(), 1f, new Tensor[] {u, u2}, new Tensor[] {b},
                    new Tensor[] {y, y2}), "as many");
            assertRejected(() -> Ops.loraUpGroup(s.stream(), 1f, new Tensor[] {u, u2}, new Tensor[] {b, b},
                    new Tensor[] {y, y}), "distinct");
            assertRejected(() -> Ops.loraUpGroup(s.stream(), 1f, new Tensor[] {u}, new Tensor[] {b},
                    new Tensor[] {s.zeros(dt, 3, 5)}), "y");
            assertRejected(() -> Ops.loraUpGroup(s.stream(), Float.NaN, new Tensor[] {u}, new Tensor[] {b},
                    new Tensor[] {y}), "scale");
            assertRejected(() -> Ops.loraUpGroup(s.stream(), 1f, new Tensor[] {u}, new Tensor[] {a3},
                    new Tensor[] {y}), "b");
            assertArrayEquals(uBefore, s.read(u), "a rejected call changed u");
            assertArrayEquals(yBefore, s.read(y), "a rejected call changed y");
        }
    }

    private static void assertRejected(org.junit.jupiter.api.function.Executable call, String fragment) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
    }
}
