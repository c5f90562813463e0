package dev.lorapar.model;

/** The new tokens of one request and why generation ended. */
public record GenerationResult(int[] tokens, StopReason reason) {
    public enum StopReason {
        /** The last token is one of the request's stop tokens. */
        STOP_TOKEN,
        /** The decoded continuation contains one of the stop strings. */
        STOP_STRING,
        /** maxNewTokens were generated. */
        MAX_NEW_TOKENS,
        /** The generator's maxLength (prompt + continuation) was reached. */
        MAX_LENGTH
    }
}
