package dev.lorapar.train;

import dev.lorapar.core.Event;
import dev.lorapar.core.Stream;
import dev.lorapar.core.Tensor;
import dev.lorapar.dist.ActivePacking;
import dev.lorapar.dist.Collective;
import dev.lorapar.dist.DevicePacking;
import dev.lorapar.model.LoraAdapter;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The data-parallel sum of LoRA gradients overlapped with the backward pass. The backward runs from the last layer to
 * the first; as it finishes a layer ({@link #layerReady}, called by the pass while it queues the layers below), that
 * layer's gradients are summed over the ranks on a stream of their own, after an event marks them final on the
 * compute stream, so the transfer runs while the compute stream works on the layers below. {@link #finish} waits for
 * every layer's sum and orders the compute stream after it. A layer with masks (a LoRA-PAR stage) sends only its
 * active elements, packed on the device ({@link DevicePacking}, built from the masks at its first use: masks do not
 * change within a run). Every rank must call layerReady for the same layers in the same order — a rank without
 * micro-batches in a step calls {@link #allLayersReady} — so the collective calls match across ranks. Built with
 * {@code overlap} false, the same per-layer sums start in {@link #finish}, after the whole backward (for comparison;
 * the result is the same bits). Owns its stream, events and packings.
 */
public final class OverlappedGradientSum implements AutoCloseable {
    private final Collective collective;
    private final Stream compute;
    private final Stream comm;
    private final List<List<MaskedAdamW.Param>> byLayer; // [layer] that layer's params (A and B of each pair)
    private final Event[] ready;                          // [layer] recorded on compute when the layer is done
    private final Event done;                             // recorded on comm after the last unpack
    private final DevicePacking[] packing;                // [layer]; null until first use or when unmasked
    private final Collective.Pending[] pending;           // [layer] of the step in flight
    private final boolean overlap;                        // false: every layer's sum starts in finish()

    OverlappedGradientSum(Collective collective, Stream compute, List<List<MaskedAdamW.Param>> byLayer,
                          boolean overlap) {
        this.overlap = overlap;
        this.collective = Objects.requireNonNull(collective, "collective");
        this.compute = Objects.requireNonNull(compute, "compute");
        this.byLayer = List.copyOf(byLayer);
        int layers = byLayer.size();
        ready = new Event[layers];
        packing = new DevicePacking[layers];
        pending = new Collective.Pending[layers];
        Stream s = null;
        Event d = null;
        try {
            s = Stream.create(compute.device());
            d = Event.create(compute.device());
            for (int l = 0; l < layers; l++) {
                ready[l] = Event.create(compute.device());
            }
        } catch (RuntimeException e) {
            for (Event ev : ready) {
                if (ev != null) {
                    ev.close();
                }
            }
            if (d != null) {
                d.close();
            }
            if (s != null) {
                s.close();
            }
            throw e;
        }
        comm = s;
        done = d;
    }

    /**
     * The params of an {@link OptimizerStep}-style list (pair k of {@code adapter.pairs()} → params 2k, 2k + 1) grouped
     * by layer: [layer] → that layer's params, empty for a layer without adapted projections.
     */
    public static List<List<MaskedAdamW.Param>> byLayer(LoraAdapter adapter, List<MaskedAdamW.Param> params) {
        int layers = adapter.weights().config().nLayers();
        if (params.size() != 2 * adapter.pairs().size()) {
            throw new IllegalArgumentException(params.size() + " params for " + adapter.pairs().size() + " LoRA pairs");
        }
        List<List<MaskedAdamW.Param>> out = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            out.add(new ArrayList<>());
        }
        for (int k = 0; k < adapter.pairs().size(); k++) {
            List<MaskedAdamW.Param> layer = out.get(adapter.pairs().get(k).layer());
            layer.add(params.get(2 * k));
            layer.add(params.get(2 * k + 1));
        }
        return out;
    }

    /** Layer {@code layer}'s gradients are final on the compute stream (its backward is queued): start their sum. */
    public void layerReady(int layer) {
        if (overlap) {
            start(layer);
        }
    }

    private void start(int layer) {
        List<MaskedAdamW.Param> params = byLayer.get(layer);
        if (params.isEmpty()) {
            return;
        }
        if (pending[layer] != null) {
            throw new IllegalStateException("layer " + layer + "'s gradient sum was started twice in one step");
        }
        ready[layer].record(compute);
        comm.waitFor(ready[layer]);
        List<Tensor> grads = grads(params);
        DevicePacking p = packing(layer, params);
        if (p == null) {
            pending[layer] = collective.allReduceSumStart(comm, grads);
        } else if (p.activeCount() > 0) { // every rank has the same masks: all skip a layer with nothing active
            p.pack(comm, grads);
            pending[layer] = collective.allReduceSumStart(comm, List.of(p.packed()));
        } else {
            pending[layer] = () -> { };
        }
    }

    /** A rank without micro-batches in a step (its gradients zeroed): every layer, last to first, as a backward would. */
    public void allLayersReady() {
        for (int l = byLayer.size() - 1; l >= 0; l--) {
            layerReady(l);
        }
    }

    /** Waits for every started sum (each layer's gradients now the sum over the ranks); compute is ordered after. */
    public void finish() {
        if (!overlap) {
            for (int l = byLayer.size() - 1; l >= 0; l--) {
                start(l);
            }
        }
        for (int l = byLayer.size() - 1; l >= 0; l--) {
            if (pending[l] == null) {
                continue;
            }
            Collective.Pending p = pending[l];
            pending[l] = null;
            p.await();
            if (packing[l] != null) {
                packing[l].unpack(comm, grads(byLayer.get(l)));
            }
        }
        done.record(comm);
        compute.waitFor(done);
    }

    /** The layer's device packing when any of its params has a mask, else null (plain sum). */
    private DevicePacking packing(int layer, List<MaskedAdamW.Param> params) {
        if (packing[layer] != null || params.stream().allMatch(p -> p.mask() == null)) {
            return packing[layer];
        }
        List<Tensor> masks = new ArrayList<>();
        params.forEach(p -> masks.add(p.mask()));
        packing[layer] = DevicePacking.of(comm, ActivePacking.of(comm, grads(params), masks));
        return packing[layer];
    }

    private static List<Tensor> grads(List<MaskedAdamW.Param> params) {
        List<Tensor> out = new ArrayList<>(params.size());
        params.forEach(p -> out.add(p.grad()));
        return out;
    }

    @Override
    public void close() {
        try {
            comm.synchronize();
        } finally {
            for (DevicePacking p : packing) {
                if (p != null) {
                    p.close();
                }
            }
            for (Event e : ready) {
                e.close();
            }
            done.close();
            comm.close();
        }
    }
}
