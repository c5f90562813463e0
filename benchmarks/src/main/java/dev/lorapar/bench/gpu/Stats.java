package dev.lorapar.bench.gpu;

import java.util.Arrays;

/**
 * Timing of one measurement: milliseconds per call, median and minimum over the samples.
 *
 * @param medianMillis   median over samples of (sample time / calls per sample)
 * @param minMillis      the fastest sample, per call
 * @param samples        number of timed samples
 * @param callsPerSample calls batched into each sample
 */
record Stats(double medianMillis, double minMillis, int samples, int callsPerSample) {

    /** perCallMillis [samples] — one value per sample, already divided by the calls per sample. */
    static Stats of(double[] perCallMillis, int callsPerSample) {
        if (perCallMillis.length == 0) {
            throw new IllegalArgumentException("no samples");
        }
        double min = Arrays.stream(perCallMillis).min().orElseThrow();
        return new Stats(median(perCallMillis), min, perCallMillis.length, callsPerSample);
    }

    /** The median of values [n ≥ 1] (the mean of the two middle ones when n is even). */
    static double median(double[] values) {
        if (values.length == 0) {
            throw new IllegalArgumentException("median of no values");
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return (n % 2 == 1) ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
    }
}
