package dev.lorapar.tests.train.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorapar.train.data.DataFormatException;
import dev.lorapar.train.data.DataReader;
import dev.lorapar.train.data.Malformed;
import dev.lorapar.train.data.MalformedPolicy;
import dev.lorapar.train.data.MalformedReason;
import dev.lorapar.train.data.ReadOptions;
import dev.lorapar.train.data.ReadResult;
import dev.lorapar.train.data.SourceLine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Malformed records are counted by reason and reported with their lines; SKIP continues, FAIL stops at the first. */
class MalformedRecordsTest {
    @TempDir
    Path dir;

    /** Line numbers of this file are its index in the list + 1; the good lines are 1, 7, 14. */
    private static final List<String> LINES = List.of(
            "{\"question\": \"good 1\", \"answer\": \"A\"}",
            "{\"question\": \"cut off\", \"answ",                               // 2 invalid JSON
            "[1, 2]",                                                          // 3 not an object
            "{\"text\": \"pretraining style\"}",                              // 4 unknown shape
            "{\"question\": \"no answer\"}",                                   // 5 missing field
            "{\"question\": \"number\", \"answer\": 42}",                      // 6 wrong type
            "{\"instruction\": \"good 2\", \"output\": \"B\"}",
            "{\"question\": \"blank\", \"answer\": \"  \\n\"}",                // 8 empty answer
            "{\"prompt\": \"\", \"completion\": \"C\"}",                       // 9 empty prompt
            "{\"messages\": [{\"role\": \"user\", \"content\": \"u\"}, {\"role\": \"user\", \"content\": \"v\"}]}",
            "{\"messages\": [{\"role\": \"user\", \"content\": \"u\"}]}",      // 11 no final answer
            "{\"messages\": [{\"role\": \"robot\", \"content\": \"u\"}]}",     // 12 unknown role
            "{\"question\": \"trailing\", \"answer\": \"D\"} extra",           // 13 invalid JSON
            "{\"question\": \"good 3\", \"answer\": \"E\"}");

    private Path file() {
        return DataFixtures.write(dir, "mixed.jsonl", String.join("\n", LINES) + "\n");
    }

    @Test
    void skipReportsEveryBadLineWithItsReason() {
        Path file = file();
        ReadResult result = DataReader.read(file, ReadOptions.defaults());
        assertEquals(List.of(1L, 7L, 14L), result.examples().stream().map(e -> e.source().line()).toList());
        assertEquals(14, result.records());
        List<Long> badLines = result.malformed().stream().map(m -> m.source().line()).toList();
        assertEquals(List.of(2L, 3L, 4L, 5L, 6L, 8L, 9L, 10L, 11L, 12L, 13L), badLines);
        List<MalformedReason> reasons = result.malformed().stream().map(Malformed::reason).toList();
        assertEquals(List.of(MalformedReason.INVALID_JSON, MalformedReason.NOT_AN_OBJECT, MalformedReason.UNKNOWN_SHAPE,
                MalformedReason.MISSING_FIELD, MalformedReason.WRONG_TYPE, MalformedReason.EMPTY_ANSWER,
                MalformedReason.EMPTY_PROMPT, MalformedReason.BAD_DIALOG, MalformedReason.BAD_DIALOG,
                MalformedReason.BAD_DIALOG, MalformedReason.INVALID_JSON), reasons);
        assertEquals(Map.of(MalformedReason.INVALID_JSON, 2L, MalformedReason.NOT_AN_OBJECT, 1L,
                MalformedReason.UNKNOWN_SHAPE, 1L, MalformedReason.MISSING_FIELD, 1L, MalformedReason.WRONG_TYPE, 1L,
                MalformedReason.EMPTY_ANSWER, 1L, MalformedReason.EMPTY_PROMPT, 1L, MalformedReason.BAD_DIALOG, 3L),
                result.malformedByReason());
        assertEquals(11, result.malformedCount());
        Malformed wrongType = result.malformed().get(4);
        assertEquals("'answer' is a number, not a string", wrongType.detail());
        assertEquals(file + ":6: WRONG_TYPE: 'answer' is a number, not a string", wrongType.toString());
        assertTrue(result.malformed().get(3).detail().contains("'answer'"), result.malformed().get(3).detail());
        assertTrue(result.malformed().get(2).detail().contains("[text]"), "the unknown shape lists its fields");
        assertTrue(result.malformed().get(9).detail().contains("robot"));
    }

