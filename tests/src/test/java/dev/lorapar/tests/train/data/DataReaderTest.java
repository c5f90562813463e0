package dev.lorapar.tests.train.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorapar.tokenizer.ChatTurn;
import dev.lorapar.train.data.DataFormatException;
import dev.lorapar.train.data.DataReader;
import dev.lorapar.train.data.Example;
import dev.lorapar.train.data.MalformedPolicy;
import dev.lorapar.train.data.ReadOptions;
import dev.lorapar.train.data.ReadResult;
import dev.lorapar.train.data.RecordShape;
import dev.lorapar.train.data.SourceLine;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every record shape and file layout read from small files; sources point at the right lines. */
class DataReaderTest {
    @TempDir
    Path dir;

    private static ReadResult read(Path file) {
        return DataReader.read(file, ReadOptions.defaults().withPolicy(MalformedPolicy.FAIL));
    }

    private static Example.SingleTurn single(Example example) {
        return assertInstanceOf(Example.SingleTurn.class, example);
    }

    @Test
    void questionAnswerJsonl() {
        Path file = DataFixtures.write(dir, "qa.jsonl", """
                {"question": "What is 2+2?", "answer": "It is 4.\\n#### 4"}
                {"question": "Ünïcode ✓?", "answer": "yes", "system": "Be brief."}
                """);
        ReadResult result = read(file);
        assertEquals(2, result.examples().size());
        Example.SingleTurn first = single(result.examples().get(0));
        assertEquals("What is 2+2?", first.prompt());
        assertEquals("It is 4.\n#### 4", first.answer());
        assertNull(first.system());
        assertEquals(new SourceLine(file, 1), first.source());
        Example.SingleTurn second = single(result.examples().get(1));
        assertEquals("Ünïcode ✓?", second.prompt());
        assertEquals("Be brief.", second.system());
        assertEquals(new SourceLine(file, 2), second.source());
        assertEquals(0, result.malformedCount());
    }

    @Test
    void alpacaJsonArrayJoinsInstructionAndInput() {
        Path file = DataFixtures.write(dir, "alpaca.json", """
                [
                  {"instruction": "Translate to French.", "input": "Good morning", "output": "Bonjour"},
                  {
                    "instruction": "Name a colour.",
                    "input": "",
                    "output": "Blue"
                  },
                  {"instruction": "Say hi.", "output": "Hi"}
                ]
                """);
        ReadResult result = read(file);
        assertEquals(3, result.examples().size());
        assertEquals("Translate to French.\n\nGood morning", single(result.examples().get(0)).prompt());
        assertEquals("Bonjour", single(result.examples().get(0)).answer());
        assertEquals("Name a colour.", single(result.examples().get(1)).prompt(), "blank input: instruction only");
        assertEquals("Say hi.", single(result.examples().get(2)).prompt(), "no input field");
        assertEquals(List.of(2L, 3L, 8L), result.examples().stream().map(e -> e.source().line()).toList(),
                "a JSON record's line is that of its opening brace");
    }

    @Test
    void promptCompletionAndForcedShape() {
        Path file = DataFixtures.write(dir, "pc.jsonl", """
                {"prompt": "Once upon a time", "completion": " there was a cat."}
                """);
        Example.SingleTurn example = single(read(file).examples().getFirst());
        assertEquals("Once upon a time", example.prompt());
        assertEquals(" there was a cat.", example.answer(), "texts are kept as written (leading space)");
        ReadResult forced = DataReader.read(file, ReadOptions.defaults().withShape(RecordShape.QUESTION_ANSWER));
        assertEquals(0, forced.examples().size());
        assertEquals("no field 'question'", forced.malformed().getFirst().detail());
    }

    @Test
    void chatMessagesBecomeDialogs() {
        Path file = DataFixtures.write(dir, "chat.jsonl", """
                {"messages": [{"role": "system", "content": "You are terse."}, {"role": "user", "content": "Hi"}, \
                {"role": "assistant", "content": "Hello."}, {"role": "user", "content": "2+2?"}, \
                {"role": "assistant", "content": "4"}]}
                {"conversations": [{"from": "human", "value": "Name a fruit"}, {"from": "gpt", "value": "Apple"}]}
                """);
        ReadResult result = read(file);
        Example.Dialog first = assertInstanceOf(Example.Dialog.class, result.examples().get(0));
        assertEquals("You are terse.", first.system());
        assertEquals(List.of(new ChatTurn("Hi", "Hello."), new ChatTurn("2+2?", "4")), first.turns());
        Example.Dialog second = assertInstanceOf(Example.Dialog.class, result.examples().get(1));
        assertNull(second.system());
        assertEquals(List.of(new ChatTurn("Name a fruit", "Apple")), second.turns());
        assertEquals(2, second.source().line());
    }

