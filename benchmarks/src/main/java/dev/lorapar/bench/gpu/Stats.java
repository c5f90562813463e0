package dev.lorapar.bench.gpu;

import java.util.Arrays;

/**
 * Timing of one measurement: milliseconds per call, median and minimum over the samples.
 *
 * @param medianMillis   median over samples of (sample time / calls per sample)
 * @param minMillis      the fastest sample, per call
 * @param samples        number of timed samples
 * @param callsPerSample calls batched into each sample
 * @param hostMillis     median over samples of the host's time to enqueue one call (NaN when not
 *                       measured); when it reaches medianMillis the GPU waited for the host
 */
record Stats(double medianMillis, double minMillis, int samples, int callsPerSample, double hostMillis) {

    /** perCallMillis [samples] — one value per sample, already divided by the calls per sample. */
    static Stats of(double[] perCallMillis, int callsPerSample) {
        return of(perCallMillis, callsPerSample, null);
    }

    /** As {@link #of(double[], int)} with hostPerCallMillis [samples] (or null): host enqueue time per call. */
    static Stats of(double[] perCallMillis, int callsPerSample, double[] hostPerCallMillis) {
        if (perCallMillis.length == 0) {
            throw new IllegalArgumentException("no samples");
        }
        double min = Arrays.stream(perCallMillis).min().orElseThrow();
        double host = hostPerCallMillis == null ? Double.NaN : median(hostPerCallMillis);
        return new Stats(median(perCallMillis), min, perCallMillis.length, callsPerSample, host);
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
