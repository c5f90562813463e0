package dev.lorapar.train.checkpoint;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The constants of the checkpoint file format (version 1, described in {@code package-info.java}) and its JSON
 * header: what {@link CheckpointWriter} writes and {@link CheckpointReader} checks.
 */
final class CheckpointFormat {
    /** "LPCK\r\n\x1a\n": a text-mode transfer or a truncation to text mangles it, as PNG's does. */
    static final byte[] MAGIC = {'L', 'P', 'C', 'K', '\r', '\n', 0x1a, '\n'};
    /** The first bytes of the footer. */
    static final byte[] END_MAGIC = {'L', 'P', 'C', 'K', 'E', 'N', 'D', '\n'};
    static final int VERSION = 1;
    /** magic, u32 version, u32 header length. */
    static final int PREAMBLE_BYTES = 16;
    /** end magic, u64 file length, u32 whole-file CRC32C. */
    static final int FOOTER_BYTES = 20;
    static final int CRC_BYTES = 4;
    /** Header JSON longer than this is taken for corruption (a real one is a few hundred KB at most). */
    static final int MAX_HEADER_BYTES = 16 << 20;
    static final int MAX_ARRAYS = 1 << 20;
    /** The JSON header's "format" value. */
    static final String FORMAT_NAME = "lorapar-training-state";

    private CheckpointFormat() {
    }

    /** The header JSON of {@code state}, UTF-8: format, step, scalars, config, arrays (name, dtype, shape). */
    static byte[] header(TrainingState state) {
        ObjectNode root = TrainingState.JSON.createObjectNode();
        root.put("format", FORMAT_NAME);
        root.put("step", state.step());
        ObjectNode scalars = root.putObject("scalars");
        state.scalars().forEach(scalars::put);
        root.set("config", state.configNode());
        ArrayNode arrays = root.putArray("arrays");
        for (NamedArray a : state.arrays()) {
            ObjectNode e = arrays.addObject();
            e.put("name", a.name());
            e.put("dtype", a.type().name());
            ArrayNode shape = e.putArray("shape");
            for (long d : a.shape()) shape.add(d);
        }
        try {
            return TrainingState.JSON.writeValueAsString(root).getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("checkpoint header does not serialise", e);
        }
    }

    /** File size for a header of {@code headerBytes} and arrays of {@code arrayBytes} bytes each. */
    static long fileBytes(long headerBytes, List<Long> arrayBytes) {
        long total = PREAMBLE_BYTES + headerBytes + CRC_BYTES + FOOTER_BYTES;
        for (long b : arrayBytes) total += b + CRC_BYTES;
        return total;
    }

    /** One array as the header declares it (no data yet). */
    record Declared(String name, ArrayType type, long[] shape, int length) {
        long byteLength() {
            return (long) length * type.elementBytes();
        }
    }

    /** What a header declares: step, scalars, config, arrays in file order. */
    record Header(long step, Map<String, Long> scalars, ObjectNode config, List<Declared> arrays) {
    }

    /**
     * Parses a header whose checksum matched; a header that does not follow the format (a writer bug, or a
     * file that is not ours) throws IllegalArgumentException with what is wrong.
     */
    static Header parseHeader(byte[] utf8) {
        JsonNode root;
        try {
            root = TrainingState.JSON.readTree(utf8);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("header is not valid JSON: " + e.getMessage());
        }
        if (root == null || !root.isObject()) throw new IllegalArgumentException("header is not a JSON object");
        if (!FORMAT_NAME.equals(root.path("format").asText(null))) {
            throw new IllegalArgumentException("header format is " + root.get("format") + ", expected \"" + FORMAT_NAME + "\"");
        }
        long step = integral(root.get("step"), "step");
        if (step < 0) throw new IllegalArgumentException("header step is negative: " + step);

        Map<String, Long> scalars = new LinkedHashMap<>();
        JsonNode sc = root.get("scalars");
        if (sc == null || !sc.isObject()) throw new IllegalArgumentException("header 'scalars' is missing or not an object");
        for (Map.Entry<String, JsonNode> e : sc.properties()) {
            scalars.put(e.getKey(), integral(e.getValue(), "scalar '" + e.getKey() + "'"));
        }
        JsonNode config = root.get("config");
        if (config == null || !config.isObject()) throw new IllegalArgumentException("header 'config' is missing or not an object");

        JsonNode arr = root.get("arrays");
        if (arr == null || !arr.isArray()) throw new IllegalArgumentException("header 'arrays' is missing or not a list");
        if (arr.size() > MAX_ARRAYS) throw new IllegalArgumentException("header declares " + arr.size() + " arrays (at most " + MAX_ARRAYS + ")");
        List<Declared> arrays = new ArrayList<>(arr.size());
        Set<String> names = new HashSet<>();
        for (int i = 0; i < arr.size(); i++) {
            arrays.add(declared(arr.get(i), i, names));
        }
        return new Header(step, scalars, (ObjectNode) config, arrays);
    }

    private static Declared declared(JsonNode e, int index, Set<String> names) {
        String where = "header array #" + index;
        if (!e.isObject()) throw new IllegalArgumentException(where + " is not an object");
        JsonNode name = e.get("name");
        if (name == null || !name.isTextual()) throw new IllegalArgumentException(where + " has no text 'name'");
        String n = name.asText();
        try {
            TrainingState.checkName(n, "array");
        } catch (IllegalArgumentException bad) {
            throw new IllegalArgumentException(where + ": " + bad.getMessage());
        }
        if (!names.add(n)) throw new IllegalArgumentException("header declares array '" + n + "' twice");
        ArrayType type = ArrayType.byName(e.path("dtype").asText(""));
        if (type == null) throw new IllegalArgumentException("header array '" + n + "' has unknown dtype " + e.get("dtype"));
        JsonNode shape = e.get("shape");
        if (shape == null || !shape.isArray() || shape.isEmpty()) {
            throw new IllegalArgumentException("header array '" + n + "' has no shape");
        }
        long[] dims = new long[shape.size()];
        long product = 1;
        for (int d = 0; d < dims.length; d++) {
            dims[d] = integral(shape.get(d), "array '" + n + "' dimension " + d);
            if (dims[d] < 0) throw new IllegalArgumentException("header array '" + n + "' has a negative dimension");
            product = dims[d] == 0 ? 0 : (product > Integer.MAX_VALUE / dims[d] ? Long.MAX_VALUE : product * dims[d]);
        }
        if (product > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("header array '" + n + "' is larger than a Java array can be");
        }
        return new Declared(n, type, dims, (int) product);
    }

    private static long integral(JsonNode v, String what) {
        if (v == null || !v.isIntegralNumber() || !v.canConvertToLong()) {
            throw new IllegalArgumentException("header " + what + " is missing or not a 64-bit integer: " + v);
        }
        return v.asLong();
    }
}
