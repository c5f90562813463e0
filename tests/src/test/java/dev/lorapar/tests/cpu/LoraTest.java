package dev.lorapar.tests.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.core.MaskMode;
import dev.lorapar.tests.cases.LoraCase;
import dev.lorapar.tests.support.Numerics;
import dev.lorapar.tests.support.Rng;
import dev.lorapar.tests.support.Rng.MaskKind;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** loraForward / loraLinearForward / loraBackward / loraLinearBackward on the CPU against LoraRef, both mask modes. */
class LoraTest {
    static final int[] RANKS = {1, 2, 3, 5, 8, 13};

    /** dtype × mode × mask kind (null = no mask tensors passed). */
    static Stream<Arguments> variants() {
        Stream.Builder<Arguments> b = Stream.builder();
        for (DType dt : new DType[] {DType.F32, DType.BF16})
            for (MaskMode mode : MaskMode.values()) {
                b.add(Arguments.of(dt, mode, null));
                for (MaskKind kind : MaskKind.values()) b.add(Arguments.of(dt, mode, kind));
            }
        return b.build();
    }

    static LoraCase randomCase(Rng rng, DType dt, MaskMode mode, MaskKind kind, float linearBeta) {
        return new LoraCase(rng, rng.pick(Numerics.ODD_SIZES), rng.pick(Numerics.ODD_SIZES), rng.pick(Numerics.ODD_SIZES),
                rng.pick(RANKS), dt, mode, kind, kind, linearBeta);
    }

    @ParameterizedTest(name = "{0} {1} masks={2}")
    @MethodSource("variants")
    void forward(DType dt, MaskMode mode, MaskKind kind, TestInfo info) {
        Rng rng = Rng.forTest(info);
        for (int rep = 0; rep < 4; rep++) {
            LoraCase c = randomCase(rng, dt, mode, kind, 0f);
            c.checkForward(c.runForward(Device.CPU), null, rng.tag());
        }
    }

    @ParameterizedTest(name = "{0} {1} masks={2}")
    @MethodSource("variants")
    void linearForward(DType dt, MaskMode mode, MaskKind kind, TestInfo info) {
        Rng rng = Rng.forTest(info);
        for (float beta : new float[] {0f, 0.5f, 1f}) { // beta = 0: y poisoned (not read, as in lp_gemm)
            LoraCase c = randomCase(rng, dt, mode, kind, beta);
            c.checkLinearForward(c.runLinearForward(Device.CPU), null, rng.tag());
        }
    }

    @ParameterizedTest(name = "{0} {1} masks={2}")
    @MethodSource("variants")
    void backward(DType dt, MaskMode mode, MaskKind kind, TestInfo info) {
        Rng rng = Rng.forTest(info);
        for (boolean accumulate : new boolean[] {false, true}) {
            for (int rep = 0; rep < 2; rep++) {
                LoraCase c = randomCase(rng, dt, mode, kind, 0f);
                checkBackward(c, accumulate, c.runBackward(Device.CPU, accumulate, true, true, true), rng);
            }
        }
    }

    /** betaDx = 0: dx poisoned with NaN (must not be read); betaDx = 1: accumulates onto dx0. */
    @ParameterizedTest(name = "{0} {1} masks={2}")
    @MethodSource("variants")
    void linearBackward(DType dt, MaskMode mode, MaskKind kind, TestInfo info) {
        Rng rng = Rng.forTest(info);
        for (float betaDx : new float[] {0f, 1f})
            for (boolean accumulate : new boolean[] {false, true}) {
                LoraCase c = randomCase(rng, dt, mode, kind, 0f);
                c.checkLinearBackward(c.runLinearBackward(Device.CPU, betaDx, accumulate, true, true, true), null,
                        betaDx, accumulate, rng.tag());
            }
    }

    static void checkBackward(LoraCase c, boolean accumulate, LoraCase.BackwardOut got, Rng rng) {
        c.checkBackward(got, null, accumulate, rng.tag());
    }

