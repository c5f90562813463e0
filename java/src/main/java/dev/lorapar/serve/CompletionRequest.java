package dev.lorapar.serve;

import dev.lorapar.model.Sampling;
import java.util.List;
import java.util.Objects;

/**
 * One generation asked of a {@link ServingEngine}.
 *
 * @param adapter   the name of a loaded adapter, or null for the base model
 * @param prompt    prompt token ids (start with BOS); see {@link ServingEngine#encodePrompt}
 * @param maxTokens at most this many new tokens (≥ 1)
 * @param sampling  temperature / top-k / top-p / seed (temperature 0 = greedy)
 * @param stop      stop strings: generation ends when the text contains one, and the text is cut before it
 * @param logprobs  report each generated token's log-probability
 */
public record CompletionRequest(String adapter, int[] prompt, int maxTokens, Sampling sampling, List<String> stop,
                                boolean logprobs) {
    public CompletionRequest {
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(sampling, "sampling");
        if (prompt.length == 0) throw new IllegalArgumentException("empty prompt (start it with BOS)");
        if (maxTokens < 1) throw new IllegalArgumentException("maxTokens must be ≥ 1, got " + maxTokens);
        stop = stop == null ? List.of() : List.copyOf(stop);
        prompt = prompt.clone();
    }

    /** Greedy, no stop strings, no log-probabilities. */
    public static CompletionRequest greedy(String adapter, int[] prompt, int maxTokens) {
        return new CompletionRequest(adapter, prompt, maxTokens, Sampling.greedy(), null, false);
    }
}
