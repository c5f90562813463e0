package dev.lorapar.train.export;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.lorapar.model.io.CheckpointException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * JSON in and out: output indented by 2 with {@code "key": value} like Python's {@code json.dumps(indent=2)};
 * input parsed strictly (duplicate keys, trailing content are errors) with CheckpointException failures.
 */
final class JsonText {
    static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();
    private static final long MAX_BYTES = 64L << 20;

    private JsonText() {
    }

    /** {@code node} as indented text ending in a newline. */
    static String pretty(JsonNode node) {
        DefaultPrettyPrinter printer = new DefaultPrettyPrinter(Separators.createDefaultInstance()
                .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
                .withObjectEmptySeparator("").withArrayEmptySeparator(""));
        printer.indentObjectsWith(new DefaultIndenter("  ", "\n"));
        printer.indentArraysWith(new DefaultIndenter("  ", "\n"));
        try {
            return MAPPER.writer(printer).writeValueAsString(node) + "\n";
        } catch (IOException e) {
            throw new IllegalStateException("JSON serialisation failed", e);
        }
    }

    /** The JSON object in {@code file} ({@code what} names it in errors). */
    static JsonNode readObject(Path file, String what) {
        byte[] bytes;
        try {
            if (Files.size(file) > MAX_BYTES) {
                throw new CheckpointException(file, what + " is larger than " + MAX_BYTES + " bytes");
            }
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new CheckpointException(file, null, "cannot be read: " + e, e);
        }
        JsonNode node;
        try {
            node = MAPPER.readTree(bytes);
        } catch (IOException e) {
            String message = String.valueOf(e.getMessage());
            int nl = message.indexOf('\n');
            throw new CheckpointException(file, null, what + " is not valid JSON: "
                    + (nl < 0 ? message : message.substring(0, nl)), e);
        }
        if (node == null || !node.isObject()) throw new CheckpointException(file, what + " is not a JSON object");
        return node;
    }
}
