package dev.lorapar.serve;

import java.util.Locale;

/** A Prometheus histogram of seconds with fixed bucket bounds; thread-safe. */
final class LatencyHistogram {
    private static final double[] BOUNDS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
    private final String name, help;
    private final long[] counts = new long[BOUNDS.length + 1]; // last: +Inf only
    private double sum;
    private long count;

    LatencyHistogram(String name, String help) {
        this.name = name;
        this.help = help;
    }

    synchronized void observe(double seconds) {
        int i = 0;
        while (i < BOUNDS.length && seconds > BOUNDS[i]) {
            i++;
        }
        counts[i]++;
        sum += seconds;
        count++;
    }

    synchronized long count() {
        return count;
    }

    synchronized void render(StringBuilder out) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(" histogram\n");
        long cumulative = 0;
        for (int i = 0; i < BOUNDS.length; i++) {
            cumulative += counts[i];
            out.append(name).append("_bucket{le=\"").append(format(BOUNDS[i])).append("\"} ").append(cumulative)
                    .append('\n');
        }
        out.append(name).append("_bucket{le=\"+Inf\"} ").append(count).append('\n');
        out.append(name).append("_sum ").append(format(sum)).append('\n');
        out.append(name).append("_count ").append(count).append('\n');
    }

    static String format(double v) {
        return String.format(Locale.ROOT, "%s", v);
    }
}
