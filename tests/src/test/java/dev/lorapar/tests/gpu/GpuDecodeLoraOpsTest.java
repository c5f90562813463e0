package dev.lorapar.tests.gpu;

import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.tests.cases.NormLoraCase;
import dev.lorapar.tests.support.Backends;
import dev.lorapar.tests.support.Numerics;
import dev.lorapar.tests.support.Rng;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * Ops.rmsnormLoraDown + Ops.loraUpGroup on CUDA against the CPU backend and the reference, on decode shapes (the
 * fused kernel: rows ≤ 128, count·r ≤ 32, dim % 8 == 0) and on shapes that take the fallbacks (count·r > 32, odd dim,
 * more rows); the normalisation's outputs bit for bit those of CUDA rmsnormForward.
 */
@Tag("gpu")
class GpuDecodeLoraOpsTest {
    @BeforeEach
    void requireCuda() { Backends.assumeCuda(); }

    @Test
    void decodeShapesAgainstCpuAndReference(TestInfo info) {
        Rng rng = Rng.forTest(info);
        int[][] shapes = { // rows, dim, r, n...
                {64, 4096, 8, 1024, 1024, 1024}, {64, 1032, 8, 2752, 2752}, {7, 520, 16, 517, 300},
                {1, 4096, 8, 1031}, {33, 520, 16, 300, 301, 33}, {64, 515, 8, 100, 100}, {129, 520, 8, 64, 65},
                {64, 520, 12, 77, 78}};
        for (int[] sh : shapes)
            for (DType dt : new DType[] {DType.F32, DType.BF16}) {
                NormLoraCase c = new NormLoraCase(rng, sh[0], sh[1], java.util.Arrays.copyOfRange(sh, 3, sh.length),
                        sh[2], dt);
                NormLoraCase.Out gpu = c.runFused(Backends.gpu()), gpuUnfused = c.runUnfused(Backends.gpu());
                String at = c + " " + rng.tag();
                Numerics.assertBitsEqual("h (fused vs rmsnormForward on CUDA)", gpuUnfused.h(), gpu.h(), at);
                Numerics.assertBitsEqual("rstd (fused vs rmsnormForward on CUDA)", gpuUnfused.rstd(), gpu.rstd(), at);
                c.check(gpu, c.runFused(Device.CPU), "cuda vs cpu " + rng.tag());
                c.check(gpu, gpuUnfused, "fused vs unfused cuda " + rng.tag());
                c.check(gpu, null, "cuda vs reference " + rng.tag());
            }
    }
}
