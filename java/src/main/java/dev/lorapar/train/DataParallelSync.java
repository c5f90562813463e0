package dev.lorapar.train;

import dev.lorapar.core.Stream;
import dev.lorapar.core.Tensor;
import dev.lorapar.dist.ActivePacking;
import dev.lorapar.dist.Collective;
import java.util.List;
import java.util.Objects;

/**
 * {@link GradientSync} over a {@link Collective}: counts and loss sums all-reduced; LoRA gradients summed layer by
 * layer ({@link #overlapped}: while the backward runs, the default, or after it), a masked stage's active elements
 * only, packed on the device; base gradients (full fine-tuning) with one fused all-reduce ({@link #sumGradients}, which
 * packs masked tensors through the host: no caller has masks there).
 */
public final class DataParallelSync implements GradientSync {
    private final Collective collective;
    private final boolean overlap;
    private ActivePacking packing;   // null until the first masked step

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
        List<Tensor> grads = params.stream().map(MaskedAdamW.Param::grad).toList();
        if (params.stream().allMatch(p -> p.mask() == null)) {
            collective.allReduceSum(stream, grads);
            return;
        }
        if (packing == null) {
            List<Tensor> masks = new java.util.ArrayList<>();
            params.forEach(p -> masks.add(p.mask()));
            packing = ActivePacking.of(stream, grads, masks);
        }
        packing.allReduceSum(collective, stream, grads);
    }

    /** The packing of the masked stage (null before the first step or when nothing is masked). */
    public ActivePacking packing() {
        return packing;
    }
}
