package dev.lorapar.eval.report;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;

/** The field names of the run file and the one rule for non-finite numbers, shared by writer and reader. */
final class RunJsonFields {
    static final String FORMAT = "lorapar-eval-run";
    static final int VERSION = 1;

    private RunJsonFields() {
    }

    /** Finite doubles as JSON numbers, non-finite ones as the strings "NaN", "Infinity", "-Infinity". */
    static void writeDouble(JsonGenerator g, double v) throws IOException {
        if (Double.isFinite(v)) g.writeNumber(v);
        else g.writeString(Double.isNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity");
    }

    /** The double a non-finite string stands for, or null when it is none of them. */
    static Double nonFinite(String s) {
        return switch (s) {
            case "NaN" -> Double.NaN;
            case "Infinity" -> Double.POSITIVE_INFINITY;
            case "-Infinity" -> Double.NEGATIVE_INFINITY;
            default -> null;
        };
    }
}
