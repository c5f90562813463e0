package dev.lorapar.tests.reference;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Arrays;

/**
 * Plain-Java references of the token-generation ops: KV-cache writes and decode attention in double
 * precision, and lp_sample re-implemented independently from its contract in lorapar.h (the same fp32
 * weight function via Math.fma, splitmix64, thresholds from a full descending sort, ⌈top_p·M⌉ with
 * BigDecimal), so the reference predicts the exact id; plus the true truncated softmax distribution
 * (double precision) for frequency tests.
 */
public final class DecodeRef {
    private DecodeRef() {}

    /** cache [cacheSlots×rowWidth] after row t of rows [n×rowWidth] went to slot[t] (in order: last row wins). */
    public static float[] kvCacheWrite(float[] cache0, float[] rows, int[] slot, int rowWidth) {
        float[] cache = cache0.clone();
        for (int t = 0; t < slot.length; t++) System.arraycopy(rows, t * rowWidth, cache, slot[t] * rowWidth, rowWidth);
        return cache;
    }

    /**
     * out [batch×nHeads×headDim]: query (b, h) against keys 0..lengths[b]−1 of kv head h/(nHeads/nKvHeads) of
     * caches [batch×maxLen×nKvHeads×headDim]; zeros for lengths[b] == 0.
     */
    public static double[] attentionDecode(double[] q, double[] kCache, double[] vCache, int[] lengths, int nHeads,
                                           int nKvHeads, int headDim, int maxLen, double scale) {
        int batch = lengths.length, group = nHeads / nKvHeads;
        double[] out = new double[batch * nHeads * headDim];
        for (int b = 0; b < batch; b++)
            for (int h = 0; h < nHeads; h++) {
                int len = lengths[b], kvh = h / group, qi = (b * nHeads + h) * headDim;
                if (len == 0) continue;
                double[] s = new double[len];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < len; j++) {
                    int kj = ((b * maxLen + j) * nKvHeads + kvh) * headDim;
                    double dot = 0;
                    for (int d = 0; d < headDim; d++) dot += q[qi + d] * kCache[kj + d];
                    s[j] = scale * dot;
                    max = Math.max(max, s[j]);
                }
                double sum = 0;
                for (int j = 0; j < len; j++) sum += Math.exp(s[j] - max);
                for (int j = 0; j < len; j++) {
                    double p = Math.exp(s[j] - max) / sum;
                    int vj = ((b * maxLen + j) * nKvHeads + kvh) * headDim;
                    for (int d = 0; d < headDim; d++) out[qi + d] += p * vCache[vj + d];
                }
            }
        return out;
    }

    // ------------------------------------------------------------------ sampling

    /** ⌊2^31·e^z⌋ for z ≤ 0 by the fp32 sequence of sample_math.h (each step rounded to float, FMAs fused). */
    public static long weight(float z) {
        if (!(z > -22.0f)) return 0;
        float n = (float) Math.rint(z * 1.44269502e+00f);
        float r = Math.fma(n, -6.93145752e-01f, z);
        r = Math.fma(n, -1.42860677e-06f, r);
        float p = 1.98412701e-04f;
        p = Math.fma(p, r, 1.38888892e-03f);
        p = Math.fma(p, r, 8.33333377e-03f);
        p = Math.fma(p, r, 4.16666679e-02f);
        p = Math.fma(p, r, 1.66666672e-01f);
        p = Math.fma(p, r, 5.00000000e-01f);
        p = Math.fma(p, r, 1.00000000e+00f);
        p = Math.fma(p, r, 1.00000000e+00f);
        int shift = -(int) n;
        if (shift > 31) return 0;
        long fixed = (long) (p * 0x1p31f); // exact product, truncated
        return fixed >>> shift;
    }

    static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /** The 64 random bits of draw `step` of stream `seed` (seed read as unsigned 64 bits). */
    public static long random(long seed, long step) {
        return mix64(mix64(seed) + (step + 1) * 0x9e3779b97f4a7c15L);
    }

    /** Weights w [vocab] of one row at temperature T > 0: z = (x − max)·min(1/T, Float.MAX_VALUE). */
    public static long[] weights(float[] row, float temperature) {
        float max = Float.NEGATIVE_INFINITY;
        for (float x : row) max = Math.max(max, x);
        float inverse = Math.min(1.0f / temperature, Float.MAX_VALUE);
        long[] w = new long[row.length];
        for (int i = 0; i < row.length; i++) w[i] = weight((row[i] - max) * inverse);
        return w;
    }

    /** ⌈topP·mass⌉ exactly. */
    public static long topPTarget(float topP, long mass) {
        return new BigDecimal(topP).multiply(BigDecimal.valueOf(mass)).setScale(0, RoundingMode.CEILING).longValueExact();
    }

    /** The threshold t of the kept set {i : w_i ≥ t}, from a full descending sort of the weights. */
    public static long threshold(long[] w, int topK, float topP) {
        long[] sorted = w.clone();
        Arrays.sort(sorted);
        for (int i = 0, j = sorted.length - 1; i < j; i++, j--) {
            long x = sorted[i];
            sorted[i] = sorted[j];
            sorted[j] = x;
        }
        long t = topK > 0 && topK < w.length ? sorted[topK - 1] : 0;
        if (topP < 1.0f) {
            long mass = 0;
            for (long x : sorted) if (x >= t) mass += x;
            long target = topPTarget(topP, mass), running = 0;
            for (long x : sorted) {
                running += x;
                if (running >= target) {
                    t = x;
                    break;
                }
            }
        }
        return t;
    }

    /** The kept ids of a row: w_i ≥ threshold (ties at the threshold all kept). */
    public static boolean[] kept(float[] row, float temperature, int topK, float topP) {
        long[] w = weights(row, temperature);
        long t = threshold(w, topK, topP);
        boolean[] keep = new boolean[w.length];
        for (int i = 0; i < w.length; i++) keep[i] = w[i] >= t && w[i] > 0;
        return keep;
    }

    /** The id lp_sample draws for one row (F32 logits, valid parameters). */
    public static int sample(float[] row, float temperature, int topK, float topP, long seed, long step) {
        if (temperature <= 0) {
            int best = 0;
            for (int i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
            return best;
        }
        long[] w = weights(row, temperature);
        long t = threshold(w, topK, topP), kept = 0;
        for (long x : w) if (x >= t) kept += x;
        long u = Math.unsignedMultiplyHigh(random(seed, step), kept), running = 0;
        for (int i = 0; i < w.length; i++) {
            if (w[i] < t) continue;
            running += w[i];
            if (running > u) return i;
        }
        throw new AssertionError("the running kept mass never passed u");
    }

    /** The truncated, renormalised softmax (double precision) over the kept ids of a row. */
    public static double[] distribution(float[] row, float temperature, int topK, float topP) {
        boolean[] keep = kept(row, temperature, topK, topP);
        double max = Double.NEGATIVE_INFINITY;
        for (float x : row) max = Math.max(max, x);
        double[] p = new double[row.length];
        double sum = 0;
        for (int i = 0; i < row.length; i++) {
            if (!keep[i]) continue;
            p[i] = Math.exp((row[i] - max) / temperature);
            sum += p[i];
        }
        for (int i = 0; i < row.length; i++) p[i] /= sum;
        return p;
    }
}
