package dev.lorapar.model.io;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Parses the GGUF header, metadata and tensor infos (see {@link GgufFile} for the layout). Counts
 * are checked against the minimum bytes each entry needs before anything is allocated from them.
 */
final class GgufHeaderParser {
    private static final int MAGIC = 0x46554747; // "GGUF" read as a little-endian uint32
    private static final int SUPPORTED_VERSION = 3;
    private static final int MAX_DIMS = 4; // GGML_MAX_DIMS
    private static final int MAX_ARRAY_NESTING = 8;
    private static final long MAX_ALIGNMENT = 1L << 30;
    /** The longest metadata array read (16 Mi elements): real vocabularies and merge lists hold < 1 Mi. */
    private static final long MAX_ARRAY_LENGTH = 1L << 24;
    // GGUF value types
    private static final int UINT8 = 0, INT8 = 1, UINT16 = 2, INT16 = 3, UINT32 = 4, INT32 = 5, FLOAT32 = 6,
            BOOL = 7, STRING = 8, ARRAY = 9, UINT64 = 10, INT64 = 11, FLOAT64 = 12;
    private static final String[] TYPE_NAMES = {"uint8", "int8", "uint16", "int16", "uint32", "int32",
            "float32", "bool", "string", "array", "uint64", "int64", "float64"};
    /** Smallest encoded size of a KV pair (empty key, 1-byte value) and of a tensor info (empty name, 0 dims). */
    private static final long MIN_KV_BYTES = 8 + 4 + 1, MIN_TENSOR_INFO_BYTES = 8 + 4 + 4 + 8;

    private final ByteCursor in;
    private final Path file;
    int version;
    final Map<String, Object> metadata = new LinkedHashMap<>();
    final List<GgufFile.TensorInfo> tensors = new ArrayList<>();
    long alignment = GgufFile.DEFAULT_ALIGNMENT;
    long dataOffset;

    GgufHeaderParser(ByteCursor in, Path file) {
        this.in = in;
        this.file = file;
    }

    void parse() {
        int magic = in.i32("the magic");
        if (magic != MAGIC) {
            throw new CheckpointException(file, String.format("not a GGUF file (magic 0x%08x, expected \"GGUF\")", magic));
        }
        version = in.i32("the version");
        if (version != SUPPORTED_VERSION) {
            throw new CheckpointException(file, "GGUF version " + Integer.toUnsignedString(version)
                    + " is not supported (only version 3" + (version == 0x03000000 ? "; this looks like a big-endian file)" : ")"));
        }
        long tensorCount = count(in.i64("the tensor count"), MIN_TENSOR_INFO_BYTES, "tensor count");
        long kvCount = count(in.i64("the metadata count"), MIN_KV_BYTES, "metadata KV count");
        for (long i = 0; i < kvCount; i++) readKeyValue(i);
        readAlignment();
        Set<String> names = new HashSet<>();
        for (long i = 0; i < tensorCount; i++) {
            GgufFile.TensorInfo t = readTensorInfo(i);
            if (!names.add(t.name())) throw new CheckpointException(file, t.name(), "appears twice in the tensor infos");
            tensors.add(t);
        }
        long end = in.position();
        dataOffset = (end + alignment - 1) / alignment * alignment;
    }

    /** A count field: non-negative, and each of its entries needs at least {@code minBytes} of what remains. */
    private long count(long value, long minBytes, String what) {
        if (value < 0 || value > in.remaining() / minBytes) {
            throw new CheckpointException(file, what + " " + Long.toUnsignedString(value) + " at offset "
                    + (in.position() - 8) + " cannot fit in the " + in.remaining() + " bytes that follow");
        }
        return value;
    }

    private String string(String what) {
        long length = in.i64(what + " length");
        if (length < 0) {
            throw new CheckpointException(file, what + " length " + Long.toUnsignedString(length) + " at offset "
                    + (in.position() - 8) + " is larger than the file");
        }
        return in.utf8(length, what);
    }

    private void readKeyValue(long index) {
        String key = string("metadata key #" + index);
        int type = in.i32("the value type of metadata key " + key);
        Object value = readValue(type, key, 0);
        if (metadata.putIfAbsent(key, value) != null) {
            throw new CheckpointException(file, "metadata key " + key + " appears twice");
        }
    }

