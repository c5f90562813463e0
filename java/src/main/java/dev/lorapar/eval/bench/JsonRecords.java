package dev.lorapar.eval.bench;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads the records of a JSONL file or of one JSON array, each with its {@link ItemSource}. */
final class JsonRecords {
    private static final ObjectMapper LINE = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final ObjectMapper STREAM = new ObjectMapper();

    /** Receives one record. */
    interface Visitor {
        void record(JsonNode node, ItemSource source);
    }

    private JsonRecords() {
    }

    /** Every non-blank line of a JSONL file (blank lines are skipped; a line that is not JSON or UTF-8 is an error). */
    static void jsonl(Path file, Visitor visitor) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + file + ": " + e.getMessage(), e);
        }
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        long number = 0;
        for (int start = 0; start < bytes.length; ) {
            int end = start;
            while (end < bytes.length && bytes[end] != '\n') {
                end++;
            }
            number++;
            int length = end - start - (end > start && bytes[end - 1] == '\r' ? 1 : 0);
            ItemSource source = ItemSource.line(file, number);
            String line;
            try {
                line = decoder.decode(ByteBuffer.wrap(bytes, start, length)).toString();
            } catch (CharacterCodingException e) {
                throw new BenchmarkFormatException(source, "not UTF-8");
            }
            start = end + 1;
            if (line.isBlank()) {
                continue;
            }
            JsonNode node;
            try {
                node = LINE.readTree(line);
            } catch (JsonProcessingException e) {
                throw new BenchmarkFormatException(source, "not a JSON value: " + e.getOriginalMessage());
            }
            visitor.record(node, source);
        }
    }

    /**
     * The elements of a JSON array: the whole document ({@code field} null) or the array under {@code field} of
     * the top-level object. Each element's source has the line where it starts and its index.
     */
    static void array(Path file, String field, Visitor visitor) {
        try (JsonParser parser = STREAM.createParser(file.toFile())) {
            JsonToken first = parser.nextToken();
            if (field == null) {
                if (first != JsonToken.START_ARRAY) {
                    throw new BenchmarkFormatException(here(file, parser), "expected a JSON array of records");
                }
            } else {
                if (first != JsonToken.START_OBJECT) {
                    throw new BenchmarkFormatException(here(file, parser),
                            "expected a JSON object with an array \"" + field + "\"");
                }
                if (!seekField(parser, field)) {
                    throw new BenchmarkFormatException(ItemSource.line(file, 1), "no array field \"" + field + "\"");
                }
                if (parser.nextToken() != JsonToken.START_ARRAY) {
                    throw new BenchmarkFormatException(here(file, parser), "\"" + field + "\" is not an array");
                }
            }
            int index = 0;
            while (parser.nextToken() != JsonToken.END_ARRAY) {
                if (parser.currentToken() == null) {
                    throw new BenchmarkFormatException(here(file, parser), "the array is not closed");
                }
                ItemSource source = new ItemSource(file, lineOf(parser.currentTokenLocation()), index);
                JsonNode node = parser.readValueAsTree();
                visitor.record(node, source);
                index++;
            }
        } catch (JsonProcessingException e) {
            JsonLocation location = e.getLocation();
            throw new BenchmarkFormatException(ItemSource.line(file, location == null ? 1 : lineOf(location)),
                    "JSON syntax error: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + file + ": " + e.getMessage(), e);
        }
    }

    private static boolean seekField(JsonParser parser, String field) throws IOException {
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            if (parser.currentName().equals(field)) {
                return true;
            }
            parser.nextToken();
            parser.skipChildren();
        }
        return false;
    }

    private static ItemSource here(Path file, JsonParser parser) {
        return ItemSource.line(file, lineOf(parser.currentTokenLocation()));
    }

    private static long lineOf(JsonLocation location) {
        return Math.max(1, location.getLineNr());
    }
}
