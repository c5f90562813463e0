package dev.lorapar.tests.eval.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorapar.eval.bench.Benchmark;
import dev.lorapar.eval.bench.BenchmarkFormatException;
import dev.lorapar.eval.bench.EvalItem;
import dev.lorapar.eval.bench.ItemSource;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Small files written here: each loader reads a good record, and a bad record is refused with an exception that
 * names its file and line (and index in a JSON array) and says what is wrong. Also the original header-less MMLU
 * CSVs and CSV quoting.
 */
class MalformedRecordsTest {
    @TempDir
    Path dir;

    private Path write(String name, String text) throws IOException {
        Path file = dir.resolve(name);
        Files.createDirectories(file.getParent());
        Files.writeString(file, text, StandardCharsets.UTF_8);
        return file;
    }

    /** Loading fails at {@code line} (and {@code index}) with a message containing {@code detail}. */
    private static void assertBad(Benchmark benchmark, Path file, long line, int index, String detail) {
        BenchmarkFormatException e = assertThrows(BenchmarkFormatException.class, () -> benchmark.load(file));
        assertEquals(new ItemSource(file, line, index), e.source(), e.getMessage());
        assertTrue(e.getMessage().startsWith(file + ":" + line), e.getMessage());
        assertTrue(e.getMessage().contains(detail), e.getMessage());
    }

    private static final String GSM_OK = "{\"question\": \"q\", \"answer\": \"r\\n#### 1,250\"}\n";

    @Test
    void gsm8k() throws IOException {
        List<EvalItem> items = Benchmark.GSM8K.load(write("g.jsonl", GSM_OK + "\n" + GSM_OK));
        assertEquals(2, items.size());
        assertEquals("1250", items.get(1).gold());
        assertEquals(3, items.get(1).source().line(), "blank line skipped, lines still counted");
        assertBad(Benchmark.GSM8K, write("a.jsonl", GSM_OK + "{\"question\": \"q\", \"answer\": \"r\"}\n"), 2, -1,
                "no \"#### <number>\"");
        assertBad(Benchmark.GSM8K, write("b.jsonl", GSM_OK + GSM_OK + "{\"question\": \"q\", \"answer\": \"#### many\"}\n"),
                3, -1, "not a number: \"many\"");
        assertBad(Benchmark.GSM8K, write("c.jsonl", "{\"question\": \"q\"\n"), 1, -1, "not a JSON value");
        assertBad(Benchmark.GSM8K, write("d.jsonl", GSM_OK + "{\"answer\": \"#### 1\"}\n"), 2, -1, "missing field \"question\"");
        assertBad(Benchmark.GSM8K, write("e.jsonl", GSM_OK + "[1]\n"), 2, -1, "expected a JSON object");
        assertBad(Benchmark.GSM8K, write("f.jsonl", "\n\n"), 1, -1, "no records");
    }

    @Test
    void gsm8kInvalidUtf8() throws IOException {
        Path file = dir.resolve("bytes.jsonl");
        byte[] good = GSM_OK.getBytes(StandardCharsets.UTF_8);
        byte[] bytes = new byte[good.length * 2];
        System.arraycopy(good, 0, bytes, 0, good.length);
        System.arraycopy(good, 0, bytes, good.length, good.length);
        bytes[good.length + 15] = (byte) 0xff;
        Files.write(file, bytes);
        assertBad(Benchmark.GSM8K, file, 2, -1, "not UTF-8");
    }

    @Test
    void mmluWithHeader() throws IOException {
        String header = "question,choice0,choice1,choice2,choice3,answer\n";
        Path file = write("mmlu/test/high_school_physics_test.csv", header
                + "\"Two lines,\nwith a comma\",a,\"b \"\"quoted\"\"\",c,d,3\r\n"
                + "Second?,w,x,y,z,0\n");
        List<EvalItem> items = Benchmark.MMLU.load(file);
        assertEquals(2, items.size());
        assertEquals("Two lines,\nwith a comma", items.get(0).question());
        assertEquals(List.of("a", "b \"quoted\"", "c", "d"), items.get(0).choices());
        assertEquals("D", items.get(0).gold());
        assertEquals("high_school_physics", items.get(0).subject());
        assertEquals(4, items.get(1).source().line(), "the quoted line break is counted");
        assertEquals("A", items.get(1).gold());
        assertBad(Benchmark.MMLU, write("h1.csv", header + "q,a,b,c,d,1\nq2,a,b,c,d,B\n"), 3, -1, "is not 0, 1, 2 or 3");
        assertBad(Benchmark.MMLU, write("h2.csv", header + "q,a,b,c,d,1\n\"multi\nline\",a,b,c,1\n"), 3, -1,
                "5 fields; expected 6");
        assertBad(Benchmark.MMLU, write("h3.csv", header + "q,a,b,c,d,1\n\"open,a,b,c,d,1\n"), 3, -1, "not closed");
        assertBad(Benchmark.MMLU, write("h4.csv", header + "q,a,b\"c,c,d,1\n"), 2, -1, "a quote inside");
        assertBad(Benchmark.MMLU, write("h5.csv", header + "\"q\"x,a,b,c,d,1\n"), 2, -1, "after the closing quote");
        assertBad(Benchmark.MMLU, write("h6.csv", header + " ,a,b,c,d,1\n"), 2, -1, "empty question");
    }

