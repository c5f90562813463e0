package dev.lorapar.eval.bench;

/** What a benchmark's gold answer is and, so, how a prediction is compared with it. */
public enum AnswerKind {
    /** A number compared exactly after {@link NumericAnswer#normalize} (GSM8K and the arithmetic sets). */
    NUMBER,
    /** A LaTeX expression compared after {@link MathAnswer#normalize} (MATH). */
    MATH_EXPRESSION,
    /** "yes" or "no" (StrategyQA). */
    YES_NO,
    /** The letter of one of the listed choices, produced by generation (AQuA). */
    LETTER,
    /**
     * The letter of one of the listed choices, chosen by the log-likelihood of each continuation
     * ({@link ChoicePrompts}, {@link ChoiceScoring}); generation + {@link LetterExtractor} also works.
     */
    CHOICE_LOGLIK
}
