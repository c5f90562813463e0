package dev.lorapar.tokenizer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A minimal reader of the protobuf wire format over a byte array: tags, varints, 32/64-bit fixed values
 * and length-delimited fields (strings, bytes, nested messages). Every read is bounds-checked; malformed
 * input throws {@link TokenizerFormatException} naming the file and the byte offset.
 */
final class ProtobufReader {
    static final int VARINT = 0;
    static final int FIXED64 = 1;
    static final int LENGTH_DELIMITED = 2;
    static final int FIXED32 = 5;

    private final Path file;
    private final byte[] data;
    private final int end;   // exclusive limit of this message
    private int position;

    ProtobufReader(Path file, byte[] data) {
        this(file, data, 0, data.length);
    }

    private ProtobufReader(Path file, byte[] data, int start, int end) {
        this.file = file;
        this.data = data;
        this.position = start;
        this.end = end;
    }

    /** Whether another field follows in this message. */
    boolean hasMore() {
        return position < end;
    }

    /** The byte offset of the next read in the file. */
    int position() {
        return position;
    }

    /** Reads a field tag: {@code fieldNumber << 3 | wireType}. */
    int readTag() {
        int at = position;
        long tag = readVarint();
        if (tag >>> 3 == 0 || tag >>> 3 > 0x1FFFFFFF) {
            throw error(at, "invalid field number " + (tag >>> 3));
        }
        return (int) tag;
    }

    static int fieldNumber(int tag) {
        return tag >>> 3;
    }

    static int wireType(int tag) {
        return tag & 7;
    }

    /** Reads a base-128 varint (at most 10 bytes). */
    long readVarint() {
        int at = position;
        long value = 0;
        for (int shift = 0; shift < 70; shift += 7) {
            if (position >= end) {
                throw error(at, "varint runs past the end of its message at byte " + end);
            }
            byte b = data[position++];
            value |= (long) (b & 0x7F) << shift;
            if (b >= 0) {
                return value;
            }
        }
        throw error(at, "varint longer than 10 bytes");
    }

    /** Reads a little-endian 32-bit float ({@code fixed32} wire type). */
    float readFloat() {
        need(4, "a 32-bit value");
        float value = ByteBuffer.wrap(data, position, 4).order(ByteOrder.LITTLE_ENDIAN).getFloat();
        position += 4;
        return value;
    }

    /** Reads a length-delimited field and returns a reader over its bytes (a nested message). */
    ProtobufReader readMessage() {
        int length = readLength();
        ProtobufReader nested = new ProtobufReader(file, data, position, position + length);
        position += length;
        return nested;
    }

    /** Reads a length-delimited field as raw bytes. */
    byte[] readBytes() {
        int length = readLength();
        byte[] bytes = Arrays.copyOfRange(data, position, position + length);
        position += length;
        return bytes;
    }

    /** Reads a length-delimited field as strict UTF-8 text. */
    String readString() {
        int at = position;
        byte[] bytes = readBytes();
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw error(at, "string field is not valid UTF-8");
        }
    }

    /** Skips one field value of wire type {@code wireType}. */
    void skip(int wireType) {
        switch (wireType) {
            case VARINT -> readVarint();
            case FIXED64 -> {
                need(8, "a 64-bit value");
                position += 8;
            }
            case LENGTH_DELIMITED -> {
                int length = readLength();  // (not "position += readLength()": that would add to the old position)
                position += length;
            }
            case FIXED32 -> {
                need(4, "a 32-bit value");
                position += 4;
            }
            default -> throw error(position, "unsupported wire type " + wireType + " (groups are not supported)");
        }
    }

    /** Checks that a known field has the wire type its schema gives it. */
    void expectWireType(int tag, int wireType, String field) {
        if (wireType(tag) != wireType) {
            throw error(position, "field " + field + " has wire type " + wireType(tag) + ", expected " + wireType);
        }
    }

    private int readLength() {
        int at = position;
        long length = readVarint();
        if (length < 0 || length > end - position) {
            throw error(at, "length " + length + " runs past the end of its message ("
                    + (end - position) + " bytes left)");
        }
        return (int) length;
    }

    private void need(int bytes, String what) {
        if (end - position < bytes) {
            throw error(position, what + " runs past the end of its message");
        }
    }

    TokenizerFormatException error(int offset, String message) {
        return new TokenizerFormatException(file, "at byte " + offset + ": " + message);
    }
}
