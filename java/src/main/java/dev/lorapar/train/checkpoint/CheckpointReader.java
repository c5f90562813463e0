package dev.lorapar.train.checkpoint;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Reads and verifies one checkpoint file in a single streaming pass through a 1 MiB direct buffer: preamble,
 * header checksum, declared size against the real size, every array's checksum as its elements land in their
 * Java arrays, the footer and the whole-file checksum. The first fault found ends the read with a
 * {@link CorruptCheckpointException} that names the region.
 */
final class CheckpointReader {
    private final Path file;
    private final FileChannel channel;
    private final ByteBuffer block;
    private final CRC32C fileCrc = new CRC32C();
    private final long size;
    private long consumed;

    private CheckpointReader(Path file, FileChannel channel) throws IOException {
        this.file = file;
        this.channel = channel;
        this.size = channel.size();
        this.block = ByteBuffer.allocateDirect(CheckpointWriter.blockBytes(size)).order(ByteOrder.LITTLE_ENDIAN);
        block.flip(); // empty, in read mode
    }

    static TrainingState read(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return new CheckpointReader(file, ch).readAll();
        }
    }

    private CorruptCheckpointException corrupt(String reason) {
        return new CorruptCheckpointException(file, reason);
    }

    private TrainingState readAll() throws IOException {
        long smallest = CheckpointFormat.fileBytes(2, List.of()); // "{}" header, no arrays
        if (size < smallest) {
            throw corrupt("truncated: " + size + " bytes, shorter than the smallest checkpoint (" + smallest + " bytes)");
        }
        ByteBuffer pre = take(CheckpointFormat.PREAMBLE_BYTES);
        byte[] magic = new byte[CheckpointFormat.MAGIC.length];
        pre.duplicate().get(magic);
        if (!Arrays.equals(magic, CheckpointFormat.MAGIC)) {
            throw corrupt("bad magic " + hex(magic) + ": not a lorapar checkpoint (expected " + hex(CheckpointFormat.MAGIC) + ")");
        }
        int version = pre.getInt(8);
        if (version != CheckpointFormat.VERSION) {
            throw corrupt("unsupported format version " + Integer.toUnsignedString(version) + " (this build reads "
                    + CheckpointFormat.VERSION + "): a newer lorapar wrote it, or the version field is corrupt");
        }
        long headerLength = Integer.toUnsignedLong(pre.getInt(12));
        if (headerLength < 2 || headerLength > CheckpointFormat.MAX_HEADER_BYTES
                || CheckpointFormat.PREAMBLE_BYTES + headerLength + CheckpointFormat.CRC_BYTES + CheckpointFormat.FOOTER_BYTES > size) {
            throw corrupt("header length " + headerLength + " does not fit a file of " + size
                    + " bytes (truncated, or a corrupt length field)");
        }
        CRC32C headerCrc = new CRC32C();
        headerCrc.update(pre.rewind());
        byte[] header = new byte[(int) headerLength];
        for (int off = 0; off < header.length; ) {
            ByteBuffer part = take(Math.min(header.length - off, block.capacity()));
            int n = part.remaining();
            part.get(header, off, n);
            off += n;
        }
        headerCrc.update(header);
        checkCrc(take(4).getInt(), headerCrc, "header checksum mismatch");

        CheckpointFormat.Header h;
        try {
            h = CheckpointFormat.parseHeader(header);
        } catch (IllegalArgumentException bad) {
            throw corrupt(bad.getMessage());
        }
        List<Long> sizes = new ArrayList<>();
        for (CheckpointFormat.Declared d : h.arrays()) sizes.add(d.byteLength());
        long expected = CheckpointFormat.fileBytes(headerLength, sizes);
        if (size < expected) {
            throw corrupt("truncated: " + size + " bytes, the header declares " + expected);
        }
        if (size > expected) {
            throw corrupt(size - expected + " bytes past the end the header declares (" + expected + " bytes)");
        }

        TrainingState.Builder state = TrainingState.builder(h.step()).config(h.config());
        h.scalars().forEach(state::scalar);
        for (CheckpointFormat.Declared d : h.arrays()) {
            readArray(d, state);
        }

        ByteBuffer footer = take(CheckpointFormat.FOOTER_BYTES - CheckpointFormat.CRC_BYTES);
        byte[] end = new byte[CheckpointFormat.END_MAGIC.length];
        footer.get(end);
        if (!Arrays.equals(end, CheckpointFormat.END_MAGIC)) {
            throw corrupt("footer magic " + hex(end) + " is wrong (expected " + hex(CheckpointFormat.END_MAGIC) + ")");
        }
        long declaredLength = footer.getLong();
        if (declaredLength != size) {
            throw corrupt("footer file length " + declaredLength + " differs from the real size " + size);
        }
        long crcNow = fileCrc.getValue(); // over every byte before the final CRC
        int stored = take(4).getInt();
        if ((int) crcNow != stored) {
            throw corrupt(String.format("file checksum mismatch (stored %08x, computed %08x)", stored, (int) crcNow));
        }
        return state.build();
    }

    private void readArray(CheckpointFormat.Declared d, TrainingState.Builder state) throws IOException {
        int size = d.type().elementBytes();
        int length = d.length();
        CRC32C crc = new CRC32C();
        Object data = switch (d.type()) {
            case F32 -> new float[length];
            case U8 -> new byte[length];
            case I32 -> new int[length];
            case I64 -> new long[length];
        };
        int off = 0;
        while (off < length) {
            int want = (int) Math.min((long) (length - off) * size, block.capacity() / 8 * 8);
            ByteBuffer part = take(want);
            int n = part.remaining() / size;
            crc.update(part.duplicate());
            switch (d.type()) {
                case F32 -> part.asFloatBuffer().get((float[]) data, off, n);
                case U8 -> part.get((byte[]) data, off, n);
                case I32 -> part.asIntBuffer().get((int[]) data, off, n);
                case I64 -> part.asLongBuffer().get((long[]) data, off, n);
            }
            off += n;
        }
        String what = "array '" + d.name() + "' (" + d.type() + Arrays.toString(d.shape()) + ")";
        checkCrc(take(4).getInt(), crc, what + ": checksum mismatch");
        switch (d.type()) {
            case F32 -> state.floats(d.name(), (float[]) data, d.shape());
            case U8 -> state.bytes(d.name(), (byte[]) data, d.shape());
            case I32 -> state.ints(d.name(), (int[]) data, d.shape());
            case I64 -> state.longs(d.name(), (long[]) data, d.shape());
        }
    }

    private void checkCrc(int stored, CRC32C computed, String what) throws CorruptCheckpointException {
        if (stored != (int) computed.getValue()) {
            throw corrupt(String.format("%s (stored %08x, computed %08x)", what, stored, (int) computed.getValue()));
        }
    }

    /**
     * The next {@code n} bytes of the file (n ≤ the block size) as a little-endian buffer, folded into the
     * whole-file CRC; a file that ends first is truncated.
     */
    private ByteBuffer take(int n) throws IOException {
        if (n > block.capacity()) throw new IllegalStateException("read of " + n + " bytes exceeds the block");
        if (block.remaining() < n) {
            block.compact();
            while (block.position() < n) {
                if (channel.read(block) < 0) {
                    throw corrupt("truncated: the file ends at byte " + (consumed + block.position()) + " of " + size);
                }
            }
            block.flip();
        }
        ByteBuffer out = block.slice(block.position(), n).order(ByteOrder.LITTLE_ENDIAN);
        fileCrc.update(out.duplicate());
        block.position(block.position() + n);
        consumed += n;
        return out;
    }

    private static String hex(byte[] b) {
        StringBuilder s = new StringBuilder();
        for (byte x : b) s.append(String.format("%02x", x));
        return s.toString();
    }
}
