package dev.lorapar.train.data;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.zip.GZIPInputStream;

/**
 * Reads SFT data files (JSONL, a JSON array, or a JSON object holding the array; gzip when named {@code .gz}) into
 * {@link Example}s, streaming: each record is parsed on its own and only its texts are kept.
 *
 * <p>A record that cannot become an example is counted and reported with its line and the reason, then skipped or,
 * under {@link MalformedPolicy#FAIL}, fatal. A JSON syntax error inside a JSON document (not JSONL) is always
 * fatal: the records after it cannot be found.
 */
public final class DataReader {
    /** Parses one JSONL line: anything after its value is an error. */
    private static final ObjectMapper LINE = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    /** Streams a JSON document record by record. */
    private static final ObjectMapper STREAM = new ObjectMapper();

    private DataReader() {
    }

    /** Reads one file. */
    public static ReadResult read(Path file, ReadOptions options) {
        return read(List.of(file), options);
    }

    /** Reads the files in order; the examples of all of them, in order. */
    public static ReadResult read(List<Path> files, ReadOptions options) {
        ReadCollector collector = new ReadCollector(options);
        for (Path file : files) {
            collector.startFile(file);
            try {
                ReadOptions.Layout layout = options.layout() == ReadOptions.Layout.AUTO ? detect(file) : options.layout();
                if (layout == ReadOptions.Layout.JSONL) {
                    readJsonl(file, collector);
                } else {
                    readJson(file, options.recordsField(), collector);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("reading " + file + ": " + e.getMessage(), e);
            }
        }
        return collector.result();
    }

    private static InputStream open(Path file) throws IOException {
        InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        return isGzip(file) ? new BufferedInputStream(new GZIPInputStream(in, 1 << 16), 1 << 16) : in;
    }

    private static boolean isGzip(Path file) {
        return file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".gz");
    }

