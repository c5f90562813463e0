package dev.lorapar.tokenizer;

import java.util.Arrays;

/** A growable list of ints. */
final class IntList {
    private int[] values;
    private int size;

    IntList(int capacity) {
        values = new int[Math.max(4, capacity)];
    }

    void add(int value) {
        if (size == values.length) {
            values = Arrays.copyOf(values, size * 2);
        }
        values[size++] = value;
    }

    void addAll(int[] more) {
        for (int value : more) {
            add(value);
        }
    }

    int size() {
        return size;
    }

    int last() {
        return values[size - 1];
    }

    int[] toArray() {
        return Arrays.copyOf(values, size);
    }
}
