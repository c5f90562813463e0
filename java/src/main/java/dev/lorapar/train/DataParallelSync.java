package dev.lorapar.train;

import dev.lorapar.core.Stream;
import dev.lorapar.dist.Collective;
import java.util.List;
import java.util.Objects;

/**
 * {@link GradientSync} over a {@link Collective}: counts and loss sums all-reduced; LoRA gradients summed layer by
 * layer ({@link #overlapped}: while the backward runs, the default, or after it), a masked stage's active elements
 * only, packed on the device; base gradients (full fine-tuning, no masks) with one fused all-reduce of every element
 * ({@link #sumGradients}).
 */
public final class DataParallelSync implements GradientSync {
    private final Collective collective;
    private final boolean overlap;

    /** With the LoRA gradient sum overlapped with the backward pass ({@link OverlappedGradientSum}). */
    public DataParallelSync(Collective collective) {
        this(collective, true);
    }

    /** overlap false: the per-layer LoRA gradient sums start after the backward. */
    public DataParallelSync(Collective collective, boolean overlap) {
        this.collective = Objects.requireNonNull(collective, "collective");
        this.overlap = overlap;
    }

    @Override
    public OverlappedGradientSum overlapped(Stream stream, List<List<MaskedAdamW.Param>> byLayer) {
        return new OverlappedGradientSum(collective, stream, byLayer, overlap);
    }

    public Collective collective() {
        return collective;
    }

    @Override
    public long sumTokens(long local) {
        return collective.sum(local);
    }

    @Override
    public double sumLoss(double local) {
        return collective.sum(local);
    }

    @Override
    public void sumValues(double[] values) {
        collective.allReduceSum(values);
    }

    @Override
    public void sumGradients(Stream stream, List<MaskedAdamW.Param> params) {
        collective.allReduceSum(stream, params.stream().map(MaskedAdamW.Param::grad).toList());
    }
}
