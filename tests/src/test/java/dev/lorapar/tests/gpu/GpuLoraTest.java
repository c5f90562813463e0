package dev.lorapar.tests.gpu;

import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.core.MaskMode;
import dev.lorapar.tests.cases.LoraCase;
import dev.lorapar.tests.cases.LoraGroupCase;
import dev.lorapar.tests.support.Backends;
import dev.lorapar.tests.support.Numerics;
import dev.lorapar.tests.support.Rng;
import dev.lorapar.tests.support.Rng.MaskKind;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/** Masked LoRA forward / linear forward / backward / linear backward on CUDA against the CPU backend, both modes. */
@Tag("gpu")
class GpuLoraTest {
    @BeforeEach
    void requireCuda() { Backends.assumeCuda(); }

    /** Every output on CUDA against the CPU backend, and against the reference. */
    static void compareAll(LoraCase c, Rng rng) {
        String ctx = "cuda vs cpu " + rng.tag();
        LoraCase.ForwardOut fg = c.runForward(Backends.gpu());
        c.checkForward(fg, c.runForward(Device.CPU), ctx);
        c.checkForward(fg, null, "cuda vs reference " + rng.tag());
        c.checkLinearForward(c.runLinearForward(Backends.gpu()), c.runLinearForward(Device.CPU), ctx);
        for (boolean acc : new boolean[] {false, true}) {
            LoraCase.BackwardOut bg = c.runBackward(Backends.gpu(), acc, true, true, true);
            c.checkBackward(bg, c.runBackward(Device.CPU, acc, true, true, true), acc, ctx);
            for (float betaDx : new float[] {0f, 1f}) { // betaDx = 0: dx poisoned on both sides
                LoraCase.BackwardOut lg = c.runLinearBackward(Backends.gpu(), betaDx, acc, true, true, true);
                c.checkLinearBackward(lg, c.runLinearBackward(Device.CPU, betaDx, acc, true, true, true), betaDx, acc,
                        ctx);
            }
        }
        // dx null: da, db alone
        LoraCase.BackwardOut ng = c.runLinearBackward(Backends.gpu(), 0f, false, false, true, true);
        c.checkLinearBackward(ng, c.runLinearBackward(Device.CPU, 0f, false, false, true, true), 0f, false, ctx);
    }

    @Test
    void oddSizesAllVariants(TestInfo info) {
        Rng rng = Rng.forTest(info);
        MaskKind[] kinds = {null, MaskKind.EMPTY, MaskKind.FULL, MaskKind.RANDOM};
        for (DType dt : new DType[] {DType.F32, DType.BF16})
            for (MaskMode mode : MaskMode.values())
                for (MaskKind kind : kinds) {
                    LoraCase c = new LoraCase(rng, rng.pick(Numerics.ODD_SIZES), rng.pick(Numerics.ODD_SIZES),
                            rng.pick(Numerics.ODD_SIZES), rng.pick(1, 2, 3, 5, 8, 13), dt, mode, kind, kind, rng.nextBoolean() ? 0f : 1f);
                    compareAll(c, rng);
                }
    }

    /**
     * Both sides of the CUDA backend's thin down-projection kernel (used for m ≤ 128 rows and rank ≤ 64, cuBLASLt
     * beyond): rows 128 / 129 and ranks 64 / 65 around those limits; k = 515 (element loads) or 520 (16-byte loads).
     */
    @Test
    void thinDownProjectionLimits(TestInfo info) {
        Rng rng = Rng.forTest(info);
        for (int m : new int[] {128, 129})
            for (int r : new int[] {64, 65}) {
                DType dt = rng.nextBoolean() ? DType.F32 : DType.BF16;
                compareAll(new LoraCase(rng, m, rng.pick(515, 520), 67, r, dt, MaskMode.FORWARD, MaskKind.RANDOM, MaskKind.RANDOM,
                        0f), rng);
            }
    }

    /**
     * The thin up-projection kernel (y += scale·u·B'ᵀ for m ≤ 128, rank ≤ 64): decode-step rows, 16-byte path (n and r
     * multiples of 8) and element path (r = 12, n = 4099), beta 0 and 1, both dtypes.
     */
    @Test
    void thinUpProjectionDecodeShapes(TestInfo info) {
        Rng rng = Rng.forTest(info);
        for (int[] mnr : new int[][] {{64, 4096, 8}, {64, 4096, 64}, {7, 4096, 16}, {64, 4099, 8}, {33, 4096, 12}})
            for (DType dt : new DType[] {DType.F32, DType.BF16}) {
                compareAll(new LoraCase(rng, mnr[0], 520, mnr[1], mnr[2], dt, MaskMode.GRADIENT, null, null,
                        rng.nextBoolean() ? 0f : 1f), rng);
            }
    }

    /**
     * loraForwardGroup: the grouped thin kernels (a decode step's q, k, v or gate, up in two launches) at decode shapes
     * — 16-byte paths (k = 520, r multiple of 8), element paths (k = 515, r = 12, odd n), unequal n (GQA's k / v) —
     * and the per-projection fallbacks (129 rows; forward masks), against the CPU backend and the reference.
     */
    @Test
    void groupOfProjectionsDecodeShapes(TestInfo info) {
        Rng rng = Rng.forTest(info);
        int[][] shapes = { // m, k, r, n...
                {64, 520, 16, 4096, 4096, 4096}, {64, 520, 8, 1031, 517, 517}, {7, 515, 12, 4099, 33},
                {33, 520, 64, 2752, 2752}, {129, 520, 8, 300, 301}, {64, 520, 16, 4096}};
        for (int[] sh : shapes)
            for (DType dt : new DType[] {DType.F32, DType.BF16})
                for (MaskMode mode : MaskMode.values()) {
                    MaskKind kind = rng.nextBoolean() ? null : MaskKind.RANDOM;
                    LoraGroupCase c = new LoraGroupCase(rng, sh[0], sh[1], java.util.Arrays.copyOfRange(sh, 3, sh.length),
                            sh[2], dt, mode, kind);
                    float[][][] gpu = c.runGroup(Backends.gpu());
                    c.check(gpu, c.runGroup(Device.CPU), "cuda vs cpu " + rng.tag());
                    c.check(gpu, null, "cuda vs reference " + rng.tag());
                }
    }

    /** A LLaMA-2-7B-like q projection on 257 tokens (d_in = 4096, r = 8; d_out trimmed to 1031 to keep the CPU side fast). */
    @Test
    void llamaLikeShapes(TestInfo info) {
        Rng rng = Rng.forTest(info);
        for (DType dt : new DType[] {DType.F32, DType.BF16})
            for (MaskMode mode : MaskMode.values()) {
                compareAll(new LoraCase(rng, 257, 4096, 1031, 8, dt, mode, MaskKind.RANDOM, MaskKind.RANDOM, 0f), rng);
            }
        compareAll(new LoraCase(rng, 1, 4096, 4099, 16, DType.BF16, MaskMode.GRADIENT, MaskKind.RANDOM, null, 1f), rng);
    }
}
