package dev.lorapar.dist;

import dev.lorapar.core.DType;
import dev.lorapar.core.Ops;
import dev.lorapar.core.Stream;
import dev.lorapar.core.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * An {@link ActivePacking} done on the device: the active elements of a list of F32 tensors gathered into one flat
 * buffer and scattered back, with the backend's row gather ({@link Ops#embeddingForward} over rows of one element),
 * so no gradient goes through the host. pack: packed[offset_t + k] = tensor_t[active_t[k]]; unpack: tensor_t[i] =
 * packed[slot_t[i]], where slot_t[i] is the packed position of an active i and, for an inactive i, the buffer's last
 * element, which stays 0 (packs never write it, the all-reduce never sees it). Copies bits: no arithmetic. Owns its
 * index tensors and buffer; every call is queued on the given stream.
 */
public final class DevicePacking implements AutoCloseable {
    private final ActivePacking layout;
    private final List<Tensor> packIds = new ArrayList<>(); // per tensor: [active_t] I32, indices into the tensor
    private final List<Tensor> slotIds = new ArrayList<>(); // per tensor: [numel_t] I32, positions in the buffer
    private final int[] offsets;                             // per tensor: its first position in the buffer
    private final Tensor buffer;                              // [activeCount + 1] F32, last element 0

    private DevicePacking(Stream stream, ActivePacking layout) {
        this.layout = layout;
        int n = layout.tensorCount();
        offsets = new int[n];
        int zeroSlot = layout.activeCount();
        Tensor made = null;
        try {
            int at = 0;
            for (int t = 0; t < n; t++) {
                int[] active = layout.activeIndices(t);
                offsets[t] = at;
                packIds.add(active.length == 0 ? null : ints(stream, active));
                int[] slots = new int[(int) layout.size(t)];
                java.util.Arrays.fill(slots, zeroSlot);
                for (int k = 0; k < active.length; k++) {
                    slots[active[k]] = at + k;
                }
                slotIds.add(ints(stream, slots));
                at += active.length;
            }
            made = Tensor.zeros(stream, DType.F32, zeroSlot + 1L);
        } catch (RuntimeException e) {
            packIds.forEach(DevicePacking::closeIfSet);
            slotIds.forEach(DevicePacking::closeIfSet);
            throw e;
        }
        buffer = made;
    }

    /** The device indices of {@code layout} on {@code stream}'s device (uploaded on {@code stream}). */
    public static DevicePacking of(Stream stream, ActivePacking layout) {
        Objects.requireNonNull(stream, "stream");
        return new DevicePacking(stream, Objects.requireNonNull(layout, "layout"));
    }

    /** The packed active elements: a view [activeCount] F32 of the buffer (what the all-reduce sums). */
    public Tensor packed() {
        return buffer.rows(0, layout.activeCount());
    }

    /** Active elements over all tensors (0: nothing to send). */
    public int activeCount() {
        return layout.activeCount();
    }

    /** The active elements of {@code tensors} (F32, this packing's order and sizes) into {@link #packed()}. */
    public void pack(Stream stream, List<Tensor> tensors) {
        check(tensors);
        for (int t = 0; t < tensors.size(); t++) {
            Tensor ids = packIds.get(t);
            if (ids == null) {
                continue;
            }
            int count = (int) ids.numel();
            Tensor src = tensors.get(t);
            Ops.embeddingForward(stream, ids, src.view(src.numel(), 1), buffer.rows(offsets[t], count).view(count, 1));
        }
    }

    /** {@link #packed()} back into {@code tensors}: active elements from the buffer, inactive ones 0. */
    public void unpack(Stream stream, List<Tensor> tensors) {
        check(tensors);
        Tensor table = buffer.view(buffer.numel(), 1);
        for (int t = 0; t < tensors.size(); t++) {
            Tensor dst = tensors.get(t);
            Ops.embeddingForward(stream, slotIds.get(t), table, dst.view(dst.numel(), 1));
        }
    }

    @Override
    public void close() {
        packIds.forEach(DevicePacking::closeIfSet);
        slotIds.forEach(DevicePacking::closeIfSet);
        buffer.close();
    }

    private void check(List<Tensor> tensors) {
        if (tensors.size() != layout.tensorCount()) {
            throw new IllegalArgumentException(tensors.size() + " tensors for a packing of " + layout.tensorCount());
        }
        for (int t = 0; t < tensors.size(); t++) {
            Tensor x = tensors.get(t);
            if (x.dtype() != DType.F32 || x.numel() != layout.size(t)) {
                throw new IllegalArgumentException("tensor " + t + " must be F32 with " + layout.size(t)
                        + " elements, got " + x);
            }
        }
    }

    private static Tensor ints(Stream stream, int[] values) {
        Tensor t = Tensor.empty(stream.device(), DType.I32, values.length);
        try {
            t.copyFromInts(stream, values);
            return t;
        } catch (RuntimeException e) {
            t.close();
            throw e;
        }
    }

    private static void closeIfSet(Tensor t) {
        if (t != null) {
            t.close();
        }
    }
}
