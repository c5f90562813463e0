package dev.lorapar.tests.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lorapar.pipeline.ClassifyMain;
import dev.lorapar.pipeline.classify.ClassifyRun;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lorapar classify} end to end against three teacher endpoints served over real HTTP ({@link StubTeachers}):
 * one good, one answering garbage (retried once, then abstains), one timing out on half the items (retried, then an
 * error vote), plus a local voter; labels by majority, the journal, agreement statistics; a rerun makes no request;
 * a child JVM killed (SIGKILL) in the middle leaves a journal from which the rerun repeats no finished call.
 */
class ClassifyHttpTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final int ITEMS = 10;

    static Path data(Path dir) throws IOException {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < ITEMS; i++) {
            String q = i % 3 == 0 ? "Q" + i + ": how many steps to add 2 and 3 then double?" : "Q" + i + ": what colour is the sky?";
            String a = i % 3 == 0 ? "2 + 3 = 5. 5 * 2 = 10.\n#### 10" : "Blue.";
            s.append(JSON.createObjectNode().put("question", q).put("answer", a)).append('\n');
        }
        return Files.writeString(dir.resolve("data.jsonl"), s.toString());
    }

    static Path teachers(Path dir, StubTeachers stub) throws IOException {
        var arr = JSON.createArrayNode();
        arr.addObject().put("name", "good").put("type", "openai").put("base_url", stub.baseUrl("good"))
                .put("model", "tiny-a").put("concurrency", 2).put("timeout_s", 5).put("retries", 1).put("backoff_ms", 5)
                .put("requests_per_second", 200);
        arr.addObject().put("name", "garbage").put("type", "openai").put("base_url", stub.baseUrl("garbage"))
                .put("model", "tiny-b").put("concurrency", 3).put("timeout_s", 5).put("retries", 0);
        arr.addObject().put("name", "slow").put("type", "openai").put("base_url", stub.baseUrl("slow"))
                .put("model", "tiny-c").put("concurrency", 5).put("timeout_s", 1.0).put("retries", 1).put("backoff_ms", 5)
                .put("role_play", false);
        arr.addObject().put("name", "eq").put("type", "equations").put("threshold", 2);
        return Files.writeString(dir.resolve("teachers.json"), arr.toString());
    }

    record Ran(int status, String out, String err) {
    }

    static Ran classify(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int status = ClassifyMain.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Ran(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static String[] args(Path dir, Path data, Path teachers, String... more) {
        List<String> a = new ArrayList<>(List.of("--data", data.toString(), "--teachers", teachers.toString(),
                "--output_dir", dir.resolve("runs").toString(), "--progress", "silent", "--target_model", "TinyLlama 1M"));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    static Path stageDir(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir.resolve("runs"))) {
            return s.filter(p -> Files.isDirectory(p) && p.getFileName().toString().startsWith("classify-")).findFirst()
                    .orElseThrow();
        }
    }

    static List<JsonNode> jsonl(Path f) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String l : Files.readAllLines(f)) if (!l.isBlank()) out.add(JSON.readTree(l));
        return out;
    }

    static void checkLabels(Path stage, boolean slowVotesExact) throws IOException {
        List<JsonNode> labelled = jsonl(stage.resolve(ClassifyRun.LABELLED));
        assertEquals(ITEMS, labelled.size());
        for (JsonNode r : labelled) {
            int i = r.get("index").asInt();
            String expected = i % 3 == 0 ? "System2" : "System1";
            assertEquals(expected, r.get("label").asText(), r.toString());
            assertEquals(expected, r.at("/votes/good").asText(), r.toString());
            assertTrue(r.at("/votes/garbage").isNull(), "garbage abstains: " + r);
            if (i % 2 == 1) assertTrue(r.at("/votes/slow").isNull(), "slow timed out: " + r);
            else if (slowVotesExact) assertEquals(expected, r.at("/votes/slow").asText(), r.toString());
            assertEquals(expected, r.at("/votes/eq").asText(), "two equations ⇔ System2: " + r);
        }
        long s2 = labelled.stream().filter(r -> r.get("label").asText().equals("System2")).count();
        assertEquals(s2, jsonl(stage.resolve(ClassifyRun.S2)).size());
        assertEquals(ITEMS - s2, jsonl(stage.resolve(ClassifyRun.S1)).size());
    }

    @Test
    void votesOverHttpWithTimeoutsGarbageAndNoRepeatedCalls(@TempDir Path dir) throws Exception {
        try (StubTeachers stub = new StubTeachers(0)) {
            Path data = data(dir), teachers = teachers(dir, stub);
            Ran r = classify(args(dir, data, teachers));
            assertEquals(0, r.status(), r.err());
            Path stage = stageDir(dir);
            checkLabels(stage, true);
            assertEquals(ITEMS, stub.count("good"), "one call per item");
            assertEquals(2 * ITEMS, stub.count("garbage"), "the first answer and one retry per item");
            int odd = ITEMS / 2;
            assertEquals((ITEMS - odd) + 2 * odd, stub.count("slow"), "timeouts tried twice (retries = 1)");

            List<JsonNode> journal = jsonl(dir.resolve("runs/journals/classify.jsonl"));
            assertEquals(ITEMS + 2 * ITEMS + ITEMS + ITEMS, journal.size(), "good, garbage ×2, slow, eq");
            long errors = journal.stream().filter(j -> j.get("status").asText().equals("error")).count();
            assertEquals(odd, errors);
            assertTrue(journal.stream().filter(j -> j.get("status").asText().equals("error"))
                    .allMatch(j -> j.get("error").asText().contains("timed out")), "errors say why");
            assertTrue(journal.stream().filter(j -> j.get("teacher").asText().equals("garbage"))
                    .allMatch(j -> j.get("raw").asText().equals("banana")), "raw answers kept");

            JsonNode stats = JSON.readTree(stage.resolve(ClassifyRun.STATS).toFile());
            assertTrue(stats.get("fleiss_kappa").isNull(), "no item has every vote (garbage abstains)");
            assertEquals(0, stats.get("fleiss_items").asInt());
            assertEquals(1.0, stats.at("/voters/garbage/abstain_share").asDouble(), 0);
            for (JsonNode p : stats.get("pairwise")) {
                if (p.get("a").asText().equals("good") && p.get("b").asText().equals("slow")) {
                    assertEquals(ITEMS - odd, p.get("items_both_labelled").asInt());
                    assertEquals(1.0, p.get("agreement").asDouble(), 0);
                }
            }

            Map<String, Integer> before = stub.snapshot();
            Ran again = classify(args(dir, data, teachers));
            assertTrue(again.out().contains("skipped"), again.out());
            Ran forced = classify(args(dir, data, teachers, "--force", "true"));
            assertEquals(0, forced.status(), forced.err());
            assertEquals(before, stub.snapshot(), "reruns answer from the journal: no request");
            checkLabels(stage, true);
            Ran retry = classify(args(dir, data, teachers, "--force", "true", "--retry_errors", "true"));
            assertEquals(0, retry.status(), retry.err());
            assertEquals(before.get("slow/1") + 2, stub.count("slow", 1), "--retry_errors asks failed calls again");
            assertEquals(before.get("good/1"), stub.count("good", 1));
        }
    }

    @Test
    void killedChildLeavesAJournalTheRerunTrusts(@TempDir Path dir) throws Exception {
        try (StubTeachers stub = new StubTeachers(150)) {
            Path data = data(dir), teachers = teachers(dir, stub);
            String java = ProcessHandle.current().info().command()
                    .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            List<String> cmd = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"),
                    ClassifyMain.class.getName()));
            cmd.addAll(List.of(args(dir, data, teachers)));
            Process child = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("child.log").toFile()).start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (stub.count("good") < 4 && System.nanoTime() < deadline && child.isAlive()) Thread.sleep(10);
            assertTrue(child.isAlive(), "the child finished before the kill: " + Files.readString(dir.resolve("child.log")));
            child.destroyForcibly();
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
            assertTrue(stub.count("good") < ITEMS, "killed in the middle");

            Path journalFile = dir.resolve("runs/journals/classify.jsonl");
            Set<String> finished = new HashSet<>(); // "teacher/index" with a final record before the rerun
            for (String line : Files.readAllLines(journalFile)) {
                try {
                    JsonNode j = JSON.readTree(line);
                    if (j.path("final").asBoolean()) finished.add(j.get("teacher").asText() + "/" + j.get("index").asInt());
                } catch (IOException e) {
                    // a line cut by the kill
                }
            }
            assertTrue(finished.stream().anyMatch(f -> f.startsWith("good/")), "some calls finished: " + finished);
            Files.writeString(journalFile, "{\"item\": \"cut", StandardOpenOption.APPEND); // as a kill mid-write leaves it
            Map<String, Integer> before = stub.snapshot();
            stub.goodDelayMs = 0;
            Ran r = classify(args(dir, data, teachers));
            assertEquals(0, r.status(), r.err());
            assertTrue(r.err().contains("cut short"), r.err());
            for (String f : finished) {
                if (f.startsWith("eq/")) continue;
                assertEquals(before.getOrDefault(f, 0), stub.snapshot().getOrDefault(f, 0), "finished call " + f + " repeated");
            }
            for (int i = 0; i < ITEMS; i++) {
                assertTrue(stub.count("good", i) <= 2, "good/" + i + ": at most the call in flight at the kill is repeated");
            }
            checkLabels(stageDir(dir), false); // a cold child JVM may time out on an even item too
        }
    }
}
