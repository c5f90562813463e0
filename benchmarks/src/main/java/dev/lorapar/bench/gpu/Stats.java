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
        double[] sorted = perCallMillis.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        double median = (n % 2 == 1) ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
        return new Stats(median, sorted[0], n, callsPerSample);
    }
}
