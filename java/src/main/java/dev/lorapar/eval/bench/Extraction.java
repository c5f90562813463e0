package dev.lorapar.eval.bench;

import java.util.Objects;

/**
 * The answer found in a model's output.
 *
 * @param answer the normalised answer, comparable with {@link EvalItem#gold()}; null when none was found
 * @param rule the rule that found it ({@link ExtractionRule#NONE} exactly when {@code answer} is null)
 */
public record Extraction(String answer, ExtractionRule rule) {
    /** Nothing found. */
    public static final Extraction NONE = new Extraction(null, ExtractionRule.NONE);

    public Extraction {
        Objects.requireNonNull(rule, "rule");
        if ((answer == null) != (rule == ExtractionRule.NONE)) {
            throw new IllegalArgumentException("answer " + answer + " with rule " + rule);
        }
    }

    /** True when an answer was found. */
    public boolean parsed() {
        return answer != null;
    }
}
