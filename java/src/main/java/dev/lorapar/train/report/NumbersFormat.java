package dev.lorapar.train.report;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.Locale;

/**
 * The number formats of progress lines, logs and plots, independent of the default locale (always a
 * decimal point): counts and rates with k/M/G/T, durations as h:mm:ss, bytes in binary units, losses
 * and learning rates. Non-finite inputs give a readable token ("NaN", "Inf", "-:--:--"), never an exception.
 */
public final class NumbersFormat {
    private static final String[] SI = {"", "k", "M", "G", "T", "P", "E"};
    private static final String[] BINARY = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};

    /** What {@link #duration} prints for an unknown (NaN, infinite or negative) duration. */
    public static final String UNKNOWN_DURATION = "-:--:--";

    private NumbersFormat() {
    }

    /**
     * A count or rate with three significant digits and an SI suffix: 0.5 → "0.500", 950 → "950",
     * 12345 → "12.3k", 999_999 → "1.00M", 4.2e9 → "4.20G". Negative values keep their sign.
     */
    public static String count(double value) {
        if (Double.isNaN(value)) return "NaN";
        if (Double.isInfinite(value)) return value > 0 ? "Inf" : "-Inf";
        String sign = value < 0 ? "-" : "";
        double v = Math.abs(value);
        int unit = 0;
        while (v >= 1000 && unit < SI.length - 1) {
            v /= 1000;
            unit++;
        }
        String digits = threeSignificant(v);
        if (digits.equals("1000") && unit < SI.length - 1) { // 999.6 rounds up into the next unit
            digits = "1.00";
            unit++;
        }
        return sign + digits + SI[unit];
    }

    /** Tokens per second: "12.3k tok/s". */
    public static String tokensPerSecond(double tokensPerSecond) {
        return count(tokensPerSecond) + " tok/s";
    }

    /** Three significant digits of v ≥ 0: "0.500", "0.0446", "9.50", "95.0", "950"; "1000" when it rounds up. */
    private static String threeSignificant(double v) {
        if (v == 0) return "0";
        if (v < 0.01) return String.format(Locale.ROOT, "%.2e", v);
        BigDecimal r = new BigDecimal(v).round(new MathContext(3, RoundingMode.HALF_UP));
        int magnitude = r.precision() - r.scale() - 1; // floor(log10(r))
        return r.setScale(Math.max(0, 2 - magnitude), RoundingMode.HALF_UP).toPlainString();
    }

    /** A duration as h:mm:ss, seconds rounded to nearest: 7 → "0:00:07", 93_784 → "26:03:04". */
    public static String duration(double seconds) {
        if (!Double.isFinite(seconds) || seconds < 0 || seconds > 3.6e15) return UNKNOWN_DURATION;
        long total = Math.round(seconds);
        long h = total / 3600;
        long m = (total / 60) % 60;
        long s = total % 60;
        return String.format(Locale.ROOT, "%d:%02d:%02d", h, m, s);
    }

    /** {@link #duration(double)} of a {@link Duration} (null or negative → {@link #UNKNOWN_DURATION}). */
    public static String duration(Duration duration) {
        if (duration == null) return UNKNOWN_DURATION;
        return duration(duration.getSeconds() + duration.getNano() / 1e9);
    }

    /**
     * Bytes in binary units with one decimal from KiB up: 512 → "512 B", 1536 → "1.5 KiB",
     * 41_019_736_064 → "38.2 GiB". Negative (unknown) → "?".
     */
    public static String bytes(long bytes) {
        if (bytes < 0) return "?";
        int unit = unitOf(bytes);
        return scaled(bytes, unit) + " " + BINARY[unit];
    }

    /**
     * Used out of total, in the unit of the total: "38.2/139.7 GiB". A negative total prints the
     * used bytes alone; a negative used prints "?".
     */
    public static String bytesOf(long used, long total) {
        if (used < 0) return "?";
        if (total < 0) return bytes(used);
        int unit = unitOf(Math.max(used, total));
        return scaled(used, unit) + "/" + scaled(total, unit) + " " + BINARY[unit];
    }

    /** The binary unit that shows {@code bytes} as 1.0 … 1023.9 after rounding (B below 1 KiB). */
    private static int unitOf(long bytes) {
        if (bytes < 1024) return 0;
        int unit = 1;
        while (unit < BINARY.length - 1 && bytes / Math.pow(1024, unit) >= 1023.95) unit++;
        return unit;
    }

    private static String scaled(long bytes, int unit) {
        if (unit == 0) return Long.toString(bytes);
        return String.format(Locale.ROOT, "%.1f", bytes / Math.pow(1024, unit));
    }

    /** A loss: four decimals below 1e4 ("1.2346"), else three-digit scientific ("1.23e+05"); "NaN", "Inf". */
    public static String loss(double loss) {
        if (Double.isNaN(loss)) return "NaN";
        if (Double.isInfinite(loss)) return loss > 0 ? "Inf" : "-Inf";
        if (Math.abs(loss) < 1e4) return String.format(Locale.ROOT, "%.4f", loss);
        return String.format(Locale.ROOT, "%.2e", loss);
    }

    /** A learning rate (or any small positive quantity) in scientific notation: "2.00e-04", 0 → "0". */
    public static String scientific(double value) {
        if (Double.isNaN(value)) return "NaN";
        if (Double.isInfinite(value)) return value > 0 ? "Inf" : "-Inf";
        if (value == 0) return "0";
        return String.format(Locale.ROOT, "%.2e", value);
    }

    /** A fraction done as a percentage with one decimal: (450, 1000) → "45.0%"; total ≤ 0 → "?%". */
    public static String percent(long done, long total) {
        if (total <= 0) return "?%";
        return String.format(Locale.ROOT, "%.1f%%", 100.0 * done / total);
    }
}
