package dev.lorapar.eval.report;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Percentile bootstrap confidence intervals for means of per-item values and for differences of means between
 * two runs. Values that are not finite (unscored items) are left out first. Every interval is a pure function of
 * its inputs and the seed ({@link SplittableRandom}): the same call gives the same interval on any machine.
 *
 * <p>The interval is the (α/2, 1 − α/2) quantiles, α = 1 − level, of the B resampled statistics, each quantile
 * interpolated linearly between order statistics (h = (B − 1)·q, Hyndman–Fan type 7).
 */
public final class Bootstrap {
    public static final int DEFAULT_RESAMPLES = 10_000;
    public static final long DEFAULT_SEED = 42;
    public static final double DEFAULT_LEVEL = 0.95;

    private Bootstrap() {
    }

    /** A closed interval; NaN ends when it could not be computed (no values). */
    public record Interval(double low, double high) {
        /** True when the interval lies entirely above or below zero: a significant difference at its level. */
        public boolean excludesZero() {
            return low > 0 || high < 0;
        }

        public boolean contains(double x) {
            return low <= x && x <= high;
        }

        public double width() {
            return high - low;
        }
    }

    /** The CI of the mean of {@code values}. */
    public static Interval meanCi(double[] values, int resamples, long seed, double level) {
        check(resamples, level);
        double[] v = finite(values);
        if (v.length == 0) return new Interval(Double.NaN, Double.NaN);
        SplittableRandom rng = new SplittableRandom(seed);
        double[] stats = new double[resamples];
        for (int b = 0; b < resamples; b++) stats[b] = resampledMean(v, rng);
        return percentiles(stats, level);
    }

    /**
     * The CI of mean(second − first) over paired items: {@code first[i]} and {@code second[i]} belong to the same
     * item, and each resample draws item indices with replacement and keeps the pairs together. Pairs with a
     * non-finite value on either side are left out.
     */
    public static Interval pairedDifferenceCi(double[] first, double[] second, int resamples, long seed, double level) {
        check(resamples, level);
        if (first.length != second.length) {
            throw new IllegalArgumentException("paired bootstrap: " + first.length + " and " + second.length + " values are not pairs");
        }
        int n = 0;
        double[] d = new double[first.length];
        for (int i = 0; i < first.length; i++) {
            if (Double.isFinite(first[i]) && Double.isFinite(second[i])) d[n++] = second[i] - first[i];
        }
        if (n == 0) return new Interval(Double.NaN, Double.NaN);
        d = Arrays.copyOf(d, n);
        SplittableRandom rng = new SplittableRandom(seed);
        double[] stats = new double[resamples];
        for (int b = 0; b < resamples; b++) stats[b] = resampledMean(d, rng);
        return percentiles(stats, level);
    }

    /** The CI of mean(second) − mean(first) for unrelated items: each side resampled on its own. */
    public static Interval unpairedDifferenceCi(double[] first, double[] second, int resamples, long seed, double level) {
        check(resamples, level);
        double[] a = finite(first);
        double[] b = finite(second);
        if (a.length == 0 || b.length == 0) return new Interval(Double.NaN, Double.NaN);
        SplittableRandom rng = new SplittableRandom(seed);
        double[] stats = new double[resamples];
        for (int r = 0; r < resamples; r++) {
            double ma = resampledMean(a, rng);
            stats[r] = resampledMean(b, rng) - ma;
        }
        return percentiles(stats, level);
    }

    /** The type-7 quantile {@code q} ∈ [0, 1] of sorted values. */
    public static double quantile(double[] sorted, double q) {
        if (sorted.length == 0) return Double.NaN;
        double h = (sorted.length - 1) * q;
        int lo = (int) Math.floor(h);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
    }

    /** A seed for one (benchmark, metric) derived from the run-level seed, so a row's interval does not depend on the other rows. */
    public static long rowSeed(long seed, String benchmark, String metric) {
        long z = seed ^ (((long) benchmark.hashCode()) << 32 | (metric.hashCode() & 0xffffffffL));
        z += 0x9e3779b97f4a7c15L;
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    private static double resampledMean(double[] v, SplittableRandom rng) {
        int n = v.length;
        double s = 0;
        for (int i = 0; i < n; i++) s += v[rng.nextInt(n)];
        return s / n;
    }

    private static Interval percentiles(double[] stats, double level) {
        Arrays.sort(stats);
        double alpha = 1 - level;
        return new Interval(quantile(stats, alpha / 2), quantile(stats, 1 - alpha / 2));
    }

    private static double[] finite(double[] values) {
        int n = 0;
        double[] out = new double[values.length];
        for (double x : values) if (Double.isFinite(x)) out[n++] = x;
        return n == out.length ? out : Arrays.copyOf(out, n);
    }

    private static void check(int resamples, double level) {
        if (resamples < 1) throw new IllegalArgumentException("bootstrap resamples " + resamples + " < 1");
        if (!(level > 0 && level < 1)) throw new IllegalArgumentException("confidence level " + level + " is not in (0, 1)");
    }
}
