package dev.lorapar.bench.gpu;

import java.util.Locale;

/**
 * A measured value held against a target of the project.
 *
 * @param value  the value as shown ("1.034x", "81.2%", "12.3 ms", "+0.8%")
 * @param target the target as shown ("<= 1.08x", ...)
 * @param result PASS, MISS, or n/a when the value could not be computed (NaN)
 */
record Check(String value, String target, String result) {

    static Check ratioAtMost(double ratio, double limit) {
        return of(ratio, fmt("%.3fx", ratio), fmt("<= %.2fx", limit), ratio <= limit);
    }

    static Check percentAtLeast(double percent, double limit, String ofWhat) {
        return of(percent, fmt("%.1f%% of %s", percent, ofWhat), fmt(">= %.0f%% of %s", limit, ofWhat),
                percent >= limit);
    }

    static Check millisBelow(double millis, double limit) {
        return of(millis, fmt("%.2f ms", millis), fmt("< %.0f ms", limit), millis < limit);
    }

    static Check deltaWithin(double deltaPercent, double limitPercent) {
        return of(deltaPercent, fmt("%+.2f%%", deltaPercent), fmt("within +-%.0f%%", limitPercent),
                Math.abs(deltaPercent) <= limitPercent);
    }

    private static Check of(double value, String shown, String target, boolean pass) {
        if (Double.isNaN(value)) {
            return new Check("n/a", target, "n/a");
        }
        return new Check(shown, target, pass ? "PASS" : "MISS");
    }

    static String fmt(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }
}
