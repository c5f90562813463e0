package dev.lorapar.rl;

import dev.lorapar.tokenizer.PythonStrings;

/**
 * Text handling of the method's GSM8K rewards, written to behave as the reference script's Python does.
 */
public final class XmlAnswer {
    private XmlAnswer() {
    }

    /**
     * The answer of a completion: the text after the last {@code <answer>} (the whole text when there is none), up to
     * the first {@code </answer>} after it, stripped of surrounding whitespace — Python's
     * {@code text.split("<answer>")[-1].split("</answer>")[0].strip()}.
     */
    public static String extract(String completion) {
        int open = completion.lastIndexOf("<answer>");
        String after = open < 0 ? completion : completion.substring(open + "<answer>".length());
        int close = after.indexOf("</answer>");
        return PythonStrings.strip(close < 0 ? after : after.substring(0, close));
    }

    /**
     * The reference answer of a GSM8K solution: the text after the first {@code ####} up to the next {@code ####}
     * (Python's {@code split("####")[1]}), stripped; null when the solution has no {@code ####}.
     */
    public static String hashAnswer(String solution) {
        int at = solution.indexOf("####");
        if (at < 0) {
            return null;
        }
        String rest = solution.substring(at + 4);
        int next = rest.indexOf("####");
        return PythonStrings.strip(next < 0 ? rest : rest.substring(0, next));
    }

    /** Drops thousands commas and dollar signs (how the method compares numbers as text). */
    public static String withoutCommasAndDollars(String text) {
        return text.replace(",", "").replace("$", "");
    }

    /** Python's {@code str.isdigit()}: non-empty and every code point a digit. */
    public static boolean isDigits(String text) {
        return !text.isEmpty() && text.codePoints().allMatch(Character::isDigit);
    }

    /** Python's {@code str.count(sub)}: non-overlapping occurrences, left to right. */
    public static int count(String text, String sub) {
        int n = 0;
        for (int at = text.indexOf(sub); at >= 0; at = text.indexOf(sub, at + sub.length())) {
            n++;
        }
        return n;
    }

    /** Python's {@code len(text.split(sep)[-1])}: code points after the last {@code sep} (the whole text without one). */
    public static int lengthAfterLast(String text, String sep) {
        int at = text.lastIndexOf(sep);
        String tail = at < 0 ? text : text.substring(at + sep.length());
        return tail.codePointCount(0, tail.length());
    }
}
