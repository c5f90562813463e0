package dev.lorapar.train.data;

import dev.lorapar.model.TokenBatch;

/**
 * One batch of a {@link BatchPlan}, ready for the model.
 *
 * @param position     where it is: epoch and index within the epoch
 * @param next         the position after it (what a checkpoint taken after training on it stores)
 * @param tokens       the arrays [rows][seq]: ids (padId on padding), targets (−1 on prompts and padding),
 *                     segments when packing (sample j of a row has id j, the row's padding the next id), else null
 * @param samples      per row, the indices (into the plan's sample list) of the samples it holds, in row order
 * @param realTokens   positions holding sample tokens (the rest is padding)
 * @param targetTokens positions with a loss
 */
public record Batch(DataPosition position, DataPosition next, TokenBatch tokens, int[][] samples, long realTokens,
                    long targetTokens) {
    /** The number of samples in the batch. */
    public int sampleCount() {
        int count = 0;
        for (int[] row : samples) {
            count += row.length;
        }
        return count;
    }
}
