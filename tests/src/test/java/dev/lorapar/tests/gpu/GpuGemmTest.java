package dev.lorapar.tests.gpu;

import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.tests.cases.GemmCase;
import dev.lorapar.tests.support.Backends;
import dev.lorapar.tests.support.Numerics;
import dev.lorapar.tests.support.Rng;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * Ops.gemm on CUDA against the CPU backend (and the double reference): fp32 ≤ 1e-5 of the norm
 * (a TF32 compute mode would fail this, as it should), bf16 outputs ≤ 1e-2; odd and LLaMA-like shapes.
 */
@Tag("gpu")
class GpuGemmTest {
    @BeforeEach
    void requireCuda() { Backends.assumeCuda(); }

    static void compare(GemmCase c, Rng rng) {
        float[] gpu = c.run(Backends.gpu());
        c.compare("C cuda vs cpu", gpu, c.run(Device.CPU), rng.tag());
        c.check("C cuda vs reference", gpu, rng.tag());
    }

    @Test
    void allTransposesDtypesOddSizes(TestInfo info) {
        Rng rng = Rng.forTest(info);
        DType[][] types = {{DType.F32, DType.F32}, {DType.BF16, DType.F32}, {DType.BF16, DType.BF16}};
        for (boolean ta : new boolean[] {false, true})
            for (boolean tb : new boolean[] {false, true})
                for (DType[] t : types)
                    for (int rep = 0; rep < 3; rep++) {
                        int m = rng.pick(Numerics.ODD_SIZES), n = rng.pick(Numerics.ODD_SIZES), k = rng.pick(Numerics.ODD_SIZES);
                        float beta = rep == 0 ? 0f : 0.5f;
                        compare(GemmCase.random(rng, ta, tb, m, n, k, 1, false, 1.5f, beta, t[0], t[1]), rng);
                        compare(GemmCase.random(rng, ta, tb, m, n, k, rng.pick(2, 3, 5), true, -1f, beta, t[0], t[1]), rng);
                    }
    }

    /** LLaMA-2-like projections: 257 tokens × d = 4096 in, odd outputs; k = 0 edge. */
    @Test
    void llamaLikeShapes(TestInfo info) {
        Rng rng = Rng.forTest(info);
        compare(GemmCase.random(rng, false, true, 257, 509, 4096, 1, false, 1f, 0f, DType.F32, DType.F32), rng);
        compare(GemmCase.random(rng, false, true, 257, 509, 4096, 1, false, 1f, 0f, DType.BF16, DType.F32), rng);
        compare(GemmCase.random(rng, false, true, 257, 1031, 4096, 1, false, 1f, 1f, DType.BF16, DType.BF16), rng);
        compare(GemmCase.random(rng, true, false, 4096, 8, 257, 1, false, 2f, 1f, DType.F32, DType.F32), rng);
        compare(GemmCase.random(rng, false, false, 4, 257, 128, 1, false, 1f, 0f, DType.F32, DType.F32), rng);
        compare(GemmCase.random(rng, false, true, 257, 257, 128, 8, true, 0.125f, 0f, DType.BF16, DType.F32), rng);
        compare(GemmCase.random(rng, false, false, 31, 61, 0, 1, false, 1f, 0.5f, DType.F32, DType.F32), rng);
        // stacked projections of a decode step: x [64×4096] shared by W{q,k,v} (3 × [n×4096]), n trimmed to 1031
        compare(GemmCase.randomSharedA(rng, false, true, 64, 1031, 4096, 3, 1f, 0f, DType.BF16, DType.BF16), rng);
        compare(GemmCase.randomSharedA(rng, false, true, 7, 509, 4096, 2, 1f, 0f, DType.BF16, DType.F32), rng);
        compare(GemmCase.randomSharedA(rng, true, false, 13, 31, 61, 3, -1f, 0.5f, DType.F32, DType.F32), rng);
        compare(GemmCase.random(rng, false, false, 31, 61, 0, 1, false, 1f, 0f, DType.F32, DType.F32), rng);
    }
}
