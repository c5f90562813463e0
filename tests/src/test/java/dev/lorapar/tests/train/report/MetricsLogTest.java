package dev.lorapar.tests.train.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorapar.tests.support.Rng;
import dev.lorapar.train.report.MetricsLog;
import dev.lorapar.train.report.MetricsRecord;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/** MetricsLog: JSONL write → read round trip, per-line visibility, resume truncation, damaged lines. */
class MetricsLogTest {

    @TempDir
    Path dir;

    /** A random record: each optional field present or not, some losses non-finite, some extras. */
    static MetricsRecord randomRecord(Rng rng, long step) {
        MetricsRecord.Builder b = MetricsRecord.atStep(step);
        if (rng.nextDouble() < 0.8) b.epoch(step / 137.0);
        if (rng.nextDouble() < 0.9) b.loss(pick(rng, 10 * rng.nextDouble()));
        if (rng.nextDouble() < 0.2) b.evalLoss(pick(rng, rng.nextDouble()));
        if (rng.nextDouble() < 0.9) b.lr(2e-4 * rng.nextDouble());
        if (rng.nextDouble() < 0.5) b.gradNorm(Math.exp(20 * rng.nextDouble() - 10));
        if (rng.nextDouble() < 0.5) b.tokensPerSecond(1e5 * rng.nextDouble());
        if (rng.nextDouble() < 0.5) b.memoryBytes(rng.nextLong() >>> 2);
        if (rng.nextDouble() < 0.5) b.time(Instant.ofEpochSecond(1_700_000_000L + step, rng.nextInt(1_000_000_000)));
        if (rng.nextDouble() < 0.5) b.elapsedSeconds(step * 1.5);
        if (rng.nextDouble() < 0.3) b.extra("micro_batches", (long) rng.nextInt(64));
        if (rng.nextDouble() < 0.3) b.extra("note", "résumé \"quoted\"\n" + step);
        if (rng.nextDouble() < 0.3) b.extra("skipped", rng.nextDouble() < 0.5);
        if (rng.nextDouble() < 0.3) b.extra("z_ratio", pick(rng, rng.nextDouble()));
        return b.build();
    }

    private static double pick(Rng rng, double finite) {
        double u = rng.nextDouble();
        if (u < 0.03) return Double.NaN;
        if (u < 0.05) return Double.POSITIVE_INFINITY;
        if (u < 0.06) return Double.NEGATIVE_INFINITY;
        return finite;
    }

