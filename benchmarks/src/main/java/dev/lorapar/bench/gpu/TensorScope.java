package dev.lorapar.bench.gpu;

import dev.lorapar.core.Ops;
import dev.lorapar.core.Stream;
import dev.lorapar.core.Tensor;
import java.util.ArrayDeque;
import java.util.Deque;

/** Owns the tensors of one benchmark section and closes all of them, newest first, on close. */
final class TensorScope implements AutoCloseable {
    private final Deque<Tensor> owned = new ArrayDeque<>();

    /** Takes ownership of t (null passes through) and returns it. */
    Tensor add(Tensor t) {
        if (t != null) {
            owned.push(t);
        }
        return t;
    }

    /** A new owned tensor on the stream's device with the dtype, shape and values of source. */
    Tensor copyOf(Stream stream, Tensor source) {
        Tensor copy = add(Tensor.empty(stream.device(), source.dtype(), source.shape()));
        Ops.copy(stream, source, copy);
        return copy;
    }

    @Override
    public void close() {
        RuntimeException first = null;
        while (!owned.isEmpty()) {
            try {
                owned.pop().close();
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