    /** Passing null for dx, da or db skips that output; the others are still right. */
    @Test
    void nullOutputsAreSkipped(TestInfo info) {
        Rng rng = Rng.forTest(info);
        boolean[][] combos = {{false, true, true}, {true, false, true}, {true, true, false}, {false, false, false}};
        for (boolean[] with : combos) {
            LoraCase c = randomCase(rng, DType.F32, MaskMode.FORWARD, MaskKind.RANDOM, 0f);
            LoraCase.BackwardOut got = c.runBackward(Device.CPU, false, with[0], with[1], with[2]);
            if (!with[0]) assertNull(got.dx());
            checkBackward(c, false, got, rng);
        }
    }

    /** loraLinearBackward with null dx, da or db skips that output; the others are still right. */
    @Test
    void linearBackwardNullOutputsAreSkipped(TestInfo info) {
        Rng rng = Rng.forTest(info);
        boolean[][] combos = {{false, true, true}, {true, false, true}, {true, true, false}, {false, false, false}};
        for (boolean[] with : combos)
            for (float betaDx : new float[] {0f, 1f}) {
                LoraCase c = randomCase(rng, DType.BF16, MaskMode.GRADIENT, MaskKind.RANDOM, 0f);
                LoraCase.BackwardOut got = c.runLinearBackward(Device.CPU, betaDx, true, with[0], with[1], with[2]);
                if (!with[0]) assertNull(got.dx());
                c.checkLinearBackward(got, null, betaDx, true, rng.tag());
            }
    }

    /**
     * r = 0: y unchanged (bit for bit), backward leaves dx unchanged, empty outputs elsewhere; the linear
     * backward gives the base dx alone.
     */
    @Test
    void rankZero(TestInfo info) {
        Rng rng = Rng.forTest(info);
        for (MaskMode mode : MaskMode.values()) {
            LoraCase c = new LoraCase(rng, 7, 13, 5, 0, DType.F32, mode, MaskKind.RANDOM, MaskKind.RANDOM, 0f);
            String ctx = c + " " + rng.tag();
            LoraCase.ForwardOut f = c.runForward(Device.CPU);
            assertEquals(0, f.u().length, ctx);
            Numerics.assertBitsEqual("y (r=0)", c.y0, f.y(), ctx);
            LoraCase.BackwardOut b = c.runBackward(Device.CPU, false, true, true, true);
            assertEquals(0, b.g().length, ctx);
            assertEquals(0, b.da().length, ctx);
            assertEquals(0, b.db().length, ctx);
            Numerics.assertClose("dx (r=0)", b.dx(), Numerics.toDouble(c.dx0), 0.0, ctx);
            for (float betaDx : new float[] {0f, 1f}) { // dx = dy·w + betaDx·dx0 alone
                c.checkLinearBackward(c.runLinearBackward(Device.CPU, betaDx, false, true, true, true), null, betaDx,
                        false, rng.tag());
            }
        }
    }

    /** Every size at its extremes: m = k = n = r = 1, and the largest odd sizes with a prime rank. */
    @Test
    void extremeSizes(TestInfo info) {
        Rng rng = Rng.forTest(info);
        int[][] sizes = {{1, 1, 1, 1}, {127, 127, 127, 13}, {1, 127, 61, 7}, {61, 1, 127, 2}};
        for (int[] s : sizes) {
            for (MaskMode mode : MaskMode.values()) {
                LoraCase c = new LoraCase(rng, s[0], s[1], s[2], s[3], DType.F32, mode, MaskKind.RANDOM, MaskKind.RANDOM, 0.5f);
                c.checkForward(c.runForward(Device.CPU), null, rng.tag());
                c.checkLinearForward(c.runLinearForward(Device.CPU), null, rng.tag());
                checkBackward(c, true, c.runBackward(Device.CPU, true, true, true, true), rng);
                for (float betaDx : new float[] {0f, 0.5f, 1f}) {
                    c.checkLinearBackward(c.runLinearBackward(Device.CPU, betaDx, true, true, true, true), null,
                            betaDx, true, rng.tag());
                }
            }
        }
    }
}
