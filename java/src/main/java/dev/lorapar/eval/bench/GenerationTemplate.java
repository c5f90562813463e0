package dev.lorapar.eval.bench;

/** How a generation prompt is laid out. */
public enum GenerationTemplate {
    /**
     * {@code "Question: <q>\nAnswer:"} after exemplars {@code "Question: <q>\nAnswer: <solution>\n\n"}, encoded as
     * BOS + text ({@link dev.lorapar.tokenizer.PromptFormat#PLAIN}); generation stops at {@code "Question:"}.
     */
    QUESTION_ANSWER,
    /**
     * The LoRA-PAR reference script's {@code <s>{q}</s>}: BOS, the question's tokens, EOS
     * ({@link dev.lorapar.tokenizer.PromptFormat#REFERENCE_SCRIPT}); zero-shot only, no stop strings.
     */
    REFERENCE_SCRIPT
}
