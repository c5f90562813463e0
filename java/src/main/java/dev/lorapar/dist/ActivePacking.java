package dev.lorapar.dist;

import dev.lorapar.core.DType;
import dev.lorapar.core.Stream;
import dev.lorapar.core.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * The active elements of a masked stage's gradients, packed into one flat F32 buffer so an all-reduce moves only
 * them: gather the active elements of every tensor (tensor order, then element order) → one all-reduce → scatter
 * them back; inactive elements become 0 (a masked backward leaves them 0 already, and the masked optimizer never
 * reads them). Packing and unpacking copy bits: no arithmetic.
 */
public final class ActivePacking {
    private final int[][] active;   // per tensor: indices of its active elements, ascending
    private final long[] sizes;     // per tensor: element count
    private final int total;

    private ActivePacking(int[][] active, long[] sizes) {
        this.active = active;
        this.sizes = sizes;
        long sum = 0;
        for (int[] a : active) {
            sum += a.length;
        }
        if (sum > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("more than 2^31 active elements: " + sum);
        }
        this.total = (int) sum;
    }

    /** From U8 masks on the host (non-zero = active; a null mask = every element of that tensor active). */
    public static ActivePacking of(List<byte[]> masks, long[] sizes) {
        if (masks.size() != sizes.length) {
            throw new IllegalArgumentException(masks.size() + " masks for " + sizes.length + " tensors");
        }
        int[][] active = new int[sizes.length][];
        for (int t = 0; t < sizes.length; t++) {
            byte[] m = masks.get(t);
            if (sizes[t] > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("tensor " + t + " has " + sizes[t] + " elements (> 2^31)");
            }
            int n = (int) sizes[t];
            if (m == null) {
                active[t] = new int[n];
                for (int i = 0; i < n; i++) {
                    active[t][i] = i;
                }
                continue;
            }
            if (m.length != n) {
                throw new IllegalArgumentException("mask " + t + " has " + m.length + " elements, its tensor " + n);
            }
            int count = 0;
            for (byte b : m) {
                count += b != 0 ? 1 : 0;
            }
            int[] idx = new int[count];
            for (int i = 0, k = 0; i < n; i++) {
                if (m[i] != 0) {
                    idx[k++] = i;
                }
            }
            active[t] = idx;
        }
        return new ActivePacking(active, sizes);
    }

    /** From the U8 mask tensors of {@code grads} (a null mask = all active), read once from {@code stream}. */
    public static ActivePacking of(Stream stream, List<Tensor> grads, List<Tensor> masks) {
        List<byte[]> host = new ArrayList<>();
        long[] sizes = new long[grads.size()];
        for (int t = 0; t < grads.size(); t++) {
            Tensor m = masks.get(t);
            sizes[t] = grads.get(t).numel();
            if (m != null && m.dtype() != DType.U8) {
                throw new IllegalArgumentException("mask " + t + " must be U8, got " + m);
            }
            host.add(m == null ? null : m.toByteArray(stream));
        }
        return of(host, sizes);
    }

    /** Tensors of this packing. */
    public int tensorCount() {
        return active.length;
    }

    /** Indices of tensor t's active elements, ascending (the array itself: do not modify). */
    int[] activeIndices(int t) {
        return active[t];
    }

    /** Element count of tensor t. */
    long size(int t) {
        return sizes[t];
    }

    /** Active elements over all tensors: the packed length. */
    public int activeCount() {
        return total;
    }

    /** Elements over all tensors (what an unpacked all-reduce would move). */
    public long totalCount() {
        long s = 0;
        for (long n : sizes) {
            s += n;
        }
        return s;
    }

    /** Active elements of {@code values} (one array per tensor), tensor after tensor: [activeCount()]. */
    public float[] pack(List<float[]> values) {
        checkShapes(values);
        float[] out = new float[total];
        int k = 0;
        for (int t = 0; t < active.length; t++) {
            float[] v = values.get(t);
            for (int i : active[t]) {
                out[k++] = v[i];
            }
        }
        return out;
    }

    /** Writes {@code packed} back to the active elements of {@code into}; inactive elements become 0. */
    public void unpack(float[] packed, List<float[]> into) {
        checkShapes(into);
        if (packed.length != total) {
            throw new IllegalArgumentException("packed buffer has " + packed.length + " elements, expected " + total);
        }
        int k = 0;
        for (int t = 0; t < active.length; t++) {
            float[] v = into.get(t);
            java.util.Arrays.fill(v, 0f);
            for (int i : active[t]) {
                v[i] = packed[k++];
            }
        }
    }

    /**
     * Sums the active elements of {@code grads} (F32 tensors, in this packing's order) over the ranks of
     * {@code collective} with one all-reduce of activeCount() elements; inactive elements become 0.
     */
    public void allReduceSum(Collective collective, Stream stream, List<Tensor> grads) {
        List<float[]> host = new ArrayList<>();
        for (Tensor g : grads) {
            host.add(g.toFloatArray(stream));
        }
        float[] packed = pack(host);
        if (packed.length > 0) {
            try (Tensor buffer = Tensor.of(stream, DType.F32, packed, packed.length)) { // [activeCount] F32
                collective.allReduceSum(stream, buffer);
                packed = buffer.toFloatArray(stream);
            }
        } else {
            collective.barrier(); // every rank still meets, so the call sequences stay aligned
        }
        unpack(packed, host);
        for (int t = 0; t < grads.size(); t++) {
            grads.get(t).copyFrom(stream, host.get(t));
        }
        stream.synchronize();
    }

    private void checkShapes(List<float[]> values) {
        if (values.size() != sizes.length) {
            throw new IllegalArgumentException(values.size() + " arrays for a packing of " + sizes.length + " tensors");
        }
        for (int t = 0; t < sizes.length; t++) {
            if (values.get(t).length != sizes[t]) {
                throw new IllegalArgumentException("array " + t + " has " + values.get(t).length + " elements, "
                        + "expected " + sizes[t]);
            }
        }
    }
}
