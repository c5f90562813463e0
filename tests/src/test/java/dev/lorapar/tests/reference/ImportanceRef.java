package dev.lorapar.tests.reference;

import java.util.List;

/** Taylor importance of lorapar.h in double: accumulate, finalize, global L2 norm. */
public final class ImportanceRef {
    private ImportanceRef() {}

    /** s1[i] += g[i]·p[i]; s2[i] += (g[i]·p[i])², in place (double accumulators, [n] each). */
    public static void accumulate(float[] grad, float[] param, double[] s1, double[] s2) {
        for (int i = 0; i < grad.length; i++) {
            double p = (double) grad[i] * param[i];
            s1[i] += p;
            s2[i] += p * p;
        }
    }

    /** importance[i] = |s1[i] − ½·s2[i]| / numSamples, [n]. */
    public static double[] finalizeImportance(float[] s1, float[] s2, long numSamples) {
        double[] out = new double[s1.length]; // [n]
        for (int i = 0; i < s1.length; i++) out[i] = Math.abs(s1[i] - 0.5 * s2[i]) / numSamples;
        return out;
    }

    public static double[] finalizeImportance(double[] s1, double[] s2, long numSamples) {
        double[] out = new double[s1.length]; // [n]
        for (int i = 0; i < s1.length; i++) out[i] = Math.abs(s1[i] - 0.5 * s2[i]) / numSamples;
        return out;
    }

    /** sqrt(Σ_t Σ_i x[t][i]²). */
    public static double globalNorm(List<float[]> xs) {
        double sum = 0;
        for (float[] x : xs) for (float v : x) sum += (double) v * v;
        return Math.sqrt(sum);
    }
}
