package dev.lorapar.model.io;

import com.fasterxml.jackson.databind.JsonNode;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads one safetensors file: a uint64 little-endian header length N, N bytes of JSON
 * {@code {name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}}}, then the
 * data, each tensor at {@code [begin, end)} relative to the end of the header, row-major little-endian.
 * Validated: N within the file and at most 100 MB; offsets within the data, non-overlapping, and
 * {@code end − begin == elements · dtype size}; dtype F32, F16 or BF16.
 */
public final class SafetensorsFile {
    /** The largest JSON header accepted (the format's reference implementation uses the same bound). */
    public static final long MAX_HEADER_BYTES = 100_000_000L;
    private static final String METADATA = "__metadata__";

    private SafetensorsFile() {
    }

    /**
     * Maps {@code file} into {@code arena} and returns its tensors by name, in header order (names as
     * stored: no renaming). The caller owns the arena and closes it, also when this throws.
     */
    public static Map<String, WeightTensor> read(Path file, Arena arena) {
        MemorySegment bytes = MappedFiles.map(file, arena);
        long size = bytes.byteSize();
        if (size < 8) throw new CheckpointException(file, "is " + size + " bytes: too short for the 8-byte header length");
        long headerLength = bytes.get(ByteCursor.U64, 0);
        if (headerLength < 0 || headerLength > size - 8) {
            throw new CheckpointException(file, "header length " + Long.toUnsignedString(headerLength)
                    + " runs past the end of the file (" + size + " bytes)");
        }
        if (headerLength > MAX_HEADER_BYTES) {
            throw new CheckpointException(file, "header length " + headerLength + " is over the limit of " + MAX_HEADER_BYTES);
        }
        byte[] json = bytes.asSlice(8, headerLength).toArray(ValueLayout.JAVA_BYTE);
        JsonNode header = Json.parseObject(file, json, 0, json.length, "the header");
        long dataStart = 8 + headerLength;
        MemorySegment data = bytes.asSlice(dataStart);
        Map<String, WeightTensor> tensors = new LinkedHashMap<>();
        List<long[]> extents = new ArrayList<>(); // {begin, end, index into names}
        List<String> names = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : header.properties()) {
            if (e.getKey().equals(METADATA)) continue;
            String name = e.getKey();
            Entry entry = entry(file, name, e.getValue(), data.byteSize());
            extents.add(new long[] {entry.begin, entry.end, names.size()});
            names.add(name);
            tensors.put(name, new WeightTensor(name, entry.type, entry.shape, data.asSlice(entry.begin, entry.end - entry.begin)));
        }
        extents.sort(Comparator.comparingLong(x -> x[0]));
        for (int i = 1; i < extents.size(); i++) {
            long[] previous = extents.get(i - 1), current = extents.get(i);
            if (current[0] < previous[1]) {
                throw new CheckpointException(file, names.get((int) current[2]), "data_offsets [" + current[0] + ", "
                        + current[1] + "] overlap those of " + names.get((int) previous[2]) + " [" + previous[0] + ", "
                        + previous[1] + "]");
            }
        }
        return tensors;
    }

    private record Entry(WeightType type, long[] shape, long begin, long end) {
    }

    private static Entry entry(Path file, String name, JsonNode node, long dataSize) {
        if (!node.isObject()) throw new CheckpointException(file, name, "header entry is not a JSON object");
        JsonNode dtype = node.get("dtype");
        if (dtype == null || !dtype.isTextual()) throw new CheckpointException(file, name, "has no dtype string");
        WeightType type = switch (dtype.asText()) {
            case "F32" -> WeightType.F32;
            case "F16" -> WeightType.F16;
            case "BF16" -> WeightType.BF16;
            default -> throw new CheckpointException(file, name, "dtype " + dtype.asText()
                    + " is not supported (only F32, F16 and BF16)");
        };
        JsonNode shapeNode = node.get("shape");
        if (shapeNode == null || !shapeNode.isArray() || shapeNode.size() > 8) {
            throw new CheckpointException(file, name, "shape " + shapeNode + " is not an array of at most 8 sizes");
        }
        long[] shape = new long[shapeNode.size()];
        long elements = 1;
        for (int i = 0; i < shape.length; i++) {
            Long d = Json.nonNegativeLong(shapeNode.get(i));
            if (d == null) throw new CheckpointException(file, name, "shape " + shapeNode + " has a bad size at index " + i);
            shape[i] = d;
            elements = multiply(file, name, elements, d);
        }
        JsonNode offsets = node.get("data_offsets");
        Long begin = offsets != null && offsets.isArray() && offsets.size() == 2 ? Json.nonNegativeLong(offsets.get(0)) : null;
        Long end = begin != null ? Json.nonNegativeLong(offsets.get(1)) : null;
        if (end == null || end < begin) {
            throw new CheckpointException(file, name, "data_offsets " + offsets + " are not two integers 0 ≤ begin ≤ end");
        }
        if (end > dataSize) {
            throw new CheckpointException(file, name, "data_offsets [" + begin + ", " + end
                    + "] run past the end of the data (" + dataSize + " bytes)");
        }
        long expected = multiply(file, name, elements, type.bytes());
        if (end - begin != expected) {
            throw new CheckpointException(file, name, "data_offsets [" + begin + ", " + end + "] hold " + (end - begin)
                    + " bytes but shape " + shapeNode + " of " + type + " needs " + expected);
        }
        return new Entry(type, shape, begin, end);
    }

    private static long multiply(Path file, String name, long a, long b) {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            throw new CheckpointException(file, name, "size overflows 64 bits");
        }
    }
}
