package dev.lorapar.model.io;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.file.Path;

/** Strict JSON parsing (duplicate keys and trailing content are errors) with CheckpointException failures. */
final class Json {
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private Json() {
    }

    /** Parses {@code bytes} (from {@code file}, a {@code what}) into a JSON object. */
    static JsonNode parseObject(Path file, byte[] bytes, int offset, int length, String what) {
        JsonNode node;
        try {
            node = MAPPER.readTree(bytes, offset, length);
        } catch (IOException e) {
            throw new CheckpointException(file, null, what + " is not valid JSON: " + firstLine(e.getMessage()), e);
        }
        if (node == null || !node.isObject()) {
            throw new CheckpointException(file, what + " is not a JSON object");
        }
        return node;
    }

    /** A non-negative JSON integer that fits a long, or null when {@code node} is not one. */
    static Long nonNegativeLong(JsonNode node) {
        if (node == null || !node.isIntegralNumber() || !node.canConvertToLong()) return null;
        long v = node.asLong();
        return v < 0 ? null : v;
    }

    private static String firstLine(String message) {
        if (message == null) return "";
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}
