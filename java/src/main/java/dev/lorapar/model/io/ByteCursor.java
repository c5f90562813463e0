package dev.lorapar.model.io;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A bounds-checked little-endian reader over a mapped file. Every read that would run past the end
 * throws a {@link CheckpointException} naming the file and what was being read, so that a lying size
 * field never reaches an allocation or an out-of-bounds access.
 */
final class ByteCursor {
    static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** The longest string read (64 MiB): far above any real name or token, far below the array limit. */
    static final long MAX_STRING_BYTES = 64L << 20;

    private final MemorySegment bytes;
    private final Path file;
    private long position;

    ByteCursor(MemorySegment bytes, Path file) {
        this.bytes = bytes;
        this.file = file;
    }

    long position() {
        return position;
    }

    long size() {
        return bytes.byteSize();
    }

    long remaining() {
        return bytes.byteSize() - position;
    }

    /** Checks that {@code count} more bytes exist for {@code what}; does not move. */
    void require(long count, String what) {
        if (count < 0 || count > remaining()) {
            throw new CheckpointException(file, what + " needs " + Long.toUnsignedString(count)
                    + " bytes at offset " + position + " but the file has only " + remaining() + " left ("
                    + bytes.byteSize() + " bytes in all)");
        }
    }

    int u8(String what) {
        require(1, what);
        return bytes.get(ValueLayout.JAVA_BYTE, position++) & 0xff;
    }

    int u16(String what) {
        require(2, what);
        int v = bytes.get(U16, position) & 0xffff;
        position += 2;
        return v;
    }

    /** A 32-bit field as stored (signed int; use Integer.toUnsignedLong for uint32). */
    int i32(String what) {
        require(4, what);
        int v = bytes.get(U32, position);
        position += 4;
        return v;
    }

    /** A 64-bit field as stored (raw bits; uint64 values above Long.MAX_VALUE read negative). */
    long i64(String what) {
        require(8, what);
        long v = bytes.get(U64, position);
        position += 8;
        return v;
    }

    float f32(String what) {
        return Float.intBitsToFloat(i32(what));
    }

    double f64(String what) {
        return Double.longBitsToDouble(i64(what));
    }

    /** {@code length} bytes decoded as UTF-8 (malformed sequences become U+FFFD). */
    String utf8(long length, String what) {
        require(length, what);
        if (length > MAX_STRING_BYTES) {
            throw new CheckpointException(file, what + " is " + length + " bytes long, over the limit of "
                    + MAX_STRING_BYTES + " bytes for one string");
        }
        byte[] raw = bytes.asSlice(position, length).toArray(ValueLayout.JAVA_BYTE);
        position += length;
        return new String(raw, StandardCharsets.UTF_8);
    }

    void skip(long count, String what) {
        require(count, what);
        position += count;
    }
}
