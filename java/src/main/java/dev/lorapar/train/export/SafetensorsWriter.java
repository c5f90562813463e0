package dev.lorapar.train.export;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Writes a safetensors file: a uint64 little-endian header length N, N bytes of JSON
 * {@code {"__metadata__": {...}, name: {"dtype", "shape", "data_offsets": [begin, end]}, ...}} padded with spaces to
 * a multiple of 8 (so the data starts 8-byte aligned, as the reference implementation writes it), then each tensor's
 * bytes, row-major little-endian, back to back in the order given. The bytes are streamed from each entry's
 * {@link Body} (nothing is held whole in memory) into a temporary file that is synced and then renamed over
 * {@code file}: a reader never sees a partial file.
 */
public final class SafetensorsWriter {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int BUFFER_BYTES = 1 << 20;

    private SafetensorsWriter() {
    }

    /** Produces one tensor's bytes: must put exactly {@link Entry#byteSize()} bytes into the sink. */
    @FunctionalInterface
    public interface Body {
        void write(Sink sink) throws IOException;
    }

    /**
     * One tensor: its name, safetensors dtype ({@code F32}, {@code BF16}, {@code F16} or {@code U8}), shape (outermost
     * first) and the producer of its bytes.
     */
    public record Entry(String name, String dtype, long[] shape, Body body) {
        public Entry {
            Objects.requireNonNull(name, "tensor name");
            Objects.requireNonNull(body, "tensor body of " + name);
            if (name.isEmpty() || name.equals("__metadata__")) {
                throw new IllegalArgumentException("safetensors: '" + name + "' is not a usable tensor name");
            }
            elementBytes(dtype, name);
            shape = shape.clone();
            long n = 1;
            for (long d : shape) {
                if (d < 0) throw new IllegalArgumentException("safetensors: tensor " + name + " has a negative dimension "
                        + Arrays.toString(shape));
                n = Math.multiplyExact(n, d);
            }
            Math.multiplyExact(n, (long) elementBytes(dtype, name));
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }

        /** Elements · bytes per element. */
        public long byteSize() {
            long n = 1;
            for (long d : shape) n *= d;
            return n * elementBytes(dtype, name);
        }
    }

    /** Bytes per element of a safetensors dtype this writer supports. */
    static int elementBytes(String dtype, String tensor) {
        return switch (Objects.requireNonNull(dtype, "dtype of " + tensor)) {
            case "F32" -> 4;
            case "BF16", "F16" -> 2;
            case "U8" -> 1;
            default -> throw new IllegalArgumentException("safetensors: tensor " + tensor + " has dtype " + dtype
                    + " (this writer supports F32, BF16, F16 and U8)");
        };
    }

    /** The little-endian byte stream of the tensor being written, buffered. */
    public static final class Sink {
        private final FileChannel channel;
        private final ByteBuffer buffer = ByteBuffer.allocate(BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        private long written;

        private Sink(FileChannel channel) {
            this.channel = channel;
        }

        /** {@code values[from, from + count)} encoded as {@code dtype}. */
        public void putFloats(ExportDType dtype, float[] values, int from, int count) throws IOException {
            Objects.checkFromIndexSize(from, count, values.length);
            int perChunk = BUFFER_BYTES / dtype.bytes();
            for (int done = 0; done < count; ) {
                if (buffer.remaining() < dtype.bytes()) flush();
                int n = Math.min(count - done, Math.min(perChunk, buffer.remaining() / dtype.bytes()));
                dtype.put(buffer, values, from + done, n);
                done += n;
            }
            written += (long) count * dtype.bytes();
        }

        /** Raw bytes {@code bytes[from, from + count)}. */
        public void putBytes(byte[] bytes, int from, int count) throws IOException {
            Objects.checkFromIndexSize(from, count, bytes.length);
            for (int done = 0; done < count; ) {
                if (!buffer.hasRemaining()) flush();
                int n = Math.min(count - done, buffer.remaining());
                buffer.put(bytes, from + done, n);
                done += n;
            }
            written += count;
        }

        private void flush() throws IOException {
            buffer.flip();
            while (buffer.hasRemaining()) channel.write(buffer);
            buffer.clear();
        }
    }

    /**
     * Writes {@code entries} to {@code file} (replacing it) with {@code metadata} as {@code __metadata__} (omitted when
     * empty). Returns the number of data bytes written.
     *
     * @throws IllegalArgumentException on a duplicate name, or when a body writes the wrong number of bytes (naming
     *                                  the tensor)
     */
    public static long write(Path file, Map<String, String> metadata, List<Entry> entries) throws IOException {
        byte[] header = header(metadata, entries);
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            Sink sink = new Sink(channel);
            sink.buffer.putLong(header.length);
            sink.putBytes(header, 0, header.length);
            sink.written = 0;
            for (Entry e : entries) {
                long before = sink.written;
                e.body().write(sink);
                long got = sink.written - before;
                if (got != e.byteSize()) {
                    throw new IllegalArgumentException("safetensors: tensor " + e.name() + " wrote " + got
                            + " bytes, its shape " + Arrays.toString(e.shape()) + " of " + e.dtype() + " needs "
                            + e.byteSize());
                }
            }
            sink.flush();
            channel.force(true);
            long data = sink.written;
            channel.close();
            AtomicFiles.moveIntoPlace(tmp, file);
            return data;
        } catch (IOException | RuntimeException | Error e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
    }

    /** The JSON header, padded with spaces to a multiple of 8 bytes. */
    static byte[] header(Map<String, String> metadata, List<Entry> entries) {
        ObjectNode root = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode meta = root.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        Set<String> names = new HashSet<>();
        long offset = 0;
        for (Entry e : entries) {
            if (!names.add(e.name())) {
                throw new IllegalArgumentException("safetensors: tensor " + e.name() + " is listed twice");
            }
            ObjectNode node = root.putObject(e.name());
            node.put("dtype", e.dtype());
            ArrayNode shape = node.putArray("shape");
            for (long d : e.shape()) shape.add(d);
            long end = offset + e.byteSize();
            node.putArray("data_offsets").add(offset).add(end);
            offset = end;
        }
        StringBuilder json = new StringBuilder(root.toString());
        while (json.toString().getBytes(StandardCharsets.UTF_8).length % 8 != 0) json.append(' ');
        return json.toString().getBytes(StandardCharsets.UTF_8);
    }
}
