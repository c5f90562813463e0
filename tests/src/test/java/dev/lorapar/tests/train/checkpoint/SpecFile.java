package dev.lorapar.tests.train.checkpoint;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.CRC32C;

/** Builds {@code .lpck} bytes from the documented format alone: an independent writer to check the reader against. */
final class SpecFile {
    private SpecFile() {
    }

    /** A file of the given header JSON and raw (already little-endian) array bytes, every checksum right. */
    static byte[] build(String headerJson, List<byte[]> arrays) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] header = headerJson.getBytes(StandardCharsets.UTF_8);
        out.writeBytes(new byte[] {'L', 'P', 'C', 'K', '\r', '\n', 0x1a, '\n'});
        out.writeBytes(le(4, 1));
        out.writeBytes(le(4, header.length));
        out.writeBytes(header);
        out.writeBytes(le(4, crc(out.toByteArray())));
        for (byte[] a : arrays) {
            out.writeBytes(a);
            out.writeBytes(le(4, crc(a)));
        }
        out.writeBytes(new byte[] {'L', 'P', 'C', 'K', 'E', 'N', 'D', '\n'});
        out.writeBytes(le(8, out.size() + 8 + 4));
        out.writeBytes(le(4, crc(out.toByteArray())));
        return out.toByteArray();
    }

    static long crc(byte[] b) {
        CRC32C c = new CRC32C();
        c.update(b);
        return c.getValue();
    }

    static byte[] le(int bytes, long v) {
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v);
        byte[] out = new byte[bytes];
        System.arraycopy(b.array(), 0, out, 0, bytes);
        return out;
    }

    static byte[] floatsLe(float... v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) b.putFloat(f);
        return b.array();
    }
}
