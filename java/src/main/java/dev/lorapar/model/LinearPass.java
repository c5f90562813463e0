package dev.lorapar.model;

import dev.lorapar.core.MaskMode;
import dev.lorapar.core.Ops;
import dev.lorapar.core.Stream;
import dev.lorapar.core.Tensor;

/** A projection y = x·Wᵀ (+ scale·(x·A'ᵀ)·B'ᵀ when a LoRA pair is bound) and its backward. */
final class LinearPass {
    private LinearPass() {
    }

    /**
     * y = x·Wᵀ + beta·y (+ the LoRA term, which also writes u = x·A'ᵀ [m×r]). x [m×in], w [out×in], y [m×out];
     * u ignored when pair is null.
     */
    static void forward(Stream stream, Tensor x, Tensor w, float beta, LoraPair pair, float scale, MaskMode mode,
                        Tensor u, Tensor y) {
        if (pair == null) {
            Ops.gemm(stream, false, true, 1f, x, w, beta, y);
        } else {
            Ops.loraLinearForward(stream, scale, x, w, beta, pair.a(), pair.maskA(), pair.b(), pair.maskB(), mode, u, y);
        }
    }

    /**
     * Several projections of one input through stacked weights: ys = x·wsᵀ (one batched GEMM), then the LoRA terms
     * (u = x·A'ᵀ [m×r], y += scale·u·B'ᵀ) of the projections with a bound pair in one group call. x [m×in], ws [count×out×in], ys
     * [count×m×out] whose matrices are ys[i]; pairs, us, ys per projection (pairs[i] null: none).
     */
    static void forwardStacked(Stream stream, Tensor x, Tensor ws, Tensor ysStack, LoraPair[] pairs, float scale,
                               MaskMode mode, Tensor[] us, Tensor[] ys) {
        Ops.gemm(stream, false, true, 1f, x, ws, 0f, ysStack);
        int bound = 0;
        for (LoraPair pair : pairs) {
            bound += pair == null ? 0 : 1;
        }
        if (bound == 0) {
            return;
        }
        Tensor[] a = new Tensor[bound], maskA = new Tensor[bound], b = new Tensor[bound], maskB = new Tensor[bound],
                u = new Tensor[bound], y = new Tensor[bound];
        for (int i = 0, j = 0; i < pairs.length; i++) {
            if (pairs[i] != null) {
                a[j] = pairs[i].a();
                maskA[j] = pairs[i].maskA();
                b[j] = pairs[i].b();
                maskB[j] = pairs[i].maskB();
                u[j] = us[i];
                y[j++] = ys[i];
            }
        }
        Ops.loraForwardGroup(stream, scale, x, a, maskA, b, maskB, mode, u, y);
    }

    /**
     * dx = dy·W (+ LoRA term) + betaDx·dx; da, db (F32, nullable) the masked LoRA gradients, added on when
     * accumulate; dW (F32 [out×in], nullable) += dyᵀ·x. x [m×in], dy [m×out], u [m×r] from the forward, g [m×r]
     * scratch, dx [m×in] nullable.
     */
    static void backward(Stream stream, Tensor x, Tensor w, LoraPair pair, float scale, MaskMode mode, Tensor u,
                         Tensor dy, Tensor g, float betaDx, Tensor dx, Tensor da, Tensor db, boolean accumulate,
                         Tensor dW) {
        if (pair == null) {
            if (dx != null) {
                Ops.gemm(stream, false, false, 1f, dy, w, betaDx, dx);
            }
        } else {
            Ops.loraLinearBackward(stream, scale, x, w, pair.a(), pair.maskA(), pair.b(), pair.maskB(), mode, u, dy, g,
                    betaDx, dx, da, db, accumulate);
        }
        if (dW != null) {
            Ops.gemm(stream, true, false, 1f, dy, x, 1f, dW);
        }
    }
}