    /** Doubles compared bit for bit (NaN equals NaN): records must come back exactly. */
    private static void assertSame(MetricsRecord want, MetricsRecord got, String ctx) {
        assertEquals(want.step(), got.step(), ctx);
        assertBits(want.epoch(), got.epoch(), "epoch " + ctx);
        assertBits(want.loss(), got.loss(), "loss " + ctx);
        assertBits(want.evalLoss(), got.evalLoss(), "eval_loss " + ctx);
        assertBits(want.lr(), got.lr(), "lr " + ctx);
        assertBits(want.gradNorm(), got.gradNorm(), "grad_norm " + ctx);
        assertBits(want.tokensPerS(), got.tokensPerS(), "tokens_per_s " + ctx);
        assertEquals(want.memoryBytes(), got.memoryBytes(), "memory " + ctx);
        assertEquals(want.time(), got.time(), "time " + ctx);
        assertBits(want.elapsedS(), got.elapsedS(), "elapsed " + ctx);
        assertEquals(want.extra().keySet(), got.extra().keySet(), "extras " + ctx);
        for (Map.Entry<String, Object> e : want.extra().entrySet()) {
            Object g = got.extra().get(e.getKey());
            if (e.getValue() instanceof Double d) {
                // non-finite extras come back as their string names
                Object expect = Double.isFinite(d) ? d : Double.isNaN(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity";
                assertEquals(expect, g, e.getKey() + " " + ctx);
            } else {
                assertEquals(e.getValue(), g, e.getKey() + " " + ctx);
            }
        }
    }

    private static void assertBits(Double want, Double got, String ctx) {
        if (want == null) {
            assertNull(got, ctx);
            return;
        }
        assertEquals(Double.doubleToLongBits(want), Double.doubleToLongBits(got), ctx + ": " + want + " vs " + got);
    }

    @Test
    void writeReadRoundTrip(TestInfo info) throws IOException {
        Rng rng = Rng.forTest(info);
        Path file = dir.resolve("run/metrics.jsonl");
        List<MetricsRecord> written = new ArrayList<>();
        try (MetricsLog log = MetricsLog.create(file)) {
            long step = 0;
            for (int i = 0; i < 300; i++) {
                step += rng.nextDouble() < 0.2 ? 0 : 1 + rng.nextInt(3); // equal steps: train + eval records
                MetricsRecord r = randomRecord(rng, step);
                log.append(r);
                written.add(r);
                if (i % 50 == 0) { // each line is in the file as soon as append returns
                    MetricsLog.Contents now = MetricsLog.read(file);
                    assertEquals(i + 1, now.records().size(), rng.tag());
                    assertTrue(now.badLines().isEmpty(), now.badLines() + " " + rng.tag());
                }
            }
            log.force();
            assertEquals(step, log.lastStep());
        }
        MetricsLog.Contents back = MetricsLog.read(file);
        assertTrue(back.badLines().isEmpty(), back.badLines().toString());
        assertEquals(written.size(), back.records().size());
        for (int i = 0; i < written.size(); i++) assertSame(written.get(i), back.records().get(i), "record " + i + " " + rng.tag());
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        assertEquals(written.size(), lines.size(), "one line per record");
    }

    /** The line format: field names and order, non-finite values as strings, absent fields left out. */
    @Test
    void lineFormat() throws IOException {
        Path file = dir.resolve("m.jsonl");
        try (MetricsLog log = MetricsLog.create(file)) {
            log.append(MetricsRecord.atStep(12).epoch(0.5).loss(1.25).lr(2e-4).gradNorm(0.75).tokensPerSecond(16599)
                    .memoryBytes(41_019_736_064L).time(Instant.parse("2025-01-02T03:04:05Z")).elapsedSeconds(12.5)
                    .extra("micro_batches", 4L).build());
            log.append(MetricsRecord.atStep(12).evalLoss(Double.NaN).build());
        }
        assertEquals(List.of(
                "{\"step\":12,\"epoch\":0.5,\"loss\":1.25,\"lr\":2.0E-4,\"grad_norm\":0.75,\"tokens_per_s\":16599.0,"
                        + "\"memory_bytes\":41019736064,\"time\":\"2025-01-02T03:04:05Z\",\"elapsed_s\":12.5,\"micro_batches\":4}",
                "{\"step\":12,\"eval_loss\":\"NaN\"}"), Files.readAllLines(file));
    }

    /**
     * Resume at step k keeps every record with step ≤ k byte for byte, drops the later ones and a torn
     * last line, and appends after them; the report counts what was dropped.
     */
    @Test
    void resumeTruncatesAfterTheResumedStep(TestInfo info) throws IOException {
        Rng rng = Rng.forTest(info);
        Path file = dir.resolve("metrics.jsonl");
        List<MetricsRecord> first = new ArrayList<>();
        try (MetricsLog log = MetricsLog.create(file)) {
            for (long s = 1; s <= 40; s++) {
                MetricsRecord r = randomRecord(rng, s);
                log.append(r);
                first.add(r);
            }
        }
        List<String> before = Files.readAllLines(file);
        // the process was killed while writing step 41
        Files.writeString(file, "{\"step\":41,\"loss\":0.12", StandardOpenOption.APPEND);
        long k = 1 + rng.nextInt(39);
        List<MetricsRecord> second = new ArrayList<>();
        try (MetricsLog log = MetricsLog.resume(file, k)) {
            MetricsLog.ResumeReport rep = log.resumeReport();
            assertEquals(k, rep.resumedStep());
            assertEquals(k, rep.keptRecords());
            assertEquals(40 - k, rep.droppedRecords());
            assertEquals(1, rep.droppedLines().size(), rep.describe());
            assertEquals(41, rep.droppedLines().get(0).lineNumber());
            assertTrue(rep.droppedLines().get(0).reason().contains("torn"), rep.describe());
            assertEquals(k, log.lastStep());
            IllegalArgumentException back = assertThrows(IllegalArgumentException.class,
                    () -> log.append(MetricsRecord.atStep(k - 1).loss(1).build()));
            assertTrue(back.getMessage().contains("step " + (k - 1)), back.getMessage());
            for (long s = k + 1; s <= 50; s++) {
                MetricsRecord r = randomRecord(rng, s);
                log.append(r);
                second.add(r);
            }
        }
        List<String> after = Files.readAllLines(file);
        assertEquals(before.subList(0, (int) k), after.subList(0, (int) k), "kept lines unchanged " + rng.tag());
        MetricsLog.Contents c = MetricsLog.read(file);
        assertTrue(c.badLines().isEmpty(), c.badLines().toString());
        assertEquals(50, c.records().size());
        for (int i = 0; i < 50; i++) {
            MetricsRecord want = i < k ? first.get(i) : second.get(i - (int) k);
            assertSame(want, c.records().get(i), "step " + (i + 1) + " " + rng.tag());
            assertEquals(i + 1, c.records().get(i).step());
        }
    }

    /** Unparseable lines are reported with their line numbers by read and dropped (and reported) by resume. */
    @Test
    void damagedLinesAreReportedNotSilentlyDropped() throws IOException {
        Path file = dir.resolve("metrics.jsonl");
        Files.writeString(file, String.join("\n",
                "{\"step\":1,\"loss\":2.0}",
                "",
                "not json at all",
                "{\"loss\":1.0}",
                "{\"step\":-3}",
                "{\"step\":2,\"loss\":\"high\"}",
                "{\"step\":3,\"time\":\"yesterday\"}",
                "[1,2]",
                "{\"step\":4,\"loss\":1.5,\"custom\":[1,2]}") + "\n");
        MetricsLog.Contents c = MetricsLog.read(file);
        assertEquals(List.of(1L, 4L), c.records().stream().map(MetricsRecord::step).toList());
        assertEquals("[1,2]", c.records().get(1).extra().get("custom"));
        assertEquals(List.of(3L, 4L, 5L, 6L, 7L, 8L), c.badLines().stream().map(MetricsLog.BadLine::lineNumber).toList());
        String all = c.badLines().toString();
        for (String reason : List.of("not JSON", "no \"step\"", "\"step\" is -3", "\"loss\" is \"high\"", "\"time\"", "not a JSON object")) {
            assertTrue(all.contains(reason), reason + " missing in " + all);
        }
        try (MetricsLog log = MetricsLog.resume(file, 10)) {
            assertEquals(2, log.resumeReport().keptRecords());
            assertEquals(6, log.resumeReport().droppedLines().size());
            assertTrue(log.resumeReport().describe().contains("6 unreadable lines"), log.resumeReport().describe());
        }
        assertEquals(2, Files.readAllLines(file).size());
    }

    @Test
    void resumeWithoutAFileStartsEmpty() throws IOException {
        Path file = dir.resolve("new/metrics.jsonl");
        try (MetricsLog log = MetricsLog.resume(file, 100)) {
            assertEquals(0, log.resumeReport().keptRecords());
            assertEquals(-1, log.lastStep());
            log.append(MetricsRecord.atStep(101).loss(1).build());
        }
        assertEquals(1, MetricsLog.read(file).records().size());
    }

    @Test
    void createReplacesAnOldLog() throws IOException {
        Path file = dir.resolve("metrics.jsonl");
        Files.writeString(file, "{\"step\":9}\n{\"step\":10}\n");
        try (MetricsLog log = MetricsLog.create(file)) {
            log.append(MetricsRecord.atStep(1).build());
        }
        assertEquals(List.of("{\"step\":1}"), Files.readAllLines(file));
    }

    @Test
    void badRecordsAndUseAfterCloseAreRefused() throws IOException {
        assertThrows(IllegalArgumentException.class, () -> MetricsRecord.atStep(-1).build());
        IllegalArgumentException shadow = assertThrows(IllegalArgumentException.class,
                () -> MetricsRecord.atStep(1).extra("loss", 1.0).build());
        assertTrue(shadow.getMessage().contains("loss"), shadow.getMessage());
        assertThrows(IllegalArgumentException.class, () -> MetricsRecord.atStep(1).extra("list", List.of()).build());
        assertThrows(IllegalArgumentException.class, () -> MetricsLog.resume(dir.resolve("x"), -1));
        MetricsLog log = MetricsLog.create(dir.resolve("c.jsonl"));
        log.close();
        assertThrows(IllegalStateException.class, () -> log.append(MetricsRecord.atStep(1).build()));
    }
}
