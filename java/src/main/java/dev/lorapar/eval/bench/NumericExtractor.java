package dev.lorapar.eval.bench;

/**
 * Finds the numeric answer in a generated text (GSM8K, SVAMP, MultiArith, AddSub, SingleEq). Rules, first match
 * wins:
 * <ol>
 *   <li>{@link ExtractionRule#ANSWER_TAG}: the last {@code <answer>…</answer>}: its content when it is one number,
 *       else the last number inside it;
 *   <li>{@link ExtractionRule#BOXED}: the last {@code \boxed{…}}, the same way;
 *   <li>{@link ExtractionRule#HASH_MARKS}: the first number after the last {@code ####};
 *   <li>{@link ExtractionRule#ANSWER_IS}: the first number after the last "answer is" (any case);
 *   <li>{@link ExtractionRule#LAST}: the last number in the text;
 *   <li>else {@link Extraction#NONE}.
 * </ol>
 * A rule whose span holds no number passes to the next rule. Numbers follow {@link NumericAnswer}'s rule; the
 * answer is in its canonical form. Cut the output at the prompt's stop strings first: a number in a continued
 * "Question:" would otherwise win the last-number rule.
 */
public final class NumericExtractor {
    private NumericExtractor() {
    }

    public static Extraction extract(String output) {
        String tag = AnswerMarkers.answerTag(output);
        String found = tag == null ? null : wholeOrLast(tag);
        if (found != null) {
            return new Extraction(found, ExtractionRule.ANSWER_TAG);
        }
        String boxed = AnswerMarkers.boxed(output);
        found = boxed == null ? null : wholeOrLast(boxed);
        if (found != null) {
            return new Extraction(found, ExtractionRule.BOXED);
        }
        String hashes = AnswerMarkers.afterHashMarks(output);
        found = hashes == null ? null : NumericAnswer.first(hashes);
        if (found != null) {
            return new Extraction(found, ExtractionRule.HASH_MARKS);
        }
        String answerIs = AnswerMarkers.afterAnswerIs(output, false);
        found = answerIs == null ? null : NumericAnswer.first(answerIs);
        if (found != null) {
            return new Extraction(found, ExtractionRule.ANSWER_IS);
        }
        found = NumericAnswer.last(output);
        return found != null ? new Extraction(found, ExtractionRule.LAST) : Extraction.NONE;
    }

    private static String wholeOrLast(String span) {
        String whole = NumericAnswer.normalize(span);
        return whole != null ? whole : NumericAnswer.last(span);
    }
}
