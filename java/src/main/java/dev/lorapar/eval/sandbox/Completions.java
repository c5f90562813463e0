package dev.lorapar.eval.sandbox;

import java.util.List;

/** Stop sequences for HumanEval generation and the truncation of a completion at the first of them. */
public final class Completions {
    private Completions() {
    }

    /** Codex paper / human-eval stop sequences: a new top-level def, class, main guard, print, or comment. */
    public static final List<String> STOP_SEQUENCES = List.of("\ndef ", "\nclass ", "\nif __name__", "\nprint(", "\n#");

    /** {@code completion} cut before the earliest stop sequence (unchanged when none occurs). */
    public static String truncate(String completion) {
        return truncate(completion, STOP_SEQUENCES);
    }

    /** {@code completion} cut before the earliest occurrence of any of {@code stops}. */
    public static String truncate(String completion, List<String> stops) {
        int cut = completion.length();
        for (String s : stops) {
            if (s.isEmpty()) throw new IllegalArgumentException("empty stop sequence");
            int at = completion.indexOf(s);
            if (at >= 0 && at < cut) cut = at;
        }
        return completion.substring(0, cut);
    }
}
