package dev.lorapar.core;

import java.util.Arrays;
import java.util.List;

/**
 * Argument validation shared by {@link Ops} and {@link Tensor}. Every message starts with the
 * operation and names the argument: {@code "loraForward: a has shape [3, 7], expected [r=3, k=5]
 * (from x [m=4, k=5])"}.
 */
final class Check {
    private Check() {
    }

    /** Non-null and open stream. */
    static void stream(String op, Stream stream) {
        if (stream == null) {
            throw new NullPointerException(op + ": stream is null");
        }
        if (stream.isClosed()) {
            throw new IllegalStateException(op + ": stream on " + stream.device() + " is closed");
        }
    }

    /** Non-null, open tensor. */
    static void open(String op, String name, Tensor t) {
        if (t == null) {
            throw new NullPointerException(op + ": " + name + " is null");
        }
        if (t.isClosed()) {
            throw new IllegalStateException(op + ": " + name + " is closed (" + t + ")");
        }
    }

    /** Non-null, open tensor on the stream's device. */
    static void onStream(String op, String name, Tensor t, Stream stream) {
        open(op, name, t);
        if (!t.device().equals(stream.device())) {
            throw new IllegalArgumentException(op + ": " + name + " is on " + t.device() + " but the stream is on "
                    + stream.device());
        }
    }

    /** Null is accepted; otherwise as {@link #onStream}. */
    static void onStreamIfPresent(String op, String name, Tensor t, Stream stream) {
        if (t != null) {
            onStream(op, name, t, stream);
        }
    }

    /**
     * Non-null, open tensor that the stream can reach with a host copy: on the stream's device, or on the
     * CPU (host-to-host copies work on any stream).
     */
    static void reachable(String op, String name, Tensor t, Stream stream) {
        open(op, name, t);
        if (t.device().isCuda() && !t.device().equals(stream.device())) {
            throw new IllegalArgumentException(op + ": " + name + " is on " + t.device() + " but the stream is on "
                    + stream.device() + " (use a stream of " + t.device() + ")");
        }
    }

    /** dtype is one of {@code allowed}. */
    static void dtype(String op, String name, Tensor t, DType... allowed) {
        for (DType d : allowed) {
            if (t.dtype() == d) {
                return;
            }
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < allowed.length; i++) {
            sb.append(i == 0 ? "" : i == allowed.length - 1 ? " or " : ", ").append(allowed[i]);
        }
        throw new IllegalArgumentException(op + ": " + name + " has dtype " + t.dtype() + ", expected " + sb);
    }

    /** Same dtype as {@code ref}. */
    static void sameDtype(String op, String name, Tensor t, String refName, Tensor ref) {
        if (t.dtype() != ref.dtype()) {
            throw new IllegalArgumentException(op + ": " + name + " has dtype " + t.dtype() + ", expected "
                    + ref.dtype() + " (the dtype of " + refName + ")");
        }
    }

    /** Same number of elements as {@code ref}. */
    static void sameNumel(String op, String name, Tensor t, String refName, Tensor ref) {
        if (t.numel() != ref.numel()) {
            throw new IllegalArgumentException(op + ": " + name + " has shape " + Arrays.toString(t.shape()) + " ("
                    + t.numel() + " elements), expected " + ref.numel() + " elements (from " + refName + " "
                    + Arrays.toString(ref.shape()) + ")");
        }
    }

    /** numel == expected. */
    static void numel(String op, String name, Tensor t, long expected) {
        if (t.numel() != expected) {
            throw new IllegalArgumentException(op + ": " + name + " has shape " + Arrays.toString(t.shape()) + " ("
                    + t.numel() + " elements), expected " + expected + " element" + (expected == 1 ? "" : "s"));
        }
    }

    /**
     * Exact shape: rank = labels.length, and dim i == expected[i] wherever expected[i] ≥ 0 (a negative
     * expected value accepts any size). {@code from} explains where the expected values come from
     * (may be empty).
     */
    static void shape(String op, String name, Tensor t, String[] labels, long[] expected, String from) {
        boolean ok = t.rank() == labels.length;
        for (int i = 0; ok && i < labels.length; i++) {
            ok = expected[i] < 0 || t.dim(i) == expected[i];
        }
        if (!ok) {
            throw new IllegalArgumentException(op + ": " + name + " has shape " + Arrays.toString(t.shape())
                    + ", expected " + dims(labels, expected) + (from.isEmpty() ? "" : " (" + from + ")"));
        }
    }

    /** "[r=3, k=5]"; a negative value prints the label alone. */
    static String dims(String[] labels, long[] values) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < labels.length; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(labels[i]);
            if (values[i] >= 0) {
                sb.append('=').append(values[i]);
            }
        }
        return sb.append(']').toString();
    }

    /** A finite value in [lo, hi]. */
    static void inRange(String op, String name, double value, double lo, double hi) {
        if (!(value >= lo && value <= hi)) {
            throw new IllegalArgumentException(op + ": " + name + " = " + value + ", expected a value in [" + lo + ", "
                    + hi + "]");
        }
    }

    /**
     * A non-null list of {@code expectedSize} entries (any size when negative); each entry non-null
     * (unless {@code entriesNullable}), open and on the stream's device.
     */
    static void list(String op, String name, List<Tensor> list, int expectedSize, String sizeFrom,
                     boolean entriesNullable, Stream stream) {
        if (list == null) {
            throw new NullPointerException(op + ": " + name + " is null");
        }
        if (expectedSize >= 0 && list.size() != expectedSize) {
            throw new IllegalArgumentException(op + ": " + name + " has " + list.size() + " tensors, expected "
                    + expectedSize + " (the size of " + sizeFrom + ")");
        }
        for (int i = 0; i < list.size(); i++) {
            Tensor t = list.get(i);
            if (t == null && entriesNullable) {
                continue;
            }
            onStream(op, name + "[" + i + "]", t, stream);
        }
    }
}
