package dev.lorapar.train.report.plot;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Encodes a {@link Canvas} as a PNG (8-bit RGB, non-interlaced; each row filtered with "Sub" or
 * "Up", whichever has the smaller sum of absolute differences; zlib-compressed) with java.base only.
 */
public final class PngEncoder {
    private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

    private PngEncoder() {
    }

    /** The PNG file's bytes. */
    public static byte[] encode(Canvas canvas) {
        Objects.requireNonNull(canvas, "canvas");
        int w = canvas.width();
        int h = canvas.height();
        int[] px = canvas.pixels();
        int stride = 3 * w;
        byte[] raw = new byte[h * (stride + 1)];
        byte[] prev = new byte[stride];
        byte[] cur = new byte[stride];
        byte[] sub = new byte[stride];
        byte[] up = new byte[stride];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int p = px[y * w + x];
                cur[3 * x] = (byte) (p >> 16);
                cur[3 * x + 1] = (byte) (p >> 8);
                cur[3 * x + 2] = (byte) p;
            }
            long costSub = 0;
            long costUp = 0;
            for (int i = 0; i < stride; i++) {
                sub[i] = (byte) (cur[i] - (i >= 3 ? cur[i - 3] : 0));
                up[i] = (byte) (cur[i] - prev[i]);
                costSub += Math.abs((int) sub[i]);
                costUp += Math.abs((int) up[i]);
            }
            int off = y * (stride + 1);
            boolean useUp = y > 0 && costUp < costSub;
            raw[off] = (byte) (useUp ? 2 : 1);
            System.arraycopy(useUp ? up : sub, 0, raw, off + 1, stride);
            byte[] t = prev;
            prev = cur;
            cur = t;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length / 8 + 1024);
        out.writeBytes(SIGNATURE);
        ByteBuffer ihdr = ByteBuffer.allocate(13);
        ihdr.putInt(w).putInt(h).put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0);
        chunk(out, "IHDR", ihdr.array());
        chunk(out, "IDAT", deflate(raw));
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    /** Writes the PNG to {@code file} atomically (temporary file beside it, then rename); makes parent folders. */
    public static void write(Path file, Canvas canvas) throws IOException {
        Objects.requireNonNull(file, "png file is null");
        byte[] bytes = encode(canvas);
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        // a sibling with the umask's permissions (Files.createTempFile would make it owner-only)
        Path tmp = dir.resolve("." + file.getFileName() + "." + ProcessHandle.current().pid() + "." + System.nanoTime() + ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW)) {
                ByteBuffer buf = ByteBuffer.wrap(bytes);
                while (buf.hasRemaining()) ch.write(buf);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static byte[] deflate(byte[] raw) {
        Deflater d = new Deflater(6);
        try {
            d.setInput(raw);
            d.finish();
            ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length / 8 + 64);
            byte[] buf = new byte[64 * 1024];
            while (!d.finished()) {
                int n = d.deflate(buf);
                out.write(buf, 0, n);
            }
            return out.toByteArray();
        } finally {
            d.end();
        }
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        ByteBuffer len = ByteBuffer.allocate(4).putInt(data.length);
        out.writeBytes(len.array());
        out.writeBytes(t);
        out.writeBytes(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }
}