    /** The layout of a file: by its name (.jsonl, .ndjson), else by its first line; see {@link ReadOptions.Layout}. */
    static ReadOptions.Layout detect(Path file) throws IOException {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".gz")) {
            name = name.substring(0, name.length() - 3);
        }
        if (name.endsWith(".jsonl") || name.endsWith(".ndjson")) {
            return ReadOptions.Layout.JSONL;
        }
        try (InputStream in = open(file)) {
            ByteLines lines = new ByteLines(in);
            while (lines.next()) {
                if (lines.isBlank()) {
                    continue;
                }
                int first = firstNonSpace(lines.bytes(), lines.length());
                byte c = lines.bytes()[first];
                if (c == '[') {
                    return ReadOptions.Layout.JSON;
                }
                if (c != '{') {
                    return ReadOptions.Layout.JSONL;  // its lines will be reported as invalid
                }
                JsonNode node;
                try {
                    node = LINE.readTree(lines.bytes(), 0, lines.length());
                } catch (JsonProcessingException e) {
                    return ReadOptions.Layout.JSON;  // the object goes on over more lines
                }
                while (lines.next()) {
                    if (!lines.isBlank()) {
                        return ReadOptions.Layout.JSONL;  // a second value on another line
                    }
                }
                return holdsRecords(node) ? ReadOptions.Layout.JSON : ReadOptions.Layout.JSONL;
            }
        }
        return ReadOptions.Layout.JSONL;  // empty: no records either way
    }

    /** Whether a lone object is a container: a field (not chat messages) holding an array of objects. */
    private static boolean holdsRecords(JsonNode object) {
        for (var fields = object.properties().iterator(); fields.hasNext(); ) {
            var field = fields.next();
            JsonNode value = field.getValue();
            if (!field.getKey().equals("messages") && !field.getKey().equals("conversations") && value.isArray()
                    && !value.isEmpty() && value.get(0).isObject()) {
                return true;
            }
        }
        return false;
    }

    /** Skips a UTF-8 byte-order mark and whitespace. */
    private static int firstNonSpace(byte[] bytes, int length) {
        int i = length >= 3 && (bytes[0] & 0xff) == 0xEF && (bytes[1] & 0xff) == 0xBB && (bytes[2] & 0xff) == 0xBF ? 3 : 0;
        while (i < length && (bytes[i] == ' ' || bytes[i] == '\t' || bytes[i] == '\r')) {
            i++;
        }
        return i;
    }

    private static void readJsonl(Path file, ReadCollector collector) throws IOException {
        try (InputStream in = open(file)) {
            ByteLines lines = new ByteLines(in);
            while (lines.next()) {
                if (lines.isBlank()) {
                    collector.blankLine();
                    continue;
                }
                SourceLine source = new SourceLine(file, lines.number());
                JsonNode node;
                try {
                    node = LINE.readTree(lines.bytes(), 0, lines.length());
                } catch (JsonProcessingException e) {
                    collector.invalid(source, MalformedReason.INVALID_JSON, e.getOriginalMessage());
                    continue;
                }
                collector.record(node, source);
            }
        }
    }

    private static void readJson(Path file, String recordsField, ReadCollector collector) throws IOException {
        try (InputStream in = open(file); JsonParser parser = STREAM.createParser(in)) {
            try {
                JsonToken first = parser.nextToken();
                if (first == null) {
                    return;  // empty file
                }
                if (first == JsonToken.START_OBJECT) {
                    if (!seekRecordsArray(parser, recordsField)) {
                        throw new DataFormatException(new SourceLine(file, 1), recordsField != null
                                ? "the top-level object has no array field '" + recordsField + "'"
                                : "the top-level object has no field holding an array of records (objects)");
                    }
                } else if (first != JsonToken.START_ARRAY) {
                    throw new DataFormatException(location(file, parser.currentTokenLocation()),
                            "a JSON data file holds an array of records or an object with one; found " + first);
                }
                // at the array (or, after seekRecordsArray, at its first element)
                JsonToken token = first == JsonToken.START_ARRAY ? parser.nextToken() : parser.currentToken();
                for (; token != JsonToken.END_ARRAY; token = parser.nextToken()) {
                    if (token == null) {
                        throw new DataFormatException(location(file, parser.currentLocation()),
                                "the file ends inside the array of records");
                    }
                    SourceLine source = location(file, parser.currentTokenLocation());
                    JsonNode node = STREAM.readTree(parser);
                    collector.record(node, source);
                }
            } catch (JsonProcessingException e) {
                JsonLocation where = e.getLocation() != null ? e.getLocation() : parser.currentLocation();
                throw new DataFormatException(location(file, where), "invalid JSON at column " + where.getColumnNr()
                        + ": " + e.getOriginalMessage() + " (a syntax error inside a JSON document cannot be "
                        + "skipped: the records after it cannot be found)");
            }
        }
    }

    /**
     * Inside the top-level object: moves to the array of records (the field {@code wanted}, or the first array whose
     * first element is an object). Returns true positioned at that array's first element token.
     */
    private static boolean seekRecordsArray(JsonParser parser, String wanted) throws IOException {
        List<String> seen = new ArrayList<>();
        for (JsonToken token = parser.nextToken(); token == JsonToken.FIELD_NAME; token = parser.nextToken()) {
            String name = parser.currentName();
            seen.add(name);
            JsonToken value = parser.nextToken();
            boolean candidate = value == JsonToken.START_ARRAY && (wanted == null || wanted.equals(name));
            if (!candidate) {
                parser.skipChildren();
                continue;
            }
            JsonToken element = parser.nextToken();
            if (wanted != null || element == JsonToken.START_OBJECT) {
                return true;
            }
            while (element != JsonToken.END_ARRAY) {  // an array of something else: skip it
                parser.skipChildren();
                element = parser.nextToken();
            }
        }
        return false;
    }

    private static SourceLine location(Path file, JsonLocation where) {
        return new SourceLine(file, Math.max(1, where.getLineNr()));
    }
}
