package dev.lorapar.tests.support;

import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.core.Stream;
import dev.lorapar.core.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * One stream on a device plus every tensor made through it; close() frees them all (tensors
 * first, then the stream), so no test leaks native memory even when an assertion throws.
 */
public final class TensorScope implements AutoCloseable {
    private final Stream stream;
    private final List<Tensor> owned = new ArrayList<>();

    public TensorScope(Device device) { this.stream = Stream.create(device); }

    public Stream stream() { return stream; }

    public Device device() { return stream.device(); }

    /** Takes ownership of t (closed with the scope). */
    public Tensor own(Tensor t) {
        owned.add(t);
        return t;
    }

    /** A tensor of dtype on this device holding data (bf16: rounded on the way in). */
    public Tensor of(DType dtype, float[] data, long... shape) { return own(Tensor.of(stream, dtype, data, shape)); }

    /** An output poisoned before the call: NaN for F32/BF16, 0xAB bytes for U8. */
    public Tensor poisoned(DType dtype, long... shape) {
        int n = Numerics.numel(shape);
        if (dtype == DType.U8) return mask(Numerics.poisonBytes(n), shape);
        return of(dtype, Numerics.nan(n), shape);
    }

    public Tensor zeros(DType dtype, long... shape) { return own(Tensor.zeros(stream, dtype, shape)); }

    /** A U8 tensor from raw bytes; null data gives null (an absent, "all active" mask). */
    public Tensor mask(byte[] data, long... shape) {
        return data == null ? null : own(Tensor.ofBytes(stream, data, shape));
    }

    /** The tensor's values as floats (synchronizes the stream). */
    public float[] read(Tensor t) { return t.toFloatArray(stream); }

    /** A U8 tensor's raw bytes (synchronizes the stream). */
    public byte[] bytes(Tensor t) { return t.toByteArray(stream); }

    @Override
    public void close() {
        RuntimeException first = null;
        for (int i = owned.size() - 1; i >= 0; i--) {
            try {
                owned.get(i).close();
            } catch (RuntimeException e) {
                if (first == null) first = e;
            }
        }
        owned.clear();
        try {
            stream.close();
        } catch (RuntimeException e) {
            if (first == null) first = e;
        }
        if (first != null) throw first;
    }
}
