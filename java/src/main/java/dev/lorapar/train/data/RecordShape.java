package dev.lorapar.train.data;

/**
 * The field layout of a record. {@link #AUTO} decides per record by its keys, in this order: {@code messages} or
 * {@code conversations} → {@link #MESSAGES}; {@code instruction} → {@link #INSTRUCTION}; {@code prompt} →
 * {@link #PROMPT_COMPLETION}; {@code question} → {@link #QUESTION_ANSWER}; none of them → malformed
 * ({@link MalformedReason#UNKNOWN_SHAPE}). A forced shape reports its missing fields instead. Every single-turn
 * shape also takes an optional string field {@code system}.
 */
public enum RecordShape {
    /** Detected per record from its keys. */
    AUTO,
    /** GSM8K: {@code {"question": …, "answer": …}}. */
    QUESTION_ANSWER,
    /**
     * Alpaca: {@code {"instruction": …, "input": …, "output": …}}, {@code input} optional; the prompt is the
     * instruction, followed by a blank line and the input when the input is not blank.
     */
    INSTRUCTION,
    /** {@code {"prompt": …, "completion": …}}. */
    PROMPT_COMPLETION,
    /**
     * Chat: {@code {"messages": [{"role": "system"|"user"|"assistant", "content": …}, …]}}; also the ShareGPT
     * spelling {@code {"conversations": [{"from": "system"|"human"|"gpt", "value": …}]}}. An optional system
     * message first, then user and assistant messages alternating, ending with an assistant message.
     */
    MESSAGES,
    /** Named fields for other datasets: {@link ReadOptions#withFields(String, String)} (e.g. MATH's context/answer). */
    FIELDS
}