    @Test
    void mmluOriginalHeaderless() throws IOException {
        Path folder = dir.resolve("orig");
        write("orig/anatomy_test.csv", "What is 1+1?,1,2,3,4,B\n\"Pick, one\",w,x,y,z,D\n");
        write("orig/astronomy_test.csv", "Sun?,star,planet,moon,comet,A\n");
        write("orig/notes.txt", "not a csv\n");
        List<EvalItem> items = Benchmark.MMLU.load(folder);
        assertEquals(3, items.size());
        assertEquals("anatomy", items.get(0).subject());
        assertEquals("B", items.get(0).gold());
        assertEquals("2", items.get(0).goldText());
        assertEquals("Pick, one", items.get(1).question());
        assertEquals("D", items.get(1).gold());
        assertEquals("astronomy", items.get(2).subject());
        assertEquals("mmlu/astronomy_test/0", items.get(2).id());
        assertBad(Benchmark.MMLU, write("o1_test.csv", "q,a,b,c,d,A\nq,a,b,c,d,E\n"), 2, -1, "is not A, B, C or D");
        assertBad(Benchmark.MMLU, write("o2_test.csv", "q,a,b,c,d,A\nq,a,b,c,d,1\n"), 2, -1, "is not A, B, C or D");
    }

    @Test
    void arcAndCommonsenseQa() throws IOException {
        String arc = "{\"query\": \"Question: Q?\", \"choices\": [\"x\", \"y\", \"z\"], \"gold\": 2}\n";
        assertEquals("C", Benchmark.ARC_EASY.load(write("arc.jsonl", arc)).getFirst().gold());
        assertBad(Benchmark.ARC_CHALLENGE, write("arc2.jsonl", arc + arc.replace("2}", "3}")), 2, -1,
                "gold 3 is not the index");
        assertBad(Benchmark.ARC_CHALLENGE, write("arc3.jsonl", arc.replace("[\"x\", \"y\", \"z\"]", "[\"x\"]")), 1, -1,
                "1 choices");
        assertBad(Benchmark.ARC_CHALLENGE, write("arc4.jsonl", arc.replace("2}", "\"2\"}")), 1, -1, "not an integer");
        String csqa = "{\"answerKey\": \"B\", \"id\": \"i1\", \"question\": {\"question_concept\": \"c\", \"choices\": "
                + "[{\"label\": \"A\", \"text\": \"one\"}, {\"label\": \"B\", \"text\": \"two\"}], \"stem\": \"S?\"}}\n";
        EvalItem item = Benchmark.COMMONSENSE_QA.load(write("c.jsonl", csqa)).getFirst();
        assertEquals("two", item.goldText());
        assertBad(Benchmark.COMMONSENSE_QA, write("c2.jsonl", csqa + csqa), 2, -1, "id \"i1\" repeats " + dir.resolve("c2.jsonl") + ":1");
        assertBad(Benchmark.COMMONSENSE_QA, write("c3.jsonl", csqa.replace("\"B\", \"text\"", "\"C\", \"text\"")), 1, -1,
                "label \"C\"; expected B");
        assertBad(Benchmark.COMMONSENSE_QA, write("c4.jsonl", csqa.replace("\"answerKey\": \"B\", ", "")), 1, -1,
                "missing field \"answerKey\"");
        assertBad(Benchmark.COMMONSENSE_QA, write("c5.jsonl", csqa.replace("\"answerKey\": \"B\"", "\"answerKey\": \"E\"")),
                1, -1, "answerKey \"E\"");
    }

