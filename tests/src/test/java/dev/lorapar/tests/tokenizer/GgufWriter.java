package dev.lorapar.tests.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Writes a vocabulary-only GGUF v3 file (no tensors) for tests: header, key-value pairs (string, bool,
 * uint32, int32, float32 and arrays of them), padding to the default alignment 32.
 */
final class GgufWriter {
    static final int UINT32 = 4;
    static final int INT32 = 5;
    static final int FLOAT32 = 6;
    static final int BOOL = 7;
    static final int STRING = 8;
    static final int ARRAY = 9;

    private final ByteArrayOutputStream kv = new ByteArrayOutputStream();
    private int count;

    GgufWriter string(String key, String value) {
        key(key, STRING);
        writeString(kv, value);
        return this;
    }

    GgufWriter uint32(String key, int value) {
        key(key, UINT32);
        kv.writeBytes(le(4).putInt(value).array());
        return this;
    }

    GgufWriter bool(String key, boolean value) {
        key(key, BOOL);
        kv.write(value ? 1 : 0);
        return this;
    }

    GgufWriter strings(String key, List<String> values) {
        arrayHeader(key, STRING, values.size());
        values.forEach(v -> writeString(kv, v));
        return this;
    }

    GgufWriter floats(String key, float[] values) {
        arrayHeader(key, FLOAT32, values.length);
        for (float v : values) {
            kv.writeBytes(le(4).putFloat(v).array());
        }
        return this;
    }

    GgufWriter int32s(String key, int[] values) {
        arrayHeader(key, INT32, values.length);
        for (int v : values) {
            kv.writeBytes(le(4).putInt(v).array());
        }
        return this;
    }

    byte[] toByteArray() {
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        file.writeBytes("GGUF".getBytes(StandardCharsets.US_ASCII));
        file.writeBytes(le(4).putInt(3).array());           // version
        file.writeBytes(le(8).putLong(0).array());          // tensor count
        file.writeBytes(le(8).putLong(count).array());      // KV count
        file.writeBytes(kv.toByteArray());
        while (file.size() % 32 != 0) {
            file.write(0);
        }
        return file.toByteArray();
    }

    private void arrayHeader(String key, int elementType, int length) {
        key(key, ARRAY);
        kv.writeBytes(le(4).putInt(elementType).array());
        kv.writeBytes(le(8).putLong(length).array());
    }

    private void key(String key, int type) {
        writeString(kv, key);
        kv.writeBytes(le(4).putInt(type).array());
        count++;
    }

    private static void writeString(ByteArrayOutputStream out, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        out.writeBytes(le(8).putLong(bytes.length).array());
        out.writeBytes(bytes);
    }

    private static ByteBuffer le(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }
}
