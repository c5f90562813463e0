package dev.lorapar.tests.eval.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorapar.eval.report.ArtifactIdentity;
import dev.lorapar.eval.report.BenchmarkResult;
import dev.lorapar.eval.report.BenchmarkSummary;
import dev.lorapar.eval.report.EvalRun;
import dev.lorapar.eval.report.EvalRunJson;
import dev.lorapar.eval.report.EvalRunWriter;
import dev.lorapar.eval.report.GroupScore;
import dev.lorapar.eval.report.ItemRecord;
import dev.lorapar.eval.report.RunFileException;
import dev.lorapar.eval.report.RunInfo;
import dev.lorapar.tests.support.Rng;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/** Run files: write → read gives the same run (records compare doubles bit for bit, NaN included); bad files name file and line. */
class EvalRunJsonTest {
    @TempDir
    Path dir;

    private static final String[] PIECES = {"a", "Ω", "é", "日本語", "😀", "\"", "\\", "\n", "\t", "\u0000", "\u2028", "</answer>", " ", "#### 42", "\r\n", "\uFFFD"};

    static String text(Rng rng, int maxPieces) {
        StringBuilder sb = new StringBuilder();
        int n = rng.nextInt(maxPieces + 1);
        for (int i = 0; i < n; i++) sb.append(PIECES[rng.nextInt(PIECES.length)]);
        return sb.toString();
    }

    static double number(Rng rng) {
        double u = rng.nextDouble();
        if (u < 0.05) return Double.NaN;
        if (u < 0.08) return Double.POSITIVE_INFINITY;
        if (u < 0.10) return Double.NEGATIVE_INFINITY;
        if (u < 0.12) return -0.0;
        if (u < 0.5) return rng.nextBoolean() ? 1 : 0;
        return rng.nextDouble() * Math.pow(10, rng.between(-12, 12));
    }

    static ItemRecord randomItem(Rng rng, String id) {
        ItemRecord.Builder b = ItemRecord.builder(id).score(number(rng));
        if (rng.nextBoolean()) b.subject("subject_" + rng.nextInt(4));
        if (rng.nextDouble() < 0.7) b.prompt(text(rng, 30));
        if (rng.nextDouble() < 0.8) b.prediction(text(rng, 20));
        if (rng.nextDouble() < 0.6) b.extracted(text(rng, 3));
        if (rng.nextDouble() < 0.8) b.gold(text(rng, 3));
        if (rng.nextDouble() < 0.3) b.metric("pass@" + rng.between(2, 10), number(rng));
        if (rng.nextDouble() < 0.3) b.metric("ñ metric", number(rng));
        if (rng.nextDouble() < 0.7) b.timeMs(rng.nextDouble() < 0.1 ? Double.POSITIVE_INFINITY : rng.nextDouble() * 1e4);
        if (rng.nextDouble() < 0.7) b.promptTokens(rng.nextInt(5000));
        if (rng.nextDouble() < 0.7) b.generatedTokens(rng.nextInt(512));
        return b.build();
    }

    static EvalRun randomRun(Rng rng) {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("model", "/m/llama-2-7b");
        config.put("note ✓", text(rng, 8));
        ArtifactIdentity adapter = rng.nextBoolean() ? null : new ArtifactIdentity("/a/adapter", 77, null, List.of());
        RunInfo info = new RunInfo(Instant.ofEpochSecond(1_700_000_000L + rng.nextInt(1000), rng.nextInt(1_000_000_000)),
                rng.nextBoolean() ? null : "cuda:0 NVIDIA H200", config,
                new ArtifactIdentity("/m/llama-2-7b", 13_476_839_424L, "0f".repeat(32),
                        List.of(new ArtifactIdentity.FileDigest("model-00001-of-00002.safetensors", 9_976_576_152L, "1e".repeat(32)))),
                adapter);
        List<BenchmarkResult> benchmarks = new ArrayList<>();
        int nb = rng.between(1, 3);
        for (int bi = 0; bi < nb; bi++) {
            List<ItemRecord> items = new ArrayList<>();
            int n = rng.nextInt(40);
            for (int i = 0; i < n; i++) items.add(randomItem(rng, "bench" + bi + "/" + i + text(rng, 2)));
            if (bi == 0 && n > 0) { // one very long prompt
                ItemRecord first = items.get(0);
                items.set(0, new ItemRecord(first.id(), first.subject(), "Q: 😀 é ".repeat(40_000), first.prediction(),
                        first.extracted(), first.gold(), first.score(), first.scores(), first.timeMs(), first.promptTokens(), first.generatedTokens()));
            }
            benchmarks.add(rng.nextBoolean() ? BenchmarkResult.of("bench" + bi + text(rng, 2), "accuracy", items)
                    : new BenchmarkResult("bench" + bi, "pass@1", items, new BenchmarkSummary(
                            Map.of("pass@1", number(rng)), Map.of("items", (long) n),
                            Map.of("s", new GroupScore(number(rng), 3)), Map.of(10, number(rng), 100, number(rng)))));
        }
        return new EvalRun(info, info.started().plusMillis(rng.nextInt(10_000_000)), benchmarks);
    }

