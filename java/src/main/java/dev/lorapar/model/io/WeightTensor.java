package dev.lorapar.model.io;

import dev.lorapar.core.BFloat16;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Objects;

/**
 * One weight of a checkpoint: its canonical (Hugging Face) name, element type, shape and the
 * read-only bytes of the mapped file that hold it, row-major and little-endian. Matrices are
 * {@code [out × in]} as in {@code nn.Linear.weight}. The bytes stay valid until the owning
 * {@link Checkpoint} closes; reading afterwards throws IllegalStateException.
 */
public final class WeightTensor {
    private final String name;
    private final WeightType type;
    private final long[] shape;
    private final long elementCount;
    private final MemorySegment data;

    /**
     * @param data exactly {@code product(shape) · type.bytes()} bytes (made read-only here)
     * @throws IllegalArgumentException when the shape is negative or overflows, or the byte count disagrees
     */
    public WeightTensor(String name, WeightType type, long[] shape, MemorySegment data) {
        this.name = Objects.requireNonNull(name, "name");
        this.type = Objects.requireNonNull(type, "type");
        this.shape = shape.clone();
        long n = 1;
        for (long d : this.shape) {
            if (d < 0) throw new IllegalArgumentException(name + ": negative dimension in shape " + Arrays.toString(shape));
            n = Math.multiplyExact(n, d);
        }
        this.elementCount = n;
        if (data.byteSize() != Math.multiplyExact(n, (long) type.bytes())) {
            throw new IllegalArgumentException(name + ": " + data.byteSize() + " bytes for shape "
                    + Arrays.toString(shape) + " of " + type + " (expected " + n * type.bytes() + ")");
        }
        this.data = data.asReadOnly();
    }

    /** The canonical name, e.g. {@code model.layers.0.self_attn.q_proj.weight}. */
    public String name() {
        return name;
    }

    /** The element type in the file. */
    public WeightType type() {
        return type;
    }

    /** The shape, outermost first ([out, in] for a matrix); a copy. */
    public long[] shape() {
        return shape.clone();
    }

    /** The number of elements. */
    public long elementCount() {
        return elementCount;
    }

    /** The read-only little-endian bytes (a view of the mapped file). */
    public MemorySegment data() {
        return data;
    }

    /** All elements widened to float (exact for every type). */
    public float[] toFloats() {
        if (elementCount > Integer.MAX_VALUE - 8) {
            throw new UnsupportedOperationException(name + " has " + elementCount
                    + " elements, more than one Java array holds: read it in parts with readFloats");
        }
        float[] out = new float[(int) elementCount];
        readFloats(out, 0, 0, out.length);
        return out;
    }

    /**
     * Widens {@code count} elements starting at element {@code firstElement} (row-major) into
     * {@code dst[dstOffset ..]}, exactly.
     */
    public void readFloats(float[] dst, int dstOffset, long firstElement, int count) {
        Objects.checkFromIndexSize(dstOffset, count, dst.length);
        if (firstElement < 0 || firstElement > elementCount - count) {
            throw new IndexOutOfBoundsException(name + ": elements [" + firstElement + ", +" + count
                    + ") out of [0, " + elementCount + ")");
        }
        long offset = firstElement * type.bytes();
        switch (type) {
            case F32 -> MemorySegment.copy(data, ByteCursor.F32, offset, dst, dstOffset, count);
            case F16 -> {
                for (int i = 0; i < count; i++) dst[dstOffset + i] = Float16.toFloat(data.get(ByteCursor.U16, offset + 2L * i));
            }
            case BF16 -> {
                for (int i = 0; i < count; i++) dst[dstOffset + i] = BFloat16.toFloat(data.get(ByteCursor.U16, offset + 2L * i));
            }
        }
    }

    @Override
    public String toString() {
        return name + " " + type + " " + Arrays.toString(shape);
    }
}
