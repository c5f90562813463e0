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
