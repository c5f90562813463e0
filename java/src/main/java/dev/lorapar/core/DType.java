package dev.lorapar.core;

/**
 * Element type of a {@link Tensor}; the codes are those of {@code lp_dtype} in {@code lorapar.h}.
 */
public enum DType {
    /** IEEE-754 binary32. */
    F32(0, 4),
    /** bfloat16 storage (the upper 16 bits of a binary32); ops accumulate in fp32. */
    BF16(1, 2),
    /** Unsigned byte; masks use it (0 = inactive, anything else = active). */
    U8(2, 1),
    /** Signed 32-bit integer. */
    I32(3, 4),
    /** Signed 64-bit integer. */
    I64(4, 8);

    private final int code;
    private final int byteSize;

    DType(int code, int byteSize) {
        this.code = code;
        this.byteSize = byteSize;
    }

    /** The native {@code lp_dtype} value. */
    public int code() {
        return code;
    }

    /** Bytes of one element. */
    public int byteSize() {
        return byteSize;
    }

    /** True for the floating-point types F32 and BF16. */
    public boolean isFloatingPoint() {
        return this == F32 || this == BF16;
    }
}
