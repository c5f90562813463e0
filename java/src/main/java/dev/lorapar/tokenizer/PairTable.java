package dev.lorapar.tokenizer;

import java.util.Arrays;

/**
 * An open-addressing hash map from a pair of token ids to a merge: its priority (lower merges first) and
 * the merged id, packed in a long by {@link #merge}. Keys are mixed with the splitmix64 finaliser:
 * {@code Long.hashCode} of {@code left << 32 | right}
 * is {@code left ^ right}, which collides badly for token pairs.
 */
final class PairTable {
    private static final long EMPTY = -1L;  // no valid key: ids are non-negative

    private final long[] keys;    // [capacity] pair keys, EMPTY where free
    private final long[] values;  // [capacity]
    private final int mask;
    private int size;

    /** A table with room for {@code expected} pairs at load factor at most 1/2. */
    PairTable(int expected) {
        int capacity = Integer.highestOneBit(Math.max(4, expected) * 2 - 1) << 1;
        keys = new long[capacity];
        values = new long[capacity];
        Arrays.fill(keys, EMPTY);
        mask = capacity - 1;
    }

    /** A merge packed as a long: priority bits high, merged id (non-negative) low; never -1. */
    static long merge(float priority, int mergedId) {
        return ((long) Float.floatToIntBits(priority) << 32) | mergedId;
    }

    static float priorityOf(long merge) {
        return Float.intBitsToFloat((int) (merge >>> 32));
    }

    static int mergedIdOf(long merge) {
        return (int) merge;
    }

    static long key(int leftId, int rightId) {
        return ((long) leftId << 32) | (rightId & 0xFFFFFFFFL);
    }

    /** Stores {@code value} for the pair, replacing an earlier value. */
    void put(int leftId, int rightId, long value) {
        long key = key(leftId, rightId);
        int slot = slot(key);
        if (keys[slot] == EMPTY) {
            if (2 * (size + 1) > keys.length) {
                throw new IllegalStateException("PairTable is full (" + size + " pairs)");
            }
            keys[slot] = key;
            size++;
        }
        values[slot] = value;
    }

    /** The value of the pair, or -1 when absent. */
    long get(int leftId, int rightId) {
        int slot = slot(key(leftId, rightId));
        return keys[slot] == EMPTY ? -1 : values[slot];
    }

    /** The slot holding {@code key}, or the free slot where it would go. */
    private int slot(long key) {
        int slot = (int) mix(key) & mask;
        while (keys[slot] != EMPTY && keys[slot] != key) {
            slot = (slot + 1) & mask;
        }
        return slot;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    int size() {
        return size;
    }
}
