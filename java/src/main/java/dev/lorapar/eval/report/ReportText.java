package dev.lorapar.eval.report;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Locale;

/** Number and text formats of the Markdown reports, independent of the default locale. */
final class ReportText {
    static final String NONE = "—";

    private ReportText() {
    }

    /** A metric value with 4 decimals; "NaN" / "Infinity" / "-Infinity" for non-finite ones. */
    static String value(double v) {
        if (Double.isNaN(v)) return "NaN";
        if (Double.isInfinite(v)) return v > 0 ? "Infinity" : "-Infinity";
        return String.format(Locale.ROOT, "%.4f", v);
    }

    /** A difference with its sign always shown ("+0.0100", "-0.0100", "+0.0000"). */
    static String signed(double v) {
        if (!Double.isFinite(v)) return value(v);
        String s = String.format(Locale.ROOT, "%.4f", v);
        if (s.equals("-0.0000")) s = "0.0000";
        return s.startsWith("-") ? s : "+" + s;
    }

    static String interval(Bootstrap.Interval ci, boolean signed) {
        if (ci == null || Double.isNaN(ci.low()) || Double.isNaN(ci.high())) return NONE;
        return signed ? "[" + signed(ci.low()) + ", " + signed(ci.high()) + "]"
                : "[" + value(ci.low()) + ", " + value(ci.high()) + "]";
    }

    /** A confidence level as a percentage without needless decimals: 0.95 → "95%", 0.975 → "97.5%". */
    static String level(double level) {
        return new BigDecimal(Double.toString(level * 100)).stripTrailingZeros().toPlainString() + "%";
    }

    /** h:mm:ss. */
    static String duration(Duration d) {
        long s = d.getSeconds();
        String sign = s < 0 ? "-" : "";
        s = Math.abs(s);
        return String.format(Locale.ROOT, "%s%d:%02d:%02d", sign, s / 3600, (s / 60) % 60, s % 60);
    }

    /** Text made safe for one Markdown table cell: pipes escaped, line breaks as spaces. */
    static String cell(String s) {
        if (s == null) return NONE;
        return s.replace("\\", "\\\\").replace("|", "\\|").replace("\r\n", " ").replace('\n', ' ').replace('\r', ' ');
    }

    /** Text shown as inline code (backticks in it become apostrophes). */
    static String code(String s) {
        return "`" + s.replace('`', '\'').replace('\n', ' ').replace('\r', ' ') + "`";
    }
}
