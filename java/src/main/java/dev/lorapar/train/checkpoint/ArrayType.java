package dev.lorapar.train.checkpoint;

/**
 * The element type of one array of a {@link TrainingState}, as written in the checkpoint header ({@code "dtype"})
 * and stored little-endian in the file.
 */
public enum ArrayType {
    /** IEEE-754 binary32: fp32 master weights, optimizer moments. Stored bit-exactly (NaN payloads included). */
    F32(4),
    /** Unsigned bytes: masks (0 / 1 per element). */
    U8(1),
    /** 32-bit signed integers: index lists, permutations. */
    I32(4),
    /** 64-bit signed integers: RNG states, counters. */
    I64(8);

    private final int bytes;

    ArrayType(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes per element in the file. */
    public int elementBytes() {
        return bytes;
    }

    /** The type named {@code name} in a header, or null when there is none of that name. */
    static ArrayType byName(String name) {
        for (ArrayType t : values()) {
            if (t.name().equals(name)) return t;
        }
        return null;
    }
}
