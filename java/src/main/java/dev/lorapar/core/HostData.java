package dev.lorapar.core;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Conversion between Java float values and the native element encoding of each {@link DType}, in a
 * host staging segment (native byte order). BF16 rounds to nearest even ({@link BFloat16}).
 */
final class HostData {
    private static final double TWO_POW_63 = 0x1p63;

    private HostData() {
    }

    /**
     * Encodes {@code data} [n] as {@code dtype} elements into {@code out} [n·byteSize bytes].
     *
     * @throws IllegalArgumentException for U8/I32/I64 when a value is not an integer in the type's range
     */
    static void encode(String op, float[] data, DType dtype, MemorySegment out) {
        switch (dtype) {
            case F32 -> MemorySegment.copy(data, 0, out, ValueLayout.JAVA_FLOAT, 0, data.length);
            case BF16 -> {
                for (int i = 0; i < data.length; i++) {
                    out.setAtIndex(ValueLayout.JAVA_SHORT, i, BFloat16.fromFloat(data[i]));
                }
            }
            case U8 -> {
                for (int i = 0; i < data.length; i++) {
                    out.setAtIndex(ValueLayout.JAVA_BYTE, i, (byte) integral(op, data, i, 0, 0x1p8, dtype));
                }
            }
            case I32 -> {
                for (int i = 0; i < data.length; i++) {
                    out.setAtIndex(ValueLayout.JAVA_INT, i,
                            (int) integral(op, data, i, -0x1p31, 0x1p31, dtype));
                }
            }
            case I64 -> {
                for (int i = 0; i < data.length; i++) {
                    out.setAtIndex(ValueLayout.JAVA_LONG, i, integral(op, data, i, -TWO_POW_63, TWO_POW_63, dtype));
                }
            }
        }
    }

    /** data[i] as a long, when it is an integer in [lo, hiExclusive). */
    private static long integral(String op, float[] data, int i, double lo, double hiExclusive, DType dtype) {
        float v = data[i];
        if (!inIntegerRange(v, lo, hiExclusive)) {
            throw new IllegalArgumentException(op + ": data[" + i + "] = " + v + " is not an integer in the range of "
                    + dtype + " [" + (long) lo + ", " + (hiExclusive == TWO_POW_63 ? "2^63" : (long) hiExclusive)
                    + ")");
        }
        return (long) v;
    }

    private static boolean inIntegerRange(double v, double lo, double hiExclusive) {
        return v >= lo && v < hiExclusive && v == Math.rint(v);
    }

    /** Checks that {@code value} can be written into every element of {@code dtype} by lp_fill. */
    static void checkFillValue(String op, double value, DType dtype) {
        boolean ok = switch (dtype) {
            case F32, BF16 -> true; // any value, NaN and ±Inf included (poisoning outputs is a use)
            case U8 -> inIntegerRange(value, 0, 0x1p8);
            case I32 -> inIntegerRange(value, -0x1p31, 0x1p31);
            case I64 -> inIntegerRange(value, -TWO_POW_63, TWO_POW_63);
        };
        if (!ok) {
            throw new IllegalArgumentException(op + ": value " + value + " is not an integer in the range of " + dtype);
        }
    }

    /** Decodes {@code n} elements of {@code dtype} from {@code in} into a new float[n] (I32/I64 may round). */
    static float[] decode(MemorySegment in, DType dtype, int n) {
        float[] out = new float[n];
        switch (dtype) {
            case F32 -> MemorySegment.copy(in, ValueLayout.JAVA_FLOAT, 0, out, 0, n);
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = BFloat16.toFloat(in.getAtIndex(ValueLayout.JAVA_SHORT, i));
                }
            }
            case U8 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = Byte.toUnsignedInt(in.getAtIndex(ValueLayout.JAVA_BYTE, i));
                }
            }
            case I32 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = in.getAtIndex(ValueLayout.JAVA_INT, i);
                }
            }
            case I64 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = in.getAtIndex(ValueLayout.JAVA_LONG, i);
                }
            }
        }
        return out;
    }
}
