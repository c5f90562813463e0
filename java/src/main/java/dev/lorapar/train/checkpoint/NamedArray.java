package dev.lorapar.train.checkpoint;

import java.util.Arrays;

/**
 * One array of a {@link TrainingState}: its name, element type, shape (product = length) and the primitive
 * array itself ({@code float[]} for F32, {@code byte[]} U8, {@code int[]} I32, {@code long[]} I64), not copied.
 */
record NamedArray(String name, ArrayType type, long[] shape, Object data) {

    /** Elements in {@link #data}. */
    int length() {
        return switch (type) {
            case F32 -> ((float[]) data).length;
            case U8 -> ((byte[]) data).length;
            case I32 -> ((int[]) data).length;
            case I64 -> ((long[]) data).length;
        };
    }

    /** Bytes of the data in the file. */
    long byteLength() {
        return (long) length() * type.elementBytes();
    }

    /** "name (F32[16, 4096])", for messages. */
    String describe() {
        return "'" + name + "' (" + type + Arrays.toString(shape) + ")";
    }

    /** Same name, type, shape and bit-identical elements (floats compared by their raw bits). */
    boolean sameContent(NamedArray o) {
        if (!name.equals(o.name) || type != o.type || !Arrays.equals(shape, o.shape)) return false;
        return switch (type) {
            case F32 -> sameBits((float[]) data, (float[]) o.data);
            case U8 -> Arrays.equals((byte[]) data, (byte[]) o.data);
            case I32 -> Arrays.equals((int[]) data, (int[]) o.data);
            case I64 -> Arrays.equals((long[]) data, (long[]) o.data);
        };
    }

    private static boolean sameBits(float[] a, float[] b) {
        if (a.length != b.length) return false;
        for (int i = 0; i < a.length; i++) {
            if (Float.floatToRawIntBits(a[i]) != Float.floatToRawIntBits(b[i])) return false;
        }
        return true;
    }

    int contentHash() {
        int h = name.hashCode() * 31 + type.hashCode();
        return switch (type) {
            case F32 -> {
                for (float f : (float[]) data) h = h * 31 + Float.floatToRawIntBits(f);
                yield h;
            }
            case U8 -> h * 31 + Arrays.hashCode((byte[]) data);
            case I32 -> h * 31 + Arrays.hashCode((int[]) data);
            case I64 -> h * 31 + Arrays.hashCode((long[]) data);
        };
    }
}
