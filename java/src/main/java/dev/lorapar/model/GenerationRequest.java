package dev.lorapar.model;

import java.util.List;
import java.util.Objects;

/**
 * One prompt to continue: at most maxNewTokens tokens, stopping early at any of stopTokens (included in the output)
 * or when the decoded continuation contains one of stopStrings (the output ends with the token that completed it;
 * needs a tokenizer on the generator).
 */
public record GenerationRequest(int[] prompt, int maxNewTokens, Sampling sampling, int[] stopTokens,
                                List<String> stopStrings) {
    public GenerationRequest {
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(sampling, "sampling");
        if (prompt.length == 0) {
            throw new IllegalArgumentException("empty prompt (start it with BOS)");
        }
        if (maxNewTokens < 1) {
            throw new IllegalArgumentException("maxNewTokens must be ≥ 1, got " + maxNewTokens);
        }
        stopTokens = stopTokens == null ? new int[0] : stopTokens.clone();
        stopStrings = stopStrings == null ? List.of() : List.copyOf(stopStrings);
        prompt = prompt.clone();
    }

    public static GenerationRequest greedy(int[] prompt, int maxNewTokens) {
        return new GenerationRequest(prompt, maxNewTokens, Sampling.greedy(), null, null);
    }
}
