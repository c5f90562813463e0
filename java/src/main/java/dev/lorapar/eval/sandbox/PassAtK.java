package dev.lorapar.eval.sandbox;

import java.util.List;

/**
 * The unbiased pass@k estimator of Chen et al. 2021 (Codex paper): for a problem with n samples of which c pass,
 * pass@k = 1 − C(n−c, k) / C(n, k), computed as the product 1 − ∏_{i=n−c+1}^{n} (1 − k / i), which never forms the
 * large binomials; the score of a benchmark is the mean over its problems.
 */
public final class PassAtK {
    private PassAtK() {
    }

    /** pass@k of one problem; 1 when fewer than k samples fail (every k-subset holds a pass). */
    public static double estimate(int n, int c, int k) {
        if (n < 1) throw new IllegalArgumentException("n " + n + " < 1");
        if (c < 0 || c > n) throw new IllegalArgumentException("c " + c + " outside [0, " + n + "]");
        if (k < 1 || k > n) throw new IllegalArgumentException("k " + k + " outside [1, n = " + n + "]");
        if (n - c < k) return 1.0;
        double allFail = 1.0;
        for (int i = n - c + 1; i <= n; i++) allFail *= 1.0 - (double) k / i;
        return 1.0 - allFail;
    }

    /** Mean pass@k over problems given as {n, c} pairs. */
    public static double mean(List<int[]> samplesAndPasses, int k) {
        if (samplesAndPasses.isEmpty()) throw new IllegalArgumentException("no problems");
        double sum = 0;
        for (int[] nc : samplesAndPasses) {
            if (nc.length != 2) throw new IllegalArgumentException("expected {n, c}, got " + nc.length + " numbers");
            sum += estimate(nc[0], nc[1], k);
        }
        return sum / samplesAndPasses.size();
    }
}
