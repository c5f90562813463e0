package dev.lorapar.model.io;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * A parsed GGUF v3 file, memory-mapped read-only. Layout (all little-endian, per the GGUF spec in
 * ggml's docs/gguf.md): magic "GGUF", uint32 version, uint64 tensor count, uint64 metadata KV count;
 * the KV pairs (GGUF string key, uint32 value type, value); the tensor infos (name, uint32 n_dims,
 * n_dims × uint64 dims innermost-first, uint32 ggml type, uint64 offset); padding to the alignment
 * ({@code general.alignment}, default 32); the tensor data, each tensor at its offset from the start
 * of that section. A GGUF string is a uint64 byte length and that many UTF-8 bytes.
 *
 * <p>Every count, length and offset is checked against the bytes that remain before anything is
 * allocated from it; bad input throws {@link CheckpointException}. Closing the file unmaps it: segments
 * from {@link #tensorData} are unusable afterwards.
 */
public final class GgufFile implements AutoCloseable {
    /** The alignment of the tensor data when {@code general.alignment} is absent. */
    public static final int DEFAULT_ALIGNMENT = 32;

    /**
     * One tensor's header entry.
     *
     * @param name     the GGUF tensor name, e.g. {@code blk.0.attn_q.weight}
     * @param type     its ggml type
     * @param dims     its dimensions innermost-first (ggml order: {@code dims[0]} is contiguous), so a
     *                 matrix of R rows and C columns is listed {@code [C, R]}
     * @param offset   the byte offset of its data from the start of the data section
     * @param byteSize the bytes its data occupies
     */
    public record TensorInfo(String name, GgmlType type, long[] dims, long offset, long byteSize) {
        public TensorInfo {
            dims = dims.clone();
        }

        @Override
        public long[] dims() {
            return dims.clone();
        }

        /** The number of elements (the product of the dims). */
        public long elementCount() {
            long n = 1;
            for (long d : dims) n *= d; // validated against overflow when parsed
            return n;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof TensorInfo t && name.equals(t.name) && type == t.type && Arrays.equals(dims, t.dims)
                    && offset == t.offset && byteSize == t.byteSize;
        }

        @Override
        public int hashCode() {
            return name.hashCode() * 31 + Arrays.hashCode(dims);
        }

        @Override
        public String toString() {
            return name + " " + type + " " + Arrays.toString(dims) + " @" + offset;
        }
    }

    private final Path path;
    private final Arena arena;
    private final boolean ownsArena;
    private final MemorySegment bytes;
    private final int version;
    private final Map<String, Object> metadata;
    private final List<TensorInfo> tensors;
    private final long alignment;
    private final long dataOffset;

    private GgufFile(Path path, Arena arena, boolean ownsArena, MemorySegment bytes, GgufHeaderParser parsed) {
        this.path = path;
        this.arena = arena;
        this.ownsArena = ownsArena;
        this.bytes = bytes;
        this.version = parsed.version;
        this.metadata = Collections.unmodifiableMap(parsed.metadata);
        this.tensors = List.copyOf(parsed.tensors);
        this.alignment = parsed.alignment;
        this.dataOffset = parsed.dataOffset;
    }

    /** Maps and parses {@code file}; the returned object owns the mapping until {@link #close()}. */
    public static GgufFile open(Path file) {
        Arena arena = Arena.ofShared();
        try {
            return read(file, arena, true);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    /** Maps and parses {@code file} into {@code arena}, which the caller owns (close() then does nothing). */
    static GgufFile read(Path file, Arena arena, boolean ownsArena) {
        MemorySegment bytes = MappedFiles.map(file, arena);
        GgufHeaderParser parsed = new GgufHeaderParser(new ByteCursor(bytes, file), file);
        parsed.parse();
        checkTensorExtents(file, parsed, bytes.byteSize());
        return new GgufFile(file, arena, ownsArena, bytes, parsed);
    }

    private static void checkTensorExtents(Path file, GgufHeaderParser parsed, long fileSize) {
        long dataSize = Math.max(0, fileSize - parsed.dataOffset);
        List<TensorInfo> byOffset = new ArrayList<>(parsed.tensors);
        byOffset.sort(Comparator.comparingLong(TensorInfo::offset));
        long previousEnd = 0;
        String previousName = null;
        for (TensorInfo t : byOffset) {
            if (t.offset() % parsed.alignment != 0) {
                throw new CheckpointException(file, t.name(), "data offset " + t.offset()
                        + " is not a multiple of the alignment " + parsed.alignment);
            }
            if (t.byteSize() > dataSize || t.offset() > dataSize - t.byteSize()) {
                throw new CheckpointException(file, t.name(), "data [" + t.offset() + ", +" + t.byteSize()
                        + " bytes] runs past the end of the data section (" + dataSize + " bytes from offset "
                        + parsed.dataOffset + ")");
            }
            if (t.offset() < previousEnd) {
                throw new CheckpointException(file, t.name(), "data at offset " + t.offset()
                        + " overlaps tensor " + previousName + " (which ends at " + previousEnd + ")");
            }
            previousEnd = t.offset() + t.byteSize();
            previousName = t.name();
        }
    }

    /** The metadata: values are Long (every integer type; uint64 above 2^63−1 as its raw bits), Double
     *  (float32, float64), Boolean, String, or an unmodifiable List&lt;Object&gt; of those (arrays). */
    public Map<String, Object> metadata() {
        return metadata;
    }

    /** The tensor infos in file order. */
    public List<TensorInfo> tensors() {
        return tensors;
    }

    /** The file. */
    public Path path() {
        return path;
    }

    /** The GGUF version (3). */
    public int version() {
        return version;
    }

    /** The alignment of the data section and of each tensor's offset. */
    public long alignment() {
        return alignment;
    }

    /** The absolute file offset where the tensor data section starts. */
    public long dataOffset() {
        return dataOffset;
    }

    /** The read-only bytes of one tensor (valid until close). */
    public MemorySegment tensorData(TensorInfo tensor) {
        return bytes.asSlice(dataOffset + tensor.offset(), tensor.byteSize()).asReadOnly();
    }

    /** Unmaps the file when this object owns the mapping (see {@link #open}); idempotent. */
    @Override
    public void close() {
        if (ownsArena && arena.scope().isAlive()) arena.close();
    }
}