    @Test
    void strategyQa() throws IOException {
        String good = "{\"input\": \"Q?\", \"target_scores\": {\"Yes\": 0, \"No\": 1}, \"target\": \"No. Because.\"}";
        String head = "{\"name\": \"strategyqa\", \"keywords\": [\"x\"],\n \"examples\": [\n";
        assertEquals("no", Benchmark.STRATEGY_QA.load(write("s.json", head + good + "]}")).getFirst().gold());
        assertBad(Benchmark.STRATEGY_QA, write("s1.json", head + good + ",\n" + good + ",\n"
                + good.replace("\"Yes\": 0", "\"Yes\": 1") + "]}"), 5, 2, "exactly one of Yes / No");
        assertBad(Benchmark.STRATEGY_QA, write("s2.json", head + good + ",\n" + good.replace("No. Because", "Yes. Because")
                + "]}"), 4, 1, "target starts \"Yes\" but target_scores say no");
        assertBad(Benchmark.STRATEGY_QA, write("s3.json", "{\"name\": 1}"), 1, -1, "no array field \"examples\"");
        assertBad(Benchmark.STRATEGY_QA, write("s4.json", head + good + ",\n" + good + ",,\n"), 4, -1, "JSON syntax error");
    }

    @Test
    void mathAndAqua() throws IOException {
        String math = "{\"context\": \"P\", \"answer\": \"\\\\dfrac{3}{4}\", \"chain_of_thought\": \"c\", \"category\": \"algebra\"}\n";
        assertEquals("0.75", Benchmark.MATH.load(write("m.jsonl", math)).getFirst().gold());
        assertBad(Benchmark.MATH, write("m2.jsonl", math + math.replace("\"category\": \"algebra\"", "\"category\": 3")),
                2, -1, "field \"category\" is not a string");
        assertBad(Benchmark.MATH, write("m3.jsonl", math.replace("\\\\dfrac{3}{4}", "$ $")), 1, -1, "empty after normalisation");
        String aqua = "{\"question\": \"Q\", \"options\": [\"A)1\", \"B) 2\", \"C)3\"], \"rationale\": \"r\", \"correct\": \"B\"}\n";
        EvalItem item = Benchmark.AQUA.load(write("aq.json", aqua)).getFirst();
        assertEquals(List.of("1", "2", "3"), item.choices());
        assertEquals("B", item.gold());
        assertBad(Benchmark.AQUA, write("aq2.json", aqua + aqua.replace("\"C)3\"", "\"D)3\"")), 2, -1,
                "does not start with \"C)\"");
        assertBad(Benchmark.AQUA, write("aq3.json", aqua.replace("\"correct\": \"B\"", "\"correct\": \"D\"")), 1, -1,
                "correct \"D\"");
    }

    @Test
    void arithmeticArrays() throws IOException {
        String rec = "  {\"iIndex\": %d, \"sQuestion\": \" Q %d \", \"lSolutions\": [%s]}";
        String good = "[\n" + rec.formatted(1, 1, "\"4.50\"") + ",\n" + rec.formatted(2, 2, "7.0") + "\n]";
        List<EvalItem> items = Benchmark.ADD_SUB.load(write("add.json", good));
        assertEquals(List.of("4.5", "7"), items.stream().map(EvalItem::gold).toList());
        assertEquals("Q 2", items.get(1).question());
        assertEquals("addsub/2", items.get(1).id());
        assertEquals(new ItemSource(dir.resolve("add.json"), 3, 1), items.get(1).source());
        String bad = "[" + rec.formatted(1, 1, "1") + "," + rec.formatted(2, 2, "\"lots\"") + "]";
        assertBad(Benchmark.SINGLE_EQ, write("single.json", bad), 1, 1, "lSolutions[0] is not a number");
        String two = "[" + rec.formatted(1, 1, "1, 2") + "]";
        assertBad(Benchmark.MULTI_ARITH, write("multi.json", two), 1, 0, "2 entries; expected one");
        String svamp = "[{\"ID\": \"chal-1\", \"Body\": \"B\", \"Question\": \"Q\", \"Answer\": \"x\", \"Type\": \"T\"}]";
        assertBad(Benchmark.SVAMP, write("svamp.json", svamp), 1, 0, "Answer is not a number");
        assertBad(Benchmark.SVAMP, write("svamp2.json", "{\"a\": 1}"), 1, -1, "expected a JSON array");
    }
}
