package dev.lorapar.model.io;

/** The element types lorapar loads weights in; all little-endian in the files. */
public enum WeightType {
    /** IEEE binary32. */
    F32(4),
    /** IEEE binary16 (1 sign, 5 exponent, 10 mantissa bits). */
    F16(2),
    /** bfloat16: the upper 16 bits of a binary32. */
    BF16(2);

    private final int bytes;

    WeightType(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }
}
