package dev.lorapar.eval.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * An RFC 4180 CSV reader: fields separated by commas, a field in double quotes may hold commas, line breaks and
 * doubled quotes ({@code ""}); records end at LF or CRLF; a UTF-8 byte-order mark is skipped; blank lines are
 * skipped. A quote inside an unquoted field, text after a closing quote, and an unclosed quote are errors naming
 * the record's first line.
 */
final class CsvRecords {
    /** One record and the 1-based line where it starts. */
    record Row(long line, List<String> fields) {
    }

    private CsvRecords() {
    }

    static List<Row> read(Path file) {
        String text;
        try {
            byte[] bytes = Files.readAllBytes(file);
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new BenchmarkFormatException(ItemSource.line(file, 1), "not UTF-8");
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + file + ": " + e.getMessage(), e);
        }
        return parse(file, text);
    }

    static List<Row> parse(Path file, String text) {
        List<Row> rows = new ArrayList<>();
        int i = text.startsWith("\uFEFF") ? 1 : 0;
        long line = 1;
        int n = text.length();
        while (i < n) {
            long start = line;
            List<String> fields = new ArrayList<>();
            StringBuilder field = new StringBuilder();
            boolean endOfRecord = false;
            while (!endOfRecord) {
                if (i < n && text.charAt(i) == '"') {
                    i++;
                    while (true) {
                        if (i >= n) {
                            throw new BenchmarkFormatException(ItemSource.line(file, start), "a quoted field is not closed");
                        }
                        char c = text.charAt(i++);
                        if (c == '"') {
                            if (i < n && text.charAt(i) == '"') {
                                field.append('"');
                                i++;
                            } else {
                                break;
                            }
                        } else {
                            if (c == '\n') {
                                line++;
                            }
                            field.append(c);
                        }
                    }
                    if (i < n && text.charAt(i) != ',' && text.charAt(i) != '\n' && !text.startsWith("\r\n", i)) {
                        throw new BenchmarkFormatException(ItemSource.line(file, start),
                                "text after the closing quote of field " + (fields.size() + 1));
                    }
                } else {
                    while (i < n && text.charAt(i) != ',' && text.charAt(i) != '\n' && !text.startsWith("\r\n", i)) {
                        char c = text.charAt(i++);
                        if (c == '"') {
                            throw new BenchmarkFormatException(ItemSource.line(file, start),
                                    "a quote inside unquoted field " + (fields.size() + 1));
                        }
                        field.append(c);
                    }
                }
                fields.add(field.toString());
                field.setLength(0);
                if (i < n && text.charAt(i) == ',') {
                    i++;
                } else {
                    i += (i < n && text.charAt(i) == '\r') ? 2 : 1;
                    line++;
                    endOfRecord = true;
                }
            }
            if (!(fields.size() == 1 && fields.getFirst().isEmpty())) {
                rows.add(new Row(start, fields));
            }
        }
        return rows;
    }
}
