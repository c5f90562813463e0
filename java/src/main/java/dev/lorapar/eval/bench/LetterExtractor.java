package dev.lorapar.eval.bench;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds a choice letter in a generated text (AQuA; MMLU, ARC and CommonsenseQA when generated). Only the capital
 * letters of the item's choices count ({@code A}…{@code E} for five choices). Rules, first match wins:
 * <ol>
 *   <li>{@link ExtractionRule#ANSWER_TAG}: the last {@code <answer>…</answer>} starts with the letter, bare or as
 *       {@code (C)} / {@code C)} / {@code C.};
 *   <li>{@link ExtractionRule#ANSWER_IS}: after the last "answer is" / "answer:" (any case), the first token is the
 *       letter, optionally after "option" / "choice" and quotes, brackets or asterisks ("The answer is (C).",
 *       "Answer: **B**", "the answer is option D"). "The answer is A car" reads as A;
 *   <li>{@link ExtractionRule#LEADING}: the output starts with {@code (C)}, {@code C)}, {@code C.}, {@code C:} or is
 *       the bare letter on its line (a leading "A car …" is not a letter);
 *   <li>{@link ExtractionRule#LAST}: the last {@code (C)} or {@code C)} in the text.
 * </ol>
 * The choice texts are not matched (an output that only repeats the text of a choice is unparseable).
 */
public final class LetterExtractor {
    /** Per number of choices: the patterns of the tag, answer-is, leading and last rules. */
    private static final Pattern[][] PATTERNS = new Pattern[27][];

    private LetterExtractor() {
    }

    /** The letter among the first {@code choices} labels; throws for {@code choices} outside 2..26. */
    public static Extraction extract(String output, int choices) {
        if (choices < 2 || choices > 26) {
            throw new IllegalArgumentException("choices " + choices + " outside 2..26");
        }
        Pattern[] patterns = patterns(choices);
        String tag = AnswerMarkers.answerTag(output);
        if (tag != null) {
            Matcher m = patterns[0].matcher(tag);
            if (m.find()) {
                return new Extraction(m.group(1), ExtractionRule.ANSWER_TAG);
            }
        }
        String after = AnswerMarkers.afterAnswerIs(output, true);
        if (after != null) {
            Matcher m = patterns[1].matcher(after);
            if (m.find()) {
                return new Extraction(m.group(1), ExtractionRule.ANSWER_IS);
            }
        }
        Matcher leading = patterns[2].matcher(output);
        if (leading.find()) {
            return new Extraction(leading.group(1) != null ? leading.group(1) : leading.group(2), ExtractionRule.LEADING);
        }
        Matcher m = patterns[3].matcher(output);
        String last = null;
        while (m.find()) {
            last = m.group(1);
        }
        return last == null ? Extraction.NONE : new Extraction(last, ExtractionRule.LAST);
    }

    private static synchronized Pattern[] patterns(int choices) {
        if (PATTERNS[choices] == null) {
            String letters = "[A-" + (char) ('A' + choices - 1) + "]";
            PATTERNS[choices] = new Pattern[] {
                Pattern.compile("^[\\s\"'*(\\[]*(" + letters + ")(?![A-Za-z0-9])"),
                Pattern.compile("^[\\s\"'*(\\[:]*(?:(?i:option|choice)\\s*)?[\"'*(\\[]*(" + letters
                        + ")(?![A-Za-z0-9])"),
                Pattern.compile("^\\s*(?:\\((" + letters + ")\\)|(" + letters + ")(?:[).:]|[ \\t]*(?:\\n|$)))"),
                Pattern.compile("(?<![A-Za-z0-9])\\(?(" + letters + ")\\)")};
        }
        return PATTERNS[choices];
    }
}
