package dev.lorapar.serve;

/**
 * A finished generation.
 *
 * @param text          the generated text (cut before a stop string; no EOS)
 * @param tokens        every generated token id (the stop token included)
 * @param logprobs      [tokens.length] natural-log probabilities, or null when not asked for
 * @param finishReason  why it ended
 * @param promptTokens  prompt length in tokens
 * @param firstTokenNanos time from submission to the first token (−1 when none came)
 * @param totalNanos    time from submission to the end
 * @param error         the failure when finishReason is ERROR, else null
 */
public record Completion(String text, int[] tokens, float[] logprobs, FinishReason finishReason, int promptTokens,
                         long firstTokenNanos, long totalNanos, Throwable error) {
    /** Generated tokens. */
    public int completionTokens() {
        return tokens.length;
    }
}
