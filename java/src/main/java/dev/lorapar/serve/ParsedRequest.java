package dev.lorapar.serve;

import java.util.List;

/**
 * A validated /v1/completions or /v1/chat/completions body.
 *
 * @param chat        true for chat completions
 * @param model       the model field as sent ("base" or "base:adapter")
 * @param adapter     the adapter name, or null for the base model
 * @param prompt      prompt token ids (chat: formatted with LLAMA2_CHAT)
 * @param maxTokens   new tokens at most
 * @param temperature sampling temperature (0 = greedy)
 * @param topP        nucleus mass
 * @param seed        sampling seed (choice i uses seed + i)
 * @param n           choices
 * @param stop        stop strings
 * @param logprobs    report token log-probabilities
 * @param stream      answer by server-sent events
 */
record ParsedRequest(boolean chat, String model, String adapter, int[] prompt, int maxTokens, float temperature,
                     float topP, long seed, int n, List<String> stop, boolean logprobs, boolean stream) {
}
