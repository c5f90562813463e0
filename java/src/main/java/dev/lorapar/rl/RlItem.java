package dev.lorapar.rl;

import java.util.Objects;

/**
 * One prompt of RL training and what its rewards check against.
 *
 * @param system   the system prompt of the record, or null (the run's system instruction is used then)
 * @param prompt   the user's text (the question)
 * @param answer   the reference answer as the data has it (GSM8K: the worked solution ending in {@code #### n}; a choice
 *                 letter; for code, the test program)
 * @param source   where the item came from (file:line), for messages
 */
public record RlItem(String system, String prompt, String answer, String source) {
    public RlItem {
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(answer, "answer");
        source = source == null ? "?" : source;
    }

    /** An item with neither system prompt nor source. */
    public static RlItem of(String prompt, String answer) {
        return new RlItem(null, prompt, answer, null);
    }
}
