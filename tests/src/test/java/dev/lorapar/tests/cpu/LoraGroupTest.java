package dev.lorapar.tests.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.core.MaskMode;
import dev.lorapar.core.Ops;
import dev.lorapar.core.Tensor;
import dev.lorapar.tests.cases.LoraGroupCase;
import dev.lorapar.tests.support.Numerics;
import dev.lorapar.tests.support.Rng;
import dev.lorapar.tests.support.Rng.MaskKind;
import dev.lorapar.tests.support.TensorScope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/** Ops.loraForwardGroup on the CPU: each projection as Ops.loraForward alone (bit for bit) and as LoraRef; bad input. */
class LoraGroupTest {

    @Test
    void eachProjectionAsAlone(TestInfo info) {
        Rng rng = Rng.forTest(info);
        for (DType dt : new DType[] {DType.F32, DType.BF16})
            for (MaskMode mode : MaskMode.values())
                for (MaskKind kind : new MaskKind[] {null, MaskKind.RANDOM}) {
                    int count = rng.pick(1, 2, 3, 4);
                    int[] n = new int[count];
                    for (int i = 0; i < count; i++) n[i] = rng.pick(Numerics.ODD_SIZES);
                    LoraGroupCase c = new LoraGroupCase(rng, rng.pick(Numerics.ODD_SIZES), rng.pick(Numerics.ODD_SIZES),
                            n, rng.pick(1, 2, 3, 8, 13), dt, mode, kind);
                    float[][][] group = c.runGroup(Device.CPU), alone = c.runOneByOne(Device.CPU);
                    for (int i = 0; i < count; i++) {
                        assertArrayEquals(alone[i][0], group[i][0], c + " u of projection " + i + " " + rng.tag());
                        assertArrayEquals(alone[i][1], group[i][1], c + " y of projection " + i + " " + rng.tag());
                    }
                    c.check(group, null, "cpu vs reference " + rng.tag());
                }
    }

    @Test
    void badGroupsAreRejected() {
        try (TensorScope s = new TensorScope(Device.CPU)) {
            DType dt = DType.F32;
            Tensor x = s.zeros(dt, 3, 5), a = s.zeros(dt, 2, 5), b = s.zeros(dt, 4, 2), u = s.zeros(dt, 3, 2),
                    y = s.zeros(dt, 3, 4), u2 = s.zeros(dt, 3, 2), y2 = s.zeros(dt, 3, 4), a3 = s.zeros(dt, 3, 5),
                    b3 = s.zeros(dt, 4, 3), u3 = s.zeros(dt, 3, 3);
            float[] before = s.read(y);
            MaskMode g = MaskMode.GRADIENT;
            assertRejected(() -> Ops.loraForwardGroup(s.stream(), 1f, x, new Tensor[0], null, new Tensor[0], null, g,
                    new Tensor[0], new Tensor[0]), "projections");
            Tensor[] five = {a, a, a, a, a};
            assertRejected(() -> Ops.loraForwardGroup(s.stream(), 1f, x, five, null, new Tensor[] {b, b, b, b, b}, null,
                    g, new Tensor[] {u, u, u, u, u}, new Tensor[] {y, y, y, y, y}), "projections");
            assertRejected(() -> Ops.loraForwardGroup(s.stream(), 1f, x, new Tensor[] {a, a}, null, new Tensor[] {b},
                    null, g, new Tensor[] {u, u2}, new Tensor[] {y, y2}), "tensors each");
            assertRejected(() -> Ops.loraForwardGroup(s.stream(), 1f, x, new Tensor[] {a, a3}, null,
                    new Tensor[] {b, b3}, null, g, new Tensor[] {u, u3}, new Tensor[] {y, y2}), "one rank");
            assertRejected(() -> Ops.loraForwardGroup(s.stream(), 1f, x, new Tensor[] {a, a}, null,
                    new Tensor[] {b, b}, null, g, new Tensor[] {u, u2}, new Tensor[] {y, y}), "distinct");
            assertRejected(() -> Ops.loraForwardGroup(s.stream(), 1f, x, new Tensor[] {a}, null,
                    new Tensor[] {b}, null, g, new Tensor[] {u}, new Tensor[] {x}), "");
            assertRejected(() -> Ops.loraForwardGroup(s.stream(), 1f, x, new Tensor[] {a, a}, null,
                    new Tensor[] {b, b}, null, g, new Tensor[] {u, u2}, new Tensor[] {y, s.zeros(dt, 3, 7)}), "y");
            assertRejected(() -> Ops.loraForwardGroup(s.stream(), 1f, x, new Tensor[] {a}, new Tensor[] {null, null},
                    new Tensor[] {b}, null, g, new Tensor[] {u}, new Tensor[] {y}), "tensors each");
            assertArrayEquals(before, s.read(y), "a rejected group changed y");
        }
    }

    private static void assertRejected(org.junit.jupiter.api.function.Executable call, String fragment) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
    }
}