    @Test
    void writeThenReadGivesTheSameRun(TestInfo ti) throws Exception {
        Rng rng = Rng.forTest(ti);
        for (int t = 0; t < 5; t++) {
            EvalRun run = randomRun(rng);
            Path f = dir.resolve("run" + t + ".json");
            EvalRunJson.write(run, f);
            assertFalse(Files.exists(dir.resolve("run" + t + ".json.partial")));
            EvalRun back = EvalRunJson.read(f);
            assertEquals(run, back, rng.tag());
        }
    }

    @Test
    void nonFiniteNumbersAreStringsInTheFile() throws Exception {
        ItemRecord item = ItemRecord.builder("x").score(Double.NaN).metric("m", Double.NEGATIVE_INFINITY).timeMs(Double.POSITIVE_INFINITY).build();
        EvalRun run = new EvalRun(Runs.info("/m"), Runs.START, List.of(BenchmarkResult.of("b", "accuracy", List.of(item))));
        Path f = dir.resolve("nan.json");
        EvalRunJson.write(run, f);
        String json = Files.readString(f);
        assertTrue(json.contains("\"score\" : \"NaN\""), json);
        assertTrue(json.contains("\"m\" : \"-Infinity\""), json);
        assertTrue(json.contains("\"time_ms\" : \"Infinity\""), json);
        assertTrue(json.contains("\"accuracy\" : \"NaN\""), json); // the mean of no scored item
        EvalRun back = EvalRunJson.read(f);
        assertEquals(run, back);
        assertEquals(0L, back.benchmarks().get(0).summary().counts().get("scored"));
    }

    @Test
    void streamedWriterMatchesWholeRunAndLeavesPartialFileWhenStopped(TestInfo ti) throws Exception {
        Rng rng = Rng.forTest(ti);
        List<ItemRecord> items = new ArrayList<>();
        for (int i = 0; i < 14_042; i++) {
            items.add(ItemRecord.builder("mmlu/" + i).subject("s" + (i % 57)).correct(rng.nextDouble() < 0.45)
                    .prediction(String.valueOf("ABCD".charAt(rng.nextInt(4)))).gold("A").timeMs(3.5).build());
        }
        Path f = dir.resolve("out/mmlu.json");
        BenchmarkSummary summary;
        try (EvalRunWriter w = EvalRunWriter.create(f, Runs.info("/m"))) {
            w.beginBenchmark("mmlu", "accuracy");
            for (ItemRecord item : items) w.item(item);
            summary = w.endBenchmark();
            assertThrows(IllegalStateException.class, () -> w.item(items.get(0)));
            w.finish(Runs.START.plusSeconds(5));
        }
        EvalRun expected = new EvalRun(Runs.info("/m"), Runs.START.plusSeconds(5), List.of(BenchmarkResult.of("mmlu", "accuracy", items)));
        assertEquals(expected.benchmarks().get(0).summary(), summary);
        assertEquals(expected, EvalRunJson.read(f), rng.tag());
        assertEquals(57, summary.perSubject().size());

        Path g = dir.resolve("stopped.json");
        try (EvalRunWriter w = EvalRunWriter.create(g, Runs.info("/m"))) {
            w.beginBenchmark("gsm8k", "accuracy");
            w.item(items.get(0));
        }
        assertFalse(Files.exists(g));
        assertTrue(Files.readString(dir.resolve("stopped.json.partial")).contains("mmlu/0"));
    }

