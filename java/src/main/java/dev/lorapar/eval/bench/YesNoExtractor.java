package dev.lorapar.eval.bench;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds a yes/no answer in a generated text (StrategyQA). Rules, first match wins: the first yes/no word inside
 * the last {@code <answer>…</answer>}; the first word after the last "answer is" / "answer:" when it is yes or no
 * (quotes, brackets, asterisks and a colon may stand between); the output's first word (StrategyQA targets start
 * "Yes." / "No."); the last standalone yes/no word of the text (so "there is no evidence" reads as "no": a known
 * risk of the fallback). Words are matched in any case; the answer is {@code yes} or {@code no}.
 */
public final class YesNoExtractor {
    private static final Pattern WORD = Pattern.compile("\\b(yes|no)\\b", Pattern.CASE_INSENSITIVE);
    private static final Pattern LEADING = Pattern.compile("^[\\s\"'*(\\[:]*(yes|no)\\b", Pattern.CASE_INSENSITIVE);

    private YesNoExtractor() {
    }

    public static Extraction extract(String output) {
        String tag = AnswerMarkers.answerTag(output);
        if (tag != null) {
            Matcher m = WORD.matcher(tag);
            if (m.find()) {
                return found(m, ExtractionRule.ANSWER_TAG);
            }
        }
        String after = AnswerMarkers.afterAnswerIs(output, true);
        if (after != null) {
            Matcher m = LEADING.matcher(after);
            if (m.find()) {
                return found(m, ExtractionRule.ANSWER_IS);
            }
        }
        Matcher leading = LEADING.matcher(output);
        if (leading.find()) {
            return found(leading, ExtractionRule.LEADING);
        }
        Matcher m = WORD.matcher(output);
        String last = null;
        while (m.find()) {
            last = m.group(1);
        }
        return last == null ? Extraction.NONE : new Extraction(last.toLowerCase(Locale.ROOT), ExtractionRule.LAST);
    }

    private static Extraction found(Matcher m, ExtractionRule rule) {
        return new Extraction(m.group(1).toLowerCase(Locale.ROOT), rule);
    }
}
