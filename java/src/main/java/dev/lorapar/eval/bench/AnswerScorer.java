package dev.lorapar.eval.bench;

/** Scores a generated output against an item: the extractor of the item's {@link AnswerKind}, then exact equality. */
public final class AnswerScorer {
    private AnswerScorer() {
    }

    /**
     * The answer in {@code output} by the item's kind: {@link NumericExtractor}, {@link MathAnswer#extract},
     * {@link YesNoExtractor}, or {@link LetterExtractor} over the item's choices (LETTER and CHOICE_LOGLIK).
     */
    public static Extraction extract(EvalItem item, String output) {
        return switch (item.benchmark().answerKind()) {
            case NUMBER -> NumericExtractor.extract(output);
            case MATH_EXPRESSION -> MathAnswer.extract(output);
            case YES_NO -> YesNoExtractor.extract(output);
            case LETTER, CHOICE_LOGLIK -> LetterExtractor.extract(output, item.choices().size());
        };
    }

    /** The extracted answer compared with the gold answer (both normalised, so string equality). */
    public static ItemOutcome score(EvalItem item, String output) {
        return ItemOutcome.of(item, extract(item, output).answer());
    }
}
