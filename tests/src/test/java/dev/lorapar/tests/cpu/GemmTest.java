package dev.lorapar.tests.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.tests.cases.GemmCase;
import dev.lorapar.tests.support.Numerics;
import dev.lorapar.tests.support.Rng;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Ops.gemm on the CPU against the double reference: all transposes, dtypes, batches, alpha/beta, edges. */
class GemmTest {

    static Stream<Arguments> transposesAndDtypes() {
        Stream.Builder<Arguments> b = Stream.builder();
        DType[][] types = {{DType.F32, DType.F32}, {DType.BF16, DType.F32}, {DType.BF16, DType.BF16}};
        for (boolean ta : new boolean[] {false, true})
            for (boolean tb : new boolean[] {false, true})
                for (DType[] t : types) b.add(Arguments.of(ta, tb, t[0], t[1]));
        return b.build();
    }

    static void check(GemmCase c, Rng rng) {
        c.check("C", c.run(Device.CPU), rng.tag());
    }

    @ParameterizedTest(name = "transA={0} transB={1} ab={2} c={3}")
    @MethodSource("transposesAndDtypes")
    void oddSizes2D(boolean ta, boolean tb, DType ab, DType cType, TestInfo info) {
        Rng rng = Rng.forTest(info);
        for (int rep = 0; rep < 8; rep++) {
            int m = rng.pick(Numerics.ODD_SIZES), n = rng.pick(Numerics.ODD_SIZES), k = rng.pick(Numerics.ODD_SIZES);
            float alpha = rng.uniform(1, -2, 2)[0];
            float beta = rep % 2 == 0 ? 0f : rng.uniform(1, -2, 2)[0]; // beta = 0 → C poisoned with NaN
            check(GemmCase.random(rng, ta, tb, m, n, k, 1, false, alpha, beta, ab, cType), rng);
        }
    }

    @ParameterizedTest(name = "transA={0} transB={1} ab={2} c={3}")
    @MethodSource("transposesAndDtypes")
    void stridedBatch3D(boolean ta, boolean tb, DType ab, DType cType, TestInfo info) {
        Rng rng = Rng.forTest(info);
        for (int batch : new int[] {1, 2, 3, 7}) {
            int m = rng.pick(Numerics.ODD_SIZES), n = rng.pick(1, 2, 3, 5, 13, 31), k = rng.pick(1, 3, 7, 13, 61);
            float beta = rng.nextBoolean() ? 0f : 0.75f;
            check(GemmCase.random(rng, ta, tb, m, n, k, batch, true, 1.25f, beta, ab, cType), rng);
        }
    }

    /** A 2-D a shared by a 3-D b and c (batch stride 0: the stacked q/k/v and gate/up projections). */
    @ParameterizedTest(name = "transA={0} transB={1} ab={2} c={3}")
    @MethodSource("transposesAndDtypes")
    void sharedAOverABatch(boolean ta, boolean tb, DType ab, DType cType, TestInfo info) {
        Rng rng = Rng.forTest(info);
        for (int batch : new int[] {1, 2, 3}) {
            int m = rng.pick(Numerics.ODD_SIZES), n = rng.pick(1, 2, 5, 13, 31), k = rng.pick(1, 3, 13, 61);
            float beta = rng.nextBoolean() ? 0f : 0.75f;
            check(GemmCase.randomSharedA(rng, ta, tb, m, n, k, batch, 1.25f, beta, ab, cType), rng);
        }
    }

    @Test
    void extremesOfTheSizeSet(TestInfo info) {
        Rng rng = Rng.forTest(info);
        check(GemmCase.random(rng, false, false, 1, 1, 1, 1, false, 1f, 0f, DType.F32, DType.F32), rng);
        check(GemmCase.random(rng, false, false, 127, 127, 127, 1, false, 1f, 1f, DType.F32, DType.F32), rng);
        check(GemmCase.random(rng, true, true, 127, 1, 127, 1, false, -0.5f, 2f, DType.F32, DType.F32), rng);
        check(GemmCase.random(rng, false, true, 1, 127, 61, 1, false, 3f, 0f, DType.BF16, DType.F32), rng);
    }

