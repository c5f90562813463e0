package dev.lorapar.train.data;

/** Why a well-formed example gave no training sample. */
public enum DropReason {
    /** Truncation to the maximum length cut away every answer token (the prompt alone fills it). */
    ANSWER_TRUNCATED,
    /** The prompt format left no token to the answer (e.g. PLAIN merging a one-character answer into the prompt). */
    NO_ANSWER_TOKENS,
    /**
     * The prompt format cannot encode the example: a multi-turn dialog in a single-turn format, chat tags inside a
     * Llama-2-chat message.
     */
    UNFORMATTABLE
}
