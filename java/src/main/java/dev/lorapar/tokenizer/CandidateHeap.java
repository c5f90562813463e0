package dev.lorapar.tokenizer;

import java.util.Arrays;

/**
 * A binary min-heap of merge candidates, each packed in one long by {@link #candidate}: the priority
 * (lower merges first) in the high half, the index of the left symbol in the low half, so that long
 * order is "priority, then leftmost".
 */
final class CandidateHeap {
    private long[] heap = new long[64];
    private int size;

    /** Packs a candidate; {@code -0f} counts as {@code 0f}, as float comparison treats them. */
    static long candidate(float priority, int left) {
        return ((long) sortableBits(priority) << 32) | left;
    }

    /** An int whose signed order is the float order of {@code priority} (not NaN). */
    static int sortableBits(float priority) {
        int bits = Float.floatToIntBits(priority + 0.0f);  // -0f + 0f == +0f
        return bits >= 0 ? bits : bits ^ 0x7FFFFFFF;
    }

    static int leftOf(long candidate) {
        return (int) candidate;
    }

    static int sortableBitsOf(long candidate) {
        return (int) (candidate >> 32);
    }

    boolean isEmpty() {
        return size == 0;
    }

    void push(long candidate) {
        if (size == heap.length) {
            heap = Arrays.copyOf(heap, size * 2);
        }
        int i = size++;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (heap[parent] <= candidate) {
                break;
            }
            heap[i] = heap[parent];
            i = parent;
        }
        heap[i] = candidate;
    }

    /** Removes and returns the smallest candidate. */
    long pop() {
        long top = heap[0];
        long last = heap[--size];
        int i = 0;
        while (true) {
            int child = 2 * i + 1;
            if (child >= size) {
                break;
            }
            if (child + 1 < size && heap[child + 1] < heap[child]) {
                child++;
            }
            if (heap[child] >= last) {
                break;
            }
            heap[i] = heap[child];
            i = child;
        }
        heap[i] = last;
        return top;
    }
}