    @Test
    void namedFieldsAndWrappedArray() {
        // BIG-bench style: an object whose "examples" field holds the records, after an array of strings
        Path file = DataFixtures.write(dir, "task.json", """
                {"name": "t", "keywords": ["a", "b"], "nested": {"x": [1, 2]},
                 "examples": [
                   {"input": "Is the sky blue?", "target": "Yes."},
                   {"input": "Is fire cold?", "target": "No."}
                 ]}
                """);
        ReadResult result = DataReader.read(file, ReadOptions.defaults().withFields("input", "target"));
        assertEquals(2, result.examples().size());
        assertEquals("Is fire cold?", single(result.examples().get(1)).prompt());
        assertEquals("No.", single(result.examples().get(1)).answer());
        assertEquals(3, result.examples().get(0).source().line());
        ReadResult named = DataReader.read(file, ReadOptions.defaults().withFields("input", "target")
                .withRecordsField("keywords"));
        assertEquals(2, named.malformedCount(), "the named field is used even when it holds no objects");
        DataFormatException missing = assertThrows(DataFormatException.class, () -> DataReader.read(file,
                ReadOptions.defaults().withRecordsField("rows")));
        assertTrue(missing.getMessage().contains("no array field 'rows'"), missing.getMessage());
    }

    @Test
    void layoutDetectedByContent() {
        // JSONL under a .json name (as AQuA's test.json), blank lines and CRLF endings
        Path file = DataFixtures.write(dir, "lines.json",
                "{\"question\": \"a?\", \"answer\": \"A\"}\r\n\r\n{\"question\": \"b?\", \"answer\": \"B\"}\r\n");
        ReadResult result = read(file);
        assertEquals(2, result.examples().size());
        assertEquals(1, result.blankLines());
        assertEquals(3, result.examples().get(1).source().line());
        assertEquals("B", single(result.examples().get(1)).answer(), "no \\r left in the text");
        // one line, one object: a container when a field holds an array of objects, else a single record
        Path minified = DataFixtures.write(dir, "minified.json",
                "{\"meta\": 1, \"data\": [{\"prompt\": \"p\", \"completion\": \"c\"}, {\"prompt\": \"q\", \"completion\": \"d\"}]}");
        assertEquals(2, read(minified).examples().size());
        Path lone = DataFixtures.write(dir, "lone.json", "{\"messages\": [{\"role\": \"user\", \"content\": \"u\"}, "
                + "{\"role\": \"assistant\", \"content\": \"a\"}]}\n");
        assertInstanceOf(Example.Dialog.class, read(lone).examples().getFirst());
    }

    @Test
    void gzipFilesAreDecompressed() throws IOException {
        Path file = dir.resolve("qa.jsonl.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            out.write("{\"question\": \"q\", \"answer\": \"a\"}\n".repeat(3).getBytes(StandardCharsets.UTF_8));
        }
        assertEquals(3, read(file).examples().size());
    }

    @Test
    void severalFilesInOrder() {
        Path a = DataFixtures.write(dir, "a.jsonl", "{\"question\": \"1\", \"answer\": \"x\"}\n");
        Path b = DataFixtures.write(dir, "b.json", "[{\"prompt\": \"2\", \"completion\": \"y\"}]");
        ReadResult result = DataReader.read(List.of(a, b), ReadOptions.defaults());
        assertEquals(List.of(a, b), result.files());
        assertEquals(List.of("1", "2"), result.examples().stream().map(e -> single(e).prompt()).toList());
        assertEquals(b, result.examples().get(1).source().file());
    }

    @Test
    void emptyFilesGiveNoExamples() {
        assertEquals(0, read(DataFixtures.write(dir, "empty.jsonl", "")).records());
        assertEquals(0, read(DataFixtures.write(dir, "empty.json", "[]")).records());
        assertEquals(0, read(DataFixtures.write(dir, "blank.json", "\n\n")).examples().size());
    }
}
