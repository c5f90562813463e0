package dev.lorapar.train;

import dev.lorapar.core.Stream;
import dev.lorapar.core.Tensor;
import dev.lorapar.dist.ActivePacking;
import dev.lorapar.dist.Collective;
import java.util.List;
import java.util.Objects;

/**
 * {@link GradientSync} over a {@link Collective}: counts and loss sums all-reduced; LoRA gradients summed layer by
 * layer while the backward runs ({@link #overlapped}, the default), or after it with one fused all-reduce
 * ({@link #sumGradients}: full fine-tuning, or overlap off) — when any trained tensor has a mask (a LoRA-PAR stage),
 * only the active elements, packed ({@link ActivePacking}, built from the masks at the first step: masks do not
 * change within a run).
 */
public final class DataParallelSync implements GradientSync {
    private final Collective collective;
    private final boolean overlap;
    private ActivePacking packing;   // null until the first masked step

    /** With the LoRA gradient sum overlapped with the backward pass ({@link OverlappedGradientSum}). */
    public DataParallelSync(Collective collective) {
        this(collective, true);
    }

    /** overlap false: gradients summed after the backward, in one call ({@link #sumGradients}). */
    public DataParallelSync(Collective collective, boolean overlap) {
        this.collective = Objects.requireNonNull(collective, "collective");
        this.overlap = overlap;
    }

    @Override
    public OverlappedGradientSum overlapped(Stream stream, List<List<MaskedAdamW.Param>> byLayer) {
        return overlap ? new OverlappedGradientSum(collective, stream, byLayer) : null;
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
