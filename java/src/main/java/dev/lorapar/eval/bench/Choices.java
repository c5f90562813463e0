package dev.lorapar.eval.bench;

import java.util.List;

/** Checks a choice list: 2 to 26 entries. */
final class Choices {
    private Choices() {
    }

    static List<String> check(Fields fields, String field, List<String> choices) {
        if (choices.size() < 2 || choices.size() > 26) {
            throw fields.fail("\"" + field + "\" has " + choices.size() + " choices; expected 2 to 26");
        }
        return choices;
    }

    /** The index of a label {@code A}, {@code B}, … among {@code count} choices, or -1. */
    static int labelIndex(String label, int count) {
        if (label.length() != 1) {
            return -1;
        }
        int index = label.charAt(0) - 'A';
        return index >= 0 && index < count ? index : -1;
    }
}
