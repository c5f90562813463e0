package dev.lorapar.tokenizer;

/** Python's whitespace rules, for templates and rewards that must match a Python reference exactly. */
public final class PythonStrings {
    private PythonStrings() {
    }

    /** Python's {@code str.strip()}: removes leading and trailing characters that Python calls whitespace. */
    public static String strip(String text) {
        int from = 0;
        int to = text.length();
        while (from < to && isPythonSpace(text.charAt(from))) {
            from++;
        }
        while (to > from && isPythonSpace(text.charAt(to - 1))) {
            to--;
        }
        return text.substring(from, to);
    }

    /** Python's {@code str.isspace} for one char: category Zs, or bidirectional class WS, B or S. */
    private static boolean isPythonSpace(char c) {
        byte direction = Character.getDirectionality(c);
        return Character.getType(c) == Character.SPACE_SEPARATOR
                || direction == Character.DIRECTIONALITY_WHITESPACE
                || direction == Character.DIRECTIONALITY_PARAGRAPH_SEPARATOR
                || direction == Character.DIRECTIONALITY_SEGMENT_SEPARATOR;
    }
}