    /** The 1-based line of the first occurrence of {@code needle}. */
    private static long lineOf(String text, String needle) {
        int at = text.indexOf(needle);
        assertTrue(at >= 0, needle);
        return text.substring(0, at).chars().filter(c -> c == '\n').count() + 1;
    }

    private RunFileException readBroken(String name, String json) throws Exception {
        Path f = dir.resolve(name);
        Files.writeString(f, json, StandardCharsets.UTF_8);
        RunFileException e = assertThrows(RunFileException.class, () -> EvalRunJson.read(f));
        assertTrue(e.getMessage().startsWith(f + ":"), e.getMessage());
        assertEquals(f, e.file());
        return e;
    }

    @Test
    void badFilesNameFileLineAndProblem() throws Exception {
        List<ItemRecord> items = List.of(ItemRecord.builder("q1").correct(true).build(), ItemRecord.builder("q2").correct(false).build());
        EvalRun run = new EvalRun(Runs.info("/m"), Runs.START, List.of(BenchmarkResult.of("gsm8k", "accuracy", items)));
        Path good = dir.resolve("good.json");
        EvalRunJson.write(run, good);
        String json = Files.readString(good);
        int q2 = json.indexOf("\"q2\"");

        String badScore = json.substring(0, q2) + json.substring(q2).replaceFirst("\"score\" : 0\\.0", "\"score\" : \"zero\"");
        RunFileException e = readBroken("score.json", badScore);
        assertEquals(lineOf(json, "\"q2\"") - 1, e.line(), e.getMessage()); // the item's opening brace
        assertTrue(e.getMessage().contains("item 2 (id q2): score is \"zero\", not a number"), e.getMessage());

        String noId = json.replace("\"id\" : \"q2\",", "");
        e = readBroken("noid.json", noId);
        assertTrue(e.getMessage().contains("item 2: \"id\" is missing"), e.getMessage());

        e = readBroken("torn.json", json.substring(0, json.length() / 2));
        assertTrue(e.getMessage().contains("not valid JSON"), e.getMessage());
        assertTrue(e.line() > 1, e.getMessage());

        e = readBroken("other.json", json.replace("lorapar-eval-run", "something-else"));
        assertTrue(e.getMessage().contains("not a lorapar evaluation run"), e.getMessage());
        e = readBroken("v2.json", json.replace("\"version\" : 1", "\"version\" : 2"));
        assertTrue(e.getMessage().contains("version 2 is not supported"), e.getMessage());
        e = readBroken("time.json", json.replace("2025-01-02T03:04:05Z", "yesterday"));
        assertTrue(e.getMessage().contains("started \"yesterday\" is not an ISO-8601 instant"), e.getMessage());
        e = readBroken("sha.json", json.replace("ab".repeat(32), "xyz"));
        assertTrue(e.getMessage().contains("\"xyz\" is not 64 lower-case hex digits"), e.getMessage());
        e = readBroken("array.json", "[1, 2]");
        assertTrue(e.getMessage().contains("not a JSON object"), e.getMessage());
        RunFileException missing = assertThrows(RunFileException.class, () -> EvalRunJson.read(dir.resolve("absent.json")));
        assertTrue(missing.getMessage().contains("absent.json"), missing.getMessage());

        // "correct": true/false is read as score 1/0 (files from other tools); unknown fields are ignored
        String hand = json.replace("\"score\" : 1.0", "\"correct\" : true, \"extra_field\" : [1, {}]");
        Path f = dir.resolve("hand.json");
        Files.writeString(f, hand);
        assertEquals(run, EvalRunJson.read(f));
        e = readBroken("correct.json", json.replace("\"score\" : 1.0", "\"correct\" : \"yes\""));
        assertTrue(e.getMessage().contains("\"correct\" is \"yes\", not true or false"), e.getMessage());
    }
}
