package dev.lorapar.train.data;

/**
 * How one epoch of a {@link BatchPlan} fills its batches.
 *
 * @param batches    batches in the epoch
 * @param rows       rows over all batches
 * @param slots      rows × seq over all batches (what the model computes)
 * @param realTokens positions holding sample tokens
 */
public record EpochStats(int batches, long rows, long slots, long realTokens) {
    /** The share of computed positions that are padding, in [0, 1). */
    public double paddingFraction() {
        return slots == 0 ? 0 : 1.0 - (double) realTokens / slots;
    }
}