    private Object readValue(int type, String key, int depth) {
        String what = "the value of metadata key " + key;
        return switch (type) {
            case UINT8 -> (long) in.u8(what);
            case INT8 -> (long) (byte) in.u8(what);
            case UINT16 -> (long) in.u16(what);
            case INT16 -> (long) (short) in.u16(what);
            case UINT32 -> Integer.toUnsignedLong(in.i32(what));
            case INT32 -> (long) in.i32(what);
            case UINT64, INT64 -> in.i64(what);
            case FLOAT32 -> (double) in.f32(what);
            case FLOAT64 -> in.f64(what);
            case BOOL -> {
                int b = in.u8(what);
                if (b > 1) throw new CheckpointException(file, "metadata key " + key + ": bool value " + b + " (must be 0 or 1)");
                yield b == 1;
            }
            case STRING -> string(what);
            case ARRAY -> readArray(key, depth);
            default -> throw new CheckpointException(file, "metadata key " + key + " has unknown value type "
                    + Integer.toUnsignedString(type));
        };
    }

    private List<Object> readArray(String key, int depth) {
        if (depth >= MAX_ARRAY_NESTING) {
            throw new CheckpointException(file, "metadata key " + key + ": arrays nested deeper than " + MAX_ARRAY_NESTING);
        }
        int elementType = in.i32("the element type of metadata array " + key);
        long minBytes = switch (elementType) {
            case UINT8, INT8, BOOL -> 1;
            case UINT16, INT16 -> 2;
            case UINT32, INT32, FLOAT32 -> 4;
            case UINT64, INT64, FLOAT64, STRING -> 8;
            case ARRAY -> 12;
            default -> throw new CheckpointException(file, "metadata array " + key + " has unknown element type "
                    + Integer.toUnsignedString(elementType));
        };
        long n = count(in.i64("the length of metadata array " + key), minBytes,
                "length of metadata array " + key + " (of " + TYPE_NAMES[elementType] + ")");
        if (n > MAX_ARRAY_LENGTH) {
            throw new CheckpointException(file, "metadata array " + key + " has " + n + " elements, over the limit of "
                    + MAX_ARRAY_LENGTH);
        }
        List<Object> values = new ArrayList<>((int) n);
        for (long i = 0; i < n; i++) values.add(readValue(elementType, key + "[" + i + "]", depth + 1));
        return Collections.unmodifiableList(values);
    }

    private void readAlignment() {
        Object value = metadata.get("general.alignment");
        if (value == null) return;
        if (!(value instanceof Long a) || a <= 0 || a > MAX_ALIGNMENT || Long.bitCount(a) != 1) {
            throw new CheckpointException(file, "general.alignment " + value + " is not a power of two up to " + MAX_ALIGNMENT);
        }
        alignment = a;
    }

    private GgufFile.TensorInfo readTensorInfo(long index) {
        String name = string("the name of tensor #" + index);
        int nDims = in.i32("the dimension count of tensor " + name);
        if (nDims < 1 || nDims > MAX_DIMS) {
            throw new CheckpointException(file, name, "dimension count " + Integer.toUnsignedString(nDims)
                    + " is not between 1 and " + MAX_DIMS);
        }
        long[] dims = new long[nDims];
        long elements = 1;
        for (int d = 0; d < nDims; d++) {
            dims[d] = in.i64("dimension " + d + " of tensor " + name);
            if (dims[d] < 0) {
                throw new CheckpointException(file, name, "dimension " + d + " is " + Long.toUnsignedString(dims[d]));
            }
            elements = multiply(elements, dims[d], name);
        }
        int typeId = in.i32("the type of tensor " + name);
        GgmlType type = GgmlType.byId(Integer.toUnsignedLong(typeId));
        if (type == null) {
            throw new CheckpointException(file, name, "unknown ggml type " + Integer.toUnsignedString(typeId));
        }
        if (dims[0] % type.blockSize() != 0) {
            throw new CheckpointException(file, name, "innermost dimension " + dims[0]
                    + " is not a multiple of the " + type + " block size " + type.blockSize());
        }
        long byteSize = multiply(elements / type.blockSize(), type.typeSize(), name);
        long offset = in.i64("the data offset of tensor " + name);
        if (offset < 0) {
            throw new CheckpointException(file, name, "data offset " + Long.toUnsignedString(offset) + " is larger than the file");
        }
        return new GgufFile.TensorInfo(name, type, dims, offset, byteSize);
    }

    private long multiply(long a, long b, String tensor) {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            throw new CheckpointException(file, tensor, "size overflows 64 bits");
        }
    }
}
