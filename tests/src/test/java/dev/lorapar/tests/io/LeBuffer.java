package dev.lorapar.tests.io;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A growable little-endian byte buffer for the test writers. It also records where its size, count
 * and offset fields sit ({@link #fields}), so that the fuzz test can overwrite them.
 */
final class LeBuffer {
    /** A field of the written file: {@code width} bytes at {@code offset}. */
    record Field(int offset, int width, String label) {
    }

    private byte[] bytes = new byte[256];
    private int size;
    final List<Field> fields = new ArrayList<>();

    int size() {
        return size;
    }

    private void ensure(int more) {
        if (size + more > bytes.length) bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
    }

    LeBuffer u8(int v) {
        ensure(1);
        bytes[size++] = (byte) v;
        return this;
    }

    LeBuffer u16(int v) {
        return u8(v).u8(v >>> 8);
    }

    LeBuffer u32(int v) {
        return u16(v).u16(v >>> 16);
    }

    LeBuffer u64(long v) {
        return u32((int) v).u32((int) (v >>> 32));
    }

    LeBuffer f32(float v) {
        return u32(Float.floatToRawIntBits(v));
    }

    /** A 32-bit field the fuzz test may overwrite. */
    LeBuffer field32(int v, String label) {
        fields.add(new Field(size, 4, label));
        return u32(v);
    }

    /** A 64-bit field the fuzz test may overwrite. */
    LeBuffer field64(long v, String label) {
        fields.add(new Field(size, 8, label));
        return u64(v);
    }

    LeBuffer bytes(byte[] b) {
        ensure(b.length);
        System.arraycopy(b, 0, bytes, size, b.length);
        size += b.length;
        return this;
    }

    LeBuffer utf8(String s) {
        return bytes(s.getBytes(StandardCharsets.UTF_8));
    }

    LeBuffer zeros(int n) {
        ensure(n);
        size += n; // the array is zero-filled beyond size
        return this;
    }

    /** Overwrites a 64-bit value at {@code offset}. */
    void set64(int offset, long v) {
        for (int i = 0; i < 8; i++) bytes[offset + i] = (byte) (v >>> (8 * i));
    }

    byte[] toArray() {
        return Arrays.copyOf(bytes, size);
    }
}