    @Test
    void failStopsAtTheFirstBadLineNamingIt() {
        Path file = file();
        DataFormatException error = assertThrows(DataFormatException.class,
                () -> DataReader.read(file, ReadOptions.defaults().withPolicy(MalformedPolicy.FAIL)));
        assertEquals(new SourceLine(file, 2), error.source());
        assertTrue(error.getMessage().startsWith(file + ":2: "), error.getMessage());
        assertTrue(error.getMessage().contains("INVALID_JSON"), error.getMessage());
    }

    @Test
    void reportedDetailsAreCappedButCountsAreNot() {
        Path file = file();
        ReadResult result = DataReader.read(file, ReadOptions.defaults().withMaxReported(3));
        assertEquals(3, result.malformed().size());
        assertEquals(11, result.malformedCount());
    }

    @Test
    void invalidUtf8IsOneBadLine() throws IOException {
        Path file = dir.resolve("bytes.jsonl");
        byte[] good = "{\"question\": \"q\", \"answer\": \"a\"}\n".getBytes();
        byte[] bad = "{\"question\": \"\u00ff\u00fe\", \"answer\": \"a\"}\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        Files.write(file, concat(good, bad, good));
        ReadResult result = DataReader.read(file, ReadOptions.defaults());
        assertEquals(2, result.examples().size());
        assertEquals(2, result.malformed().getFirst().source().line());
        assertEquals(MalformedReason.INVALID_JSON, result.malformed().getFirst().reason());
    }

    @Test
    void malformedRecordsInsideJsonArraysAreSkippedWithTheirLines() {
        Path file = DataFixtures.write(dir, "array.json", """
                [
                  {"instruction": "ok", "output": "fine"},
                  {"instruction": "no output"},
                  "a string",
                  {"instruction": "ok 2", "output": "fine"}
                ]
                """);
        ReadResult result = DataReader.read(file, ReadOptions.defaults());
        assertEquals(2, result.examples().size());
        assertEquals(List.of(3L, 4L), result.malformed().stream().map(m -> m.source().line()).toList());
        assertEquals(List.of(MalformedReason.MISSING_FIELD, MalformedReason.NOT_AN_OBJECT),
                result.malformed().stream().map(Malformed::reason).toList());
    }

    @Test
    void aSyntaxErrorInsideAJsonDocumentIsFatalEvenUnderSkip() {
        Path file = DataFixtures.write(dir, "broken.json", """
                [
                  {"question": "a", "answer": "b"},
                  {"question": "c", "answer": "d"
                  {"question": "e", "answer": "f"}
                ]
                """);
        DataFormatException error = assertThrows(DataFormatException.class,
                () -> DataReader.read(file, ReadOptions.defaults()));
        assertEquals(4, error.source().line(), error.getMessage());
        assertTrue(error.getMessage().contains("cannot be skipped"), error.getMessage());
        Path truncated = DataFixtures.write(dir, "truncated.json", "[\n{\"question\": \"a\", \"answer\": \"b\"},\n");
        DataFormatException end = assertThrows(DataFormatException.class,
                () -> DataReader.read(truncated, ReadOptions.defaults()));
        assertTrue(end.getMessage().startsWith(truncated + ":"), end.getMessage());
        Path scalar = DataFixtures.write(dir, "scalar.json", "\"just text\"");
        assertThrows(DataFormatException.class, () -> DataReader.read(scalar,
                ReadOptions.defaults().withLayout(ReadOptions.Layout.JSON)));
        assertEquals(MalformedReason.NOT_AN_OBJECT, DataReader.read(scalar, ReadOptions.defaults()).malformed()
                .getFirst().reason(), "detected as JSONL: one line that is not an object");
    }

    private static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
