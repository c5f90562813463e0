package dev.lorapar.train;

import dev.lorapar.core.Stream;
import java.util.List;

/**
 * What an {@link OptimizerStep} shares with the other data-parallel ranks between its backward passes and its
 * optimizer update: the step's target-token count (first, so the loss scale is 1 / tokens of the whole step), the
 * loss sum, and the gradients (summed before clipping, so every rank takes the same update). {@link #NONE}: one rank.
 */
public interface GradientSync {
    /** A single rank: everything is already whole. */
    GradientSync NONE = new GradientSync() {
        @Override
        public long sumTokens(long local) {
            return local;
        }

        @Override
        public double sumLoss(double local) {
            return local;
        }

        @Override
        public void sumGradients(Stream stream, List<MaskedAdamW.Param> params) {
        }

        @Override
        public void sumValues(double[] values) {
        }

        @Override
        public boolean single() {
            return true;
        }
    };

    /** The target tokens of the step over all ranks. */
    long sumTokens(long local);

    /** A loss sum over all ranks. */
    double sumLoss(double local);

    /** In place: every value (a statistic: a count, a loss part) becomes its sum over all ranks. */
    void sumValues(double[] values);

    /** Every param's gradient (F32, in place) becomes its sum over the ranks. */
    void sumGradients(Stream stream, List<MaskedAdamW.Param> params);

    /**
     * The layer-by-layer sum of LoRA gradients {@code byLayer} ([layer] → that layer's params), overlapped with the
     * backward pass unless built otherwise, or null for one rank (nothing to sum). The caller owns (closes) it.
     */
    default OverlappedGradientSum overlapped(Stream stream, List<List<MaskedAdamW.Param>> byLayer) {
        return null;
    }

    /** True for one rank alone (a rank may then not be handed an empty step). */
    default boolean single() {
        return false;
    }
}
