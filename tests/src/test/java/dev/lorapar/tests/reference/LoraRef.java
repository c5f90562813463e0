package dev.lorapar.tests.reference;

/**
 * The masked LoRA formulas of lorapar.h in double, written out loop by loop (no lorapar calls).
 * x [m×k], a [r×k], b [n×r], masks [r×k] / [n×r] (null = all active). forwardMasked selects
 * LP_MASK_FORWARD (A' = a⊙ma, B' = b⊙mb everywhere) vs LP_MASK_GRADIENT (A' = a, B' = b; only
 * dA, dB are masked).
 */
public final class LoraRef {
    private LoraRef() {}

    /** u [m×r] and y [m×n] after a forward. */
    public record Forward(double[] u, double[] y) {}

    /** g [m×r], dx [m×k], da [r×k], db [n×r] after a backward. */
    public record Backward(double[] g, double[] dx, double[] da, double[] db) {}

    static double eff(float[] w, byte[] mask, int i, boolean useMask) {
        return (useMask && mask != null && mask[i] == 0) ? 0 : w[i];
    }

    static boolean on(byte[] mask, int i) { return mask == null || mask[i] != 0; }

    /** u = x·A'ᵀ; y = y0 + scale·u·B'ᵀ (u kept in double). */
    public static Forward forward(int m, int k, int n, int r, double scale, float[] x, float[] a, byte[] ma,
                                  float[] b, byte[] mb, boolean forwardMasked, float[] y0) {
        double[] u = new double[m * r]; // [m×r]
        for (int i = 0; i < m; i++)
            for (int q = 0; q < r; q++) {
                double s = 0;
                for (int p = 0; p < k; p++) s += x[i * k + p] * eff(a, ma, q * k + p, forwardMasked);
                u[i * r + q] = s;
            }
        double[] y = new double[m * n]; // [m×n]
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int q = 0; q < r; q++) s += u[i * r + q] * eff(b, mb, j * r + q, forwardMasked);
                y[i * n + j] = y0[i * n + j] + scale * s;
            }
        return new Forward(u, y);
    }

    /** y = x·wᵀ + beta·y0 (y0 not read when beta == 0) + scale·(x·A'ᵀ)·B'ᵀ; w [n×k]. */
    public static Forward linearForward(int m, int k, int n, int r, double scale, float[] x, float[] w, double beta,
                                        float[] a, byte[] ma, float[] b, byte[] mb, boolean forwardMasked,
                                        float[] y0) {
        float[] zeros = new float[m * n]; // [m×n]
        Forward lora = forward(m, k, n, r, scale, x, a, ma, b, mb, forwardMasked, zeros);
        double[] y = new double[m * n]; // [m×n]
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) s += (double) x[i * k + p] * w[j * k + p];
                double prior = beta == 0 ? 0 : beta * y0[i * n + j];
                y[i * n + j] = s + prior + lora.y()[i * n + j];
            }
        return new Forward(lora.u(), y);
    }

    /**
     * g = dy·B'; dx = dx0 + scale·g·A'; da = scale·(gᵀ·x)⊙ma (+ da0); db = scale·(dyᵀ·u)⊙mb (+ db0).
     * u [m×r] and dy [m×n] are inputs; dx0/da0/db0 may be null (treated as 0, i.e. not accumulating).
     */
    public static Backward backward(int m, int k, int n, int r, double scale, float[] x, float[] a, byte[] ma,
                                    float[] b, byte[] mb, boolean forwardMasked, float[] u, float[] dy,
                                    float[] dx0, float[] da0, float[] db0) {
        double[] g = new double[m * r]; // [m×r]
        for (int i = 0; i < m; i++)
            for (int q = 0; q < r; q++) {
                double s = 0;
                for (int j = 0; j < n; j++) s += dy[i * n + j] * eff(b, mb, j * r + q, forwardMasked);
                g[i * r + q] = s;
            }
        double[] dx = new double[m * k]; // [m×k]
        for (int i = 0; i < m; i++)
            for (int p = 0; p < k; p++) {
                double s = 0;
                for (int q = 0; q < r; q++) s += g[i * r + q] * eff(a, ma, q * k + p, forwardMasked);
                dx[i * k + p] = (dx0 == null ? 0 : dx0[i * k + p]) + scale * s;
            }
        double[] da = new double[r * k]; // [r×k]
        for (int q = 0; q < r; q++)
            for (int p = 0; p < k; p++) {
                int idx = q * k + p;
                double prior = da0 == null ? 0 : da0[idx];
                if (!on(ma, idx)) { da[idx] = prior; continue; }
                double s = 0;
                for (int i = 0; i < m; i++) s += g[i * r + q] * x[i * k + p];
                da[idx] = prior + scale * s;
            }
        double[] db = new double[n * r]; // [n×r]
        for (int j = 0; j < n; j++)
            for (int q = 0; q < r; q++) {
                int idx = j * r + q;
                double prior = db0 == null ? 0 : db0[idx];
                if (!on(mb, idx)) { db[idx] = prior; continue; }
                double s = 0;
                for (int i = 0; i < m; i++) s += (double) dy[i * n + j] * u[i * r + q];
                db[idx] = prior + scale * s;
            }
        return new Backward(g, dx, da, db);
    }

    /**
     * The whole layer's backward: g, da, db as in {@link #backward}; dx = dy·w + scale·g·A' + betaDx·dx0
     * (dx0 not read when betaDx == 0, as lorapar.h says). w [n×k].
     */
    public static Backward linearBackward(int m, int k, int n, int r, double scale, float[] x, float[] w, float[] a,
                                          byte[] ma, float[] b, byte[] mb, boolean forwardMasked, float[] u,
                                          float[] dy, double betaDx, float[] dx0, float[] da0, float[] db0) {
        return linearBackward(m, k, n, r, scale, x, dyTimesW(m, k, n, dy, w), a, ma, b, mb, forwardMasked, u, dy,
                betaDx, dx0, da0, db0);
    }

    /** As above with dyW = dy·w [m×k] given (the costly part, shared by several calls on one input). */
    public static Backward linearBackward(int m, int k, int n, int r, double scale, float[] x, double[] dyW, float[] a,
                                          byte[] ma, float[] b, byte[] mb, boolean forwardMasked, float[] u,
                                          float[] dy, double betaDx, float[] dx0, float[] da0, float[] db0) {
        Backward lora = backward(m, k, n, r, scale, x, a, ma, b, mb, forwardMasked, u, dy, null, da0, db0);
        double[] dx = lora.dx(); // [m×k], the LoRA term alone so far
        for (int i = 0; i < m * k; i++) dx[i] += dyW[i] + (betaDx == 0 ? 0 : betaDx * dx0[i]);
        return lora;
    }

    /** dy [m×n] · w [n×k] in double. */
    public static double[] dyTimesW(int m, int k, int n, float[] dy, float[] w) {
        double[] out = new double[m * k]; // [m×k]
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) {
                double d = dy[i * n + j];
                for (int p = 0; p < k; p++) out[i * k + p] += d * w[j * k + p];
            }
        return out;
    }
}
