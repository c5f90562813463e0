package dev.lorapar.core;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.List;

/**
 * Checks and host arrays for the "many tensors in one launch" ops: int64 size arrays and pointer
 * arrays in a caller's confined arena (the pointers they hold live on the stream's device).
 */
final class TensorLists {
    private TensorLists() {
    }

    /** sizes [count] int64: numel of each tensor (at least one slot, so the array is never NULL). */
    static MemorySegment sizes(Arena arena, List<Tensor> list) {
        MemorySegment out = arena.allocate(ValueLayout.JAVA_LONG, Math.max(1, list.size()));
        for (int i = 0; i < list.size(); i++) {
            out.setAtIndex(ValueLayout.JAVA_LONG, i, list.get(i).numel());
        }
        return out;
    }

    /** pointers [count]: each tensor's address, NULL for a null entry (at least one slot). */
    static MemorySegment pointers(Arena arena, List<Tensor> list) {
        MemorySegment out = arena.allocate(ValueLayout.ADDRESS, Math.max(1, list.size()));
        for (int i = 0; i < list.size(); i++) {
            Tensor t = list.get(i);
            out.setAtIndex(ValueLayout.ADDRESS, i, t == null ? MemorySegment.NULL : t.segment());
        }
        return out;
    }

    /** Every non-null list[i] has the numel of ref[i]. */
    static void sameNumels(String op, String name, List<Tensor> list, String refName, List<Tensor> ref) {
        for (int i = 0; i < list.size(); i++) {
            Tensor t = list.get(i);
            if (t != null && t.numel() != ref.get(i).numel()) {
                throw new IllegalArgumentException(op + ": " + name + "[" + i + "] has shape "
                        + Arrays.toString(t.shape()) + " (" + t.numel() + " elements), expected "
                        + ref.get(i).numel() + " elements (from " + refName + "[" + i + "] "
                        + Arrays.toString(ref.get(i).shape()) + ")");
            }
        }
    }

    /**
     * The one dtype shared by all non-null entries, which must be one of {@code allowed}; {@code fallback}
     * when there is no non-null entry.
     */
    static DType oneDtype(String op, String name, List<Tensor> list, DType fallback, DType... allowed) {
        DType common = null;
        int first = -1;
        for (int i = 0; i < list.size(); i++) {
            Tensor t = list.get(i);
            if (t == null) {
                continue;
            }
            if (common == null) {
                Check.dtype(op, name + "[" + i + "]", t, allowed);
                common = t.dtype();
                first = i;
            } else if (t.dtype() != common) {
                throw new IllegalArgumentException(op + ": " + name + "[" + i + "] has dtype " + t.dtype()
                        + ", expected " + common + " (the dtype of " + name + "[" + first + "]; one dtype per list)");
            }
        }
        return common == null ? fallback : common;
    }
}