    /** Long reductions: the accumulation order of a blocked kernel must stay within the fp32 bound. */
    @Test
    void largeK(TestInfo info) {
        Rng rng = Rng.forTest(info);
        check(GemmCase.random(rng, false, false, 3, 5, 4099, 1, false, 1f, 0f, DType.F32, DType.F32), rng);
        check(GemmCase.random(rng, true, false, 7, 13, 2053, 1, false, 0.5f, 1f, DType.F32, DType.F32), rng);
        check(GemmCase.random(rng, false, true, 5, 3, 1031, 1, false, 1f, 0f, DType.BF16, DType.F32), rng);
    }

    /**
     * Sizes one past the CPU kernel's blocking (MC = 144 rows, KC = 256 depth, NC = 3072 columns,
     * 6×16 register tiles), so every partial block and tile edge is exercised.
     */
    @Test
    void blockAndTileEdges(TestInfo info) {
        Rng rng = Rng.forTest(info);
        check(GemmCase.random(rng, false, false, 145, 3073, 257, 1, false, 1f, 0f, DType.F32, DType.F32), rng);
        check(GemmCase.random(rng, true, true, 289, 17, 513, 1, false, -0.5f, 1f, DType.BF16, DType.F32), rng);
        check(GemmCase.random(rng, true, false, 151, 23, 263, 2, true, 1f, 0.25f, DType.F32, DType.F32), rng);
        check(GemmCase.random(rng, false, true, 7, 35, 257, 1, false, 1f, 0f, DType.BF16, DType.BF16), rng);
    }

    /** beta = 0 must not read C (it holds NaN); alpha = 0, beta = 1 must leave C as it was. */
    @Test
    void alphaBetaCorners(TestInfo info) {
        Rng rng = Rng.forTest(info);
        check(GemmCase.random(rng, false, false, 13, 31, 7, 1, false, 2f, 0f, DType.F32, DType.F32), rng);
        GemmCase keep = GemmCase.random(rng, true, false, 13, 31, 7, 1, false, 0f, 1f, DType.F32, DType.F32);
        Numerics.assertBitsEqual("C (alpha=0, beta=1)", keep.c0(), keep.run(Device.CPU), keep + " " + rng.tag());
        check(GemmCase.random(rng, false, true, 13, 31, 7, 1, false, -1f, -1f, DType.F32, DType.F32), rng);
    }

    /** k = 0 gives C = beta·C; with beta = 0 every NaN-poisoned C element must become 0. */
    @Test
    void emptyReduction(TestInfo info) {
        Rng rng = Rng.forTest(info);
        GemmCase zero = GemmCase.random(rng, false, false, 5, 7, 0, 1, false, 1f, 0f, DType.F32, DType.F32);
        float[] got = zero.run(Device.CPU);
        Numerics.assertClose("C (k=0, beta=0)", got, new double[5 * 7], 0.0, rng.tag());
        check(GemmCase.random(rng, true, true, 5, 7, 0, 1, false, 1f, 0.5f, DType.F32, DType.F32), rng);
        check(GemmCase.random(rng, false, false, 3, 2, 0, 3, true, 1f, 2f, DType.BF16, DType.BF16), rng);
    }

    /** m = 0 or n = 0 (or batch = 0) is an empty problem: it must succeed and produce nothing. */
    @Test
    void emptyOutputs(TestInfo info) {
        Rng rng = Rng.forTest(info);
        assertEquals(0, GemmCase.random(rng, false, false, 0, 7, 5, 1, false, 1f, 0f, DType.F32, DType.F32).run(Device.CPU).length);
        assertEquals(0, GemmCase.random(rng, true, true, 7, 0, 5, 1, false, 1f, 1f, DType.F32, DType.F32).run(Device.CPU).length);
        assertEquals(0, GemmCase.random(rng, false, false, 3, 3, 3, 0, true, 1f, 0f, DType.F32, DType.F32).run(Device.CPU).length);
    }
}
