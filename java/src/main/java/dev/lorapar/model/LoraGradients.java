package dev.lorapar.model;

import dev.lorapar.core.DType;
import dev.lorapar.core.Stream;
import dev.lorapar.core.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * F32 gradients of a {@link LoraAdapter}'s pairs: dA [r×in] and dB [out×r] for each pair, in the adapter's pair order.
 * Owns its tensors; {@link #close()} frees them.
 */
public final class LoraGradients implements AutoCloseable {
    private final LoraAdapter adapter;
    private final Tensor[][] da, db; // [layer][target]
    private final List<Tensor> aList = new ArrayList<>(), bList = new ArrayList<>();

    /** Zeroed gradients shaped like {@code adapter}'s pairs, on its device. */
    public LoraGradients(LoraAdapter adapter, Stream stream) {
        this.adapter = adapter;
        int layers = adapter.weights().config().nLayers();
        da = new Tensor[layers][LoraTarget.values().length];
        db = new Tensor[layers][LoraTarget.values().length];
        try {
            for (LoraPair p : adapter.pairs()) {
                Tensor a = Tensor.zeros(stream, DType.F32, p.a().shape());
                aList.add(a);
                da[p.layer()][p.target().ordinal()] = a;
                Tensor b = Tensor.zeros(stream, DType.F32, p.b().shape());
                bList.add(b);
                db[p.layer()][p.target().ordinal()] = b;
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    public LoraAdapter adapter() {
        return adapter;
    }

    /** dA [r×in] F32 of (layer, target), or null when not adapted. */
    public Tensor a(int layer, LoraTarget target) {
        return da[layer][target.ordinal()];
    }

    /** dB [out×r] F32 of (layer, target), or null when not adapted. */
    public Tensor b(int layer, LoraTarget target) {
        return db[layer][target.ordinal()];
    }

    /** dA of every pair in {@link LoraAdapter#pairs()} order. */
    public List<Tensor> aGradients() {
        return Collections.unmodifiableList(aList);
    }

    /** dB of every pair in {@link LoraAdapter#pairs()} order. */
    public List<Tensor> bGradients() {
        return Collections.unmodifiableList(bList);
    }

    public void zero(Stream stream) {
        aList.forEach(t -> t.fill(stream, 0));
        bList.forEach(t -> t.fill(stream, 0));
    }

    @Override
    public void close() {
        aList.forEach(Tensor::close);
        bList.forEach(Tensor::close);
    }
}
