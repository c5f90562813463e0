package dev.lorapar.model;

import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.core.Tensor;
import java.util.ArrayList;
import java.util.List;

/** The tensors one owner allocated on one device, freed together by {@link #close()} (in allocation order). */
final class OwnedTensors implements AutoCloseable {
    private final Device device;
    private final List<Tensor> tensors = new ArrayList<>();

    OwnedTensors(Device device) {
        this.device = device;
    }

    /** An uninitialised tensor [shape] of dt on this device, owned from now on. */
    Tensor empty(DType dt, long... shape) {
        return add(Tensor.empty(device, dt, shape));
    }

    /** Takes ownership of t. */
    Tensor add(Tensor t) {
        tensors.add(t);
        return t;
    }

    @Override
    public void close() {
        tensors.forEach(Tensor::close);
        tensors.clear();
    }
}
