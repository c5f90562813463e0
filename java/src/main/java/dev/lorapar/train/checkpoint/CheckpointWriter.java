package dev.lorapar.train.checkpoint;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Streams one {@link TrainingState} into a file in the format of {@code package-info.java} through a 1 MiB
 * direct buffer: arrays go from the Java heap into the buffer block by block, so the file never exists as one
 * byte[] in memory. Ends with {@code FileChannel.force(true)}. Does not rename: {@link CheckpointStore} does.
 */
final class CheckpointWriter {
    static final int BLOCK_BYTES = 1 << 20;

    private final FileChannel channel;
    private final ByteBuffer block;
    private final CRC32C fileCrc = new CRC32C();
    private final WriteProgress progress;
    private final long totalBytes;
    private long written;

    private CheckpointWriter(FileChannel channel, long totalBytes, WriteProgress progress) {
        this.channel = channel;
        this.totalBytes = totalBytes;
        this.progress = progress;
        this.block = ByteBuffer.allocateDirect(blockBytes(totalBytes)).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** The buffer for a file of {@code fileBytes}: the whole file when small, else BLOCK_BYTES. */
    static int blockBytes(long fileBytes) {
        return (int) Math.min(BLOCK_BYTES, Math.max(fileBytes, 4096));
    }

    /** Writes {@code state} to {@code file} (created or truncated), forced to the disk; returns the file size. */
    static long write(Path file, TrainingState state, WriteProgress progress) throws IOException {
        byte[] header = CheckpointFormat.header(state);
        List<Long> sizes = new ArrayList<>();
        for (NamedArray a : state.arrays()) sizes.add(a.byteLength());
        long total = CheckpointFormat.fileBytes(header.length, sizes);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            CheckpointWriter w = new CheckpointWriter(ch, total, progress);
            w.preambleAndHeader(header);
            for (NamedArray a : state.arrays()) {
                w.array(a);
            }
            w.footer();
            if (w.written != total) {
                throw new IllegalStateException("checkpoint writer wrote " + w.written + " bytes, planned " + total);
            }
            ch.force(true);
        }
        return total;
    }

    private void preambleAndHeader(byte[] header) throws IOException {
        ByteBuffer pre = ByteBuffer.allocate(CheckpointFormat.PREAMBLE_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        pre.put(CheckpointFormat.MAGIC).putInt(CheckpointFormat.VERSION).putInt(header.length).flip();
        CRC32C headerCrc = new CRC32C();
        headerCrc.update(pre.duplicate());
        headerCrc.update(header);
        put(pre.array());
        put(header);
        putInt((int) headerCrc.getValue());
    }

    /** The array's elements, little-endian, then the CRC32C of those bytes; drains at the end of the array. */
    private void array(NamedArray a) throws IOException {
        CRC32C crc = new CRC32C();
        int size = a.type().elementBytes();
        int length = a.length();
        int off = 0;
        while (off < length) {
            if (block.remaining() < size) drain();
            int n = Math.min(length - off, block.remaining() / size);
            int pos = block.position();
            switch (a.type()) {
                case F32 -> block.asFloatBuffer().put((float[]) a.data(), off, n);
                case U8 -> block.put((byte[]) a.data(), off, n);
                case I32 -> block.asIntBuffer().put((int[]) a.data(), off, n);
                case I64 -> block.asLongBuffer().put((long[]) a.data(), off, n);
            }
            crc.update(block.slice(pos, n * size));
            block.position(pos + n * size);
            off += n;
        }
        putInt((int) crc.getValue());
        drain();
    }

    private void footer() throws IOException {
        put(CheckpointFormat.END_MAGIC);
        putLong(totalBytes);
        drain(); // the file CRC covers every byte before it, footer included
        putInt((int) fileCrc.getValue());
        drain();
    }

    private void put(byte[] bytes) throws IOException {
        int off = 0;
        while (off < bytes.length) {
            if (!block.hasRemaining()) drain();
            int n = Math.min(bytes.length - off, block.remaining());
            block.put(bytes, off, n);
            off += n;
        }
    }

    private void putInt(int v) throws IOException {
        if (block.remaining() < 4) drain();
        block.putInt(v);
    }

    private void putLong(long v) throws IOException {
        if (block.remaining() < 8) drain();
        block.putLong(v);
    }

    /** Writes out the block, folding it into the file CRC, and tells the listener. */
    private void drain() throws IOException {
        block.flip();
        if (block.hasRemaining()) {
            fileCrc.update(block.duplicate());
            int n = block.remaining();
            while (block.hasRemaining()) channel.write(block);
            written += n;
            block.clear();
            progress.written(written, totalBytes);
        } else {
            block.clear();
        }
    }
}
