package dev.lorapar.model;

import dev.lorapar.core.Stream;
import dev.lorapar.core.Tensor;

/**
 * The PiSSA and OLoRA factors of a base weight W [out×in], computed on the host in double precision from a copy
 * of W ({@link LowRank}). Returns {A [r×in], B [out×r]} row-major; the caller subtracts scale·B·A from W.
 */
final class ResidualInit {
    private ResidualInit() {
    }

    /** PiSSA: W ≈ U·S·Vᵀ (top r); A = √(S/scale)·Vᵀ, B = U·√(S/scale). powerIterations 0 = exact SVD. */
    static float[][] pissa(Stream stream, Tensor w, int out, int in, int r, float scale, int powerIterations,
                           long seed) {
        float[] host = w.toFloatArray(stream); // [out×in]
        LowRank.Svd svd = powerIterations == 0 ? LowRank.topSingularExact(host, out, in, r)
                : LowRank.topSingular(LowRank.dense(host, out, in), r, powerIterations, seed);
        float[] a = new float[r * in];  // [r×in]
        float[] b = new float[out * r]; // [out×r]
        for (int j = 0; j < r; j++) {
            double root = Math.sqrt(svd.s()[j] / scale);
            for (int i = 0; i < in; i++) {
                a[j * in + i] = (float) (root * svd.vt()[j * in + i]);
            }
            for (int o = 0; o < out; o++) {
                b[o * r + j] = (float) (svd.u()[o * r + j] * root);
            }
        }
        return new float[][] {a, b};
    }

    /** OLoRA: thin QR W = Q·R; B = Q[:, :r], A = R[:r, :]. */
    static float[][] olora(Stream stream, Tensor w, int out, int in, int r) {
        float[] host = w.toFloatArray(stream); // [out×in]
        LowRank.Qr qr = LowRank.leadingQr(host, out, in, r);
        float[] a = new float[r * in];  // [r×in]
        float[] b = new float[out * r]; // [out×r]
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) qr.r()[i];
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (float) qr.q()[i];
        }
        return new float[][] {a, b};
    }
}
