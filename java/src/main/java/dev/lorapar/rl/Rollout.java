package dev.lorapar.rl;

import dev.lorapar.model.GenerationResult;

/**
 * One sampled completion.
 *
 * @param item       index of its prompt in the batch
 * @param index      its index within the prompt's group (0..G−1)
 * @param prompt     the prompt's token ids (after truncation)
 * @param completion the new token ids (a final stop token included)
 * @param text       the completion decoded, a final stop token left out
 * @param stop       why generation ended
 */
public record Rollout(int item, int index, int[] prompt, int[] completion, String text, GenerationResult.StopReason stop) {
}
