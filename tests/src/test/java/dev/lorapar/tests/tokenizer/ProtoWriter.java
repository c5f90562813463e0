package dev.lorapar.tests.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Writes protobuf wire format for hand-made SentencePiece models in tests. */
final class ProtoWriter {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    ProtoWriter varint(long value) {
        while ((value & ~0x7FL) != 0) {
            out.write((int) ((value & 0x7F) | 0x80));
            value >>>= 7;
        }
        out.write((int) value);
        return this;
    }

    ProtoWriter tag(int field, int wireType) {
        return varint(((long) field << 3) | wireType);
    }

    ProtoWriter varintField(int field, long value) {
        return tag(field, 0).varint(value);
    }

    ProtoWriter floatField(int field, float value) {
        tag(field, 5);
        out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(value).array());
        return this;
    }

    ProtoWriter bytesField(int field, byte[] bytes) {
        tag(field, 2).varint(bytes.length);
        out.writeBytes(bytes);
        return this;
    }

    ProtoWriter stringField(int field, String text) {
        return bytesField(field, text.getBytes(StandardCharsets.UTF_8));
    }

    ProtoWriter messageField(int field, ProtoWriter message) {
        return bytesField(field, message.toByteArray());
    }

    ProtoWriter raw(byte... bytes) {
        out.writeBytes(bytes);
        return this;
    }

    byte[] toByteArray() {
        return out.toByteArray();
    }

    /** A ModelProto.SentencePiece message. */
    static ProtoWriter piece(String piece, float score, int type) {
        return new ProtoWriter().stringField(1, piece).floatField(2, score).varintField(3, type);
    }
}
