package dev.lorapar.eval.bench;

import java.math.BigInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * MATH answers: finding the final answer in a solution and a light LaTeX normalisation under which two answers are
 * equal exactly when their normalised strings are.
 *
 * <p>{@link #normalize} handles, in this order: line breaks and {@code \!} removed; {@code \\} as {@code \};
 * {@code \dfrac}/{@code \tfrac} as {@code \frac}; {@code \left}/{@code \right} removed; degrees ({@code ^\circ},
 * {@code ^{\circ}}) removed; dollar signs removed; a trailing unit {@code \text{ cm}} / {@code \mbox{ units}} (its
 * text starting with a space) removed, then {@code \text{x}}, {@code \textbf{x}}, {@code \mbox{x}},
 * {@code \mathrm{x}} unwrapped; percent signs removed; LaTeX spacing ({@code \, \; \: \ ~}) and all spaces removed;
 * a short left side of one equation ({@code x=5}, {@code k=5}) dropped; {@code \frac12}, {@code \frac1{2}},
 * {@code \sqrt2} braced; trailing periods removed; a leading {@code .5} as {@code 0.5}; thousands commas in a lone
 * number removed ({@code 6,000}; a list {@code 0,1} stays). Then a value that is one number (integer, decimal,
 * {@code a/b}, {@code \frac{a}{b}}, each optionally negative) becomes {@link NumericAnswer}'s canonical form, so
 * {@code \frac{1}{2}}, {@code 1/2}, {@code \dfrac12} and {@code 0.5} are all {@code 0.5}, and {@code \frac{1}{3}}
 * is {@code 1/3} (while {@code 0.333} stays {@code 0.333}: no tolerance).
 *
 * <p>Not handled (compared as different): algebraically equal forms ({@code 2\sqrt{2}} vs {@code \sqrt{8}},
 * {@code \frac{\sqrt{3}}{3}} vs {@code \frac{1}{\sqrt{3}}}, {@code \pi/2} vs {@code \frac{\pi}{2}}), the order of
 * set or list elements, numbers inside tuples, intervals or matrices (compared as text after the rules above),
 * units written without {@code \text}, scientific notation, {@code \frac} of non-integers as numbers.
 */
public final class MathAnswer {
    private static final Pattern UNIT_AT_END = Pattern.compile("\\\\(?:text|mbox)\\{ [^{}]*\\}$");
    private static final Pattern TEXT_WRAPPER = Pattern.compile("\\\\(?:text|textbf|mbox|mathrm)\\{([^{}]*)\\}");
    private static final Pattern FRAC_UNBRACED = Pattern.compile("\\\\frac(\\d|\\{[^{}]*\\})(\\d|\\{[^{}]*\\})");
    private static final Pattern SQRT_UNBRACED = Pattern.compile("\\\\sqrt(\\w)");
    private static final Pattern LONE_GROUPED = Pattern.compile("-?\\d{1,3}(?:,\\d{3})+(?:\\.\\d+)?");
    private static final Pattern FRAC_NUMBER = Pattern.compile("(-?)\\\\frac\\{(-?\\d+)\\}\\{(-?\\d+)\\}");
    private static final Pattern SLASH_NUMBER = Pattern.compile("(-?\\d+)/(\\d+)");
    private static final Pattern LEFT = Pattern.compile("\\\\left(?![a-zA-Z])");
    private static final Pattern RIGHT = Pattern.compile("\\\\right(?![a-zA-Z])");
    private static final Pattern SPACES = Pattern.compile("\\s+");
    private static final Pattern DECIMAL = Pattern.compile("-?\\d+(?:\\.\\d+)?");
    private static final Pattern FINAL_ANSWER = Pattern.compile("final answer is", Pattern.CASE_INSENSITIVE);

    private MathAnswer() {
    }

    /** The normalised form of an answer, by the rules above. */
    public static String normalize(String answer) {
        String s = answer.replace("\n", "").replace("\r", "").replace("\\!", "");
        s = s.replace("\\\\", "\\");
        s = s.replace("\\dfrac", "\\frac").replace("\\tfrac", "\\frac");
        s = RIGHT.matcher(LEFT.matcher(s).replaceAll("")).replaceAll("");
        s = s.replace("^{\\circ}", "").replace("^\\circ", "");
        s = s.replace("\\$", "").replace("$", "");
        s = s.strip();
        s = UNIT_AT_END.matcher(s).replaceAll("").strip();
        s = unwrapText(s);
        s = s.replace("\\%", "").replace("%", "");
        s = s.replace("\\,", "").replace("\\;", "").replace("\\:", "").replace("\\ ", "").replace("~", "");
        s = SPACES.matcher(s).replaceAll("");
        s = dropShortLeftSide(s);
        s = braceFractions(s);
        s = SQRT_UNBRACED.matcher(s).replaceAll("\\\\sqrt{$1}");
        while (s.endsWith(".")) {
            s = s.substring(0, s.length() - 1);
        }
        if (s.startsWith(".") || s.startsWith("-.")) {
            s = s.replaceFirst("\\.", "0.");
        }
        if (LONE_GROUPED.matcher(s).matches()) {
            s = s.replace(",", "");
        }
        String number = asNumber(s);
        return number != null ? number : s;
    }

    /** True when both answers have the same normalised form. */
    public static boolean equivalent(String a, String b) {
        return normalize(a).equals(normalize(b));
    }

    /**
     * The final answer of a generated solution, normalised. Rules, first match wins: the last {@code \boxed{…}}
     * with balanced braces ({@link ExtractionRule#BOXED}); the last {@code <answer>…</answer>}; what follows the
     * last "final answer is" or else "answer is" ({@link ExtractionRule#ANSWER_IS}): a {@code $…$} span when it
     * starts with one, else the rest of that line up to ". "; the rest of the line after the last {@code ####}.
     * No last-number fallback: a MATH answer is often not a number.
     */
    public static Extraction extract(String output) {
        String boxed = AnswerMarkers.boxed(output);
        if (boxed != null && !boxed.isBlank()) {
            return new Extraction(normalize(boxed), ExtractionRule.BOXED);
        }
        String tag = AnswerMarkers.answerTag(output);
        if (tag != null && !tag.isBlank()) {
            return new Extraction(normalize(tag), ExtractionRule.ANSWER_TAG);
        }
        String after = afterFinalAnswer(output);
        if (after == null) {
            after = AnswerMarkers.afterAnswerIs(output, false);
        }
        if (after != null) {
            String span = sentence(after);
            if (!span.isBlank()) {
                return new Extraction(normalize(span), ExtractionRule.ANSWER_IS);
            }
        }
        String hashes = AnswerMarkers.afterHashMarks(output);
        if (hashes != null) {
            String line = hashes.strip().split("\n", 2)[0];
            if (!line.isBlank()) {
                return new Extraction(normalize(line), ExtractionRule.HASH_MARKS);
            }
        }
        return Extraction.NONE;
    }

    private static String afterFinalAnswer(String output) {
        Matcher m = FINAL_ANSWER.matcher(output);
        int end = -1;
        while (m.find()) {
            end = m.end();
        }
        return end < 0 ? null : output.substring(end);
    }

    /** A leading {@code $…$} span, else the text up to the line's end or ". ". */
    private static String sentence(String after) {
        String s = after.stripLeading();
        if (s.startsWith(":")) {
            s = s.substring(1).stripLeading();
        }
        if (s.startsWith("$")) {
            int dollars = s.startsWith("$$") ? 2 : 1;
            int close = s.indexOf(dollars == 2 ? "$$" : "$", dollars);
            if (close > 0) {
                return s.substring(dollars, close);
            }
        }
        String line = s.split("\n", 2)[0];
        int stop = line.indexOf(". ");
        return stop >= 0 ? line.substring(0, stop) : line;
    }

    private static String unwrapText(String s) {
        String previous;
        do {
            previous = s;
            s = TEXT_WRAPPER.matcher(s).replaceAll(m -> Matcher.quoteReplacement(m.group(1)));
        } while (!s.equals(previous));
        return s;
    }

    /** {@code x=5} → {@code 5} when there is one {@code =} and its left side is at most two characters. */
    private static String dropShortLeftSide(String s) {
        int at = s.indexOf('=');
        if (at > 0 && at <= 2 && s.indexOf('=', at + 1) < 0) {
            return s.substring(at + 1);
        }
        return s;
    }

    private static String braceFractions(String s) {
        Matcher m = FRAC_UNBRACED.matcher(s);
        return m.replaceAll(r -> Matcher.quoteReplacement("\\frac" + braced(r.group(1)) + braced(r.group(2))));
    }

    private static String braced(String part) {
        return part.startsWith("{") ? part : "{" + part + "}";
    }

    /** The canonical number when {@code s} is one (integer, decimal, a/b, \frac{a}{b}), else null. */
    private static String asNumber(String s) {
        Matcher frac = FRAC_NUMBER.matcher(s);
        if (frac.matches()) {
            return ratio(frac.group(1).isEmpty() ? frac.group(2) : "-" + frac.group(2), frac.group(3));
        }
        Matcher slash = SLASH_NUMBER.matcher(s);
        if (slash.matches()) {
            return ratio(slash.group(1), slash.group(2));
        }
        if (DECIMAL.matcher(s).matches()) {
            return NumericAnswer.normalize(s);
        }
        return null;
    }

    private static String ratio(String numerator, String denominator) {
        BigInteger n = new BigInteger(numerator.replace("--", ""));
        BigInteger d = new BigInteger(denominator);
        if (d.signum() == 0) {
            return null;
        }
        return NumericAnswer.canonical(n, d);
    }
}
