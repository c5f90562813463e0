package dev.lorapar.tests.train.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorapar.tests.support.Rng;
import dev.lorapar.train.report.MemoryProbe;
import dev.lorapar.train.report.NumbersFormat;
import dev.lorapar.train.report.ProgressReporter;
import dev.lorapar.train.report.ProgressReporter.Field;
import dev.lorapar.train.report.ProgressReporter.Mode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/** ProgressReporter on a fake terminal and in plain mode: exact output for given updates and a fake clock. */
class ProgressReporterTest {

    private static ProgressReporter.Builder terminal(String label, long total, Captured out, FakeClock clock) {
        return ProgressReporter.builder(label, total).out(out.stream).mode(Mode.TERMINAL).columns(120).barWidth(20)
                .showRate(false).minRedraw(Duration.ZERO).clock(clock);
    }

    private static ProgressReporter.Builder plain(String label, long total, Captured out, FakeClock clock) {
        return ProgressReporter.builder(label, total).out(out.stream).mode(Mode.PLAIN).showRate(false).clock(clock);
    }

    /** Each update redraws the line after \r; a shorter line is padded over the longer one; close ends it. */
    @Test
    void terminalRedrawsOneLine() {
        Captured out = new Captured();
        FakeClock clock = new FakeClock();
        ProgressReporter p = terminal("train", 1000, out, clock).build();
        clock.advanceSeconds(10);
        p.update(250, Field.of("loss", "1.0000"));
        clock.advanceSeconds(10);
        p.update(500, Field.of("loss", "0.5000"), Field.value("3.0k tok/s"));
        clock.advanceSeconds(5);
        p.update(600, Field.of("loss", "0.4"));
        p.close();

        String l1 = "train  25% [=====>              ] 250/1000  0:00:10<0:00:30  loss 1.0000";
        String l2 = "train  50% [==========>         ] 500/1000  0:00:20<0:00:20  loss 0.5000  3.0k tok/s";
        // 600 in 25 s: 24/s, 400 left: 16.7 s
        String l3 = "train  60% [============>       ] 600/1000  0:00:25<0:00:17  loss 0.4";
        String expected = "\r" + l1 + "\r" + l2 + "\r" + l3 + " ".repeat(l2.length() - l3.length()) + "\n";
        assertEquals(expected, out.text());
    }

    @Test
    void terminalFullBarAndUnknownTotal() {
        Captured out = new Captured();
        FakeClock clock = new FakeClock();
        try (ProgressReporter p = terminal("load", 4, out, clock).build()) {
            clock.advanceSeconds(2);
            p.update(4);
        }
        assertEquals("\rload 100% [====================] 4/4  0:00:02<0:00:00\n", out.text());

        Captured out2 = new Captured();
        try (ProgressReporter p = terminal("scan", 0, out2, clock).showRate(true).unit("batch").build()) {
            clock.advanceSeconds(4);
            p.update(10);
        }
        assertEquals("\rscan 10  0:00:04  2.50 batch/s\n", out2.text());
    }

    /** With minRedraw 1 s and updates every 0.3 s, only some are drawn; the last (finished) always is. */
    @Test
    void terminalThrottlesRedraws() {
        Captured out = new Captured();
        FakeClock clock = new FakeClock();
        try (ProgressReporter p = terminal("train", 10, out, clock).minRedraw(Duration.ofSeconds(1)).build()) {
            for (int i = 1; i <= 10; i++) {
                clock.advanceMillis(300);
                p.update(i);
            }
        }
        assertEquals(List.of(1L, 5L, 9L, 10L), counters(out.text(), 10));
        assertTrue(out.text().endsWith("\n"));
    }

    /** An update not drawn because of the throttle is drawn by close(). */
    @Test
    void closeDrawsTheLastUpdate() {
        Captured out = new Captured();
        FakeClock clock = new FakeClock();
        ProgressReporter p = terminal("train", 100, out, clock).minRedraw(Duration.ofSeconds(5)).build();
        clock.advanceSeconds(1);
        p.update(1);
        clock.advanceSeconds(1);
        p.update(2);
        assertEquals(List.of(1L), counters(out.text(), 100));
        p.close();
        assertEquals(List.of(1L, 2L), counters(out.text(), 100));
        p.close(); // idempotent
        assertEquals(1, out.text().chars().filter(ch -> ch == '\n').count());
    }

    private static List<Long> counters(String text, long total) {
        Matcher m = Pattern.compile("(\\d+)/" + total + "\\b").matcher(text);
        List<Long> out = new ArrayList<>();
        while (m.find()) out.add(Long.parseLong(m.group(1)));
        return out;
    }

    /** A message goes above the bar: the bar is erased, the message printed, the bar drawn again. */
    @Test
    void printlnGoesAboveTheBar() {
        Captured out = new Captured();
        FakeClock clock = new FakeClock();
        ProgressReporter p = terminal("train", 10, out, clock).build();
        clock.advanceSeconds(1);
        p.update(1);
        p.println("saved checkpoint-1");
        p.close();
        String bar = "train  10% [==>                 ] 1/10  0:00:01<0:00:09";
        assertEquals("\r" + bar + "\r" + " ".repeat(bar.length()) + "\rsaved checkpoint-1\n\r" + bar + "\n", out.text());
    }

    /**
     * A line wider than the terminal: the bar shrinks (not below 10), then trailing groups are left
     * out, last the line is cut at columns − 1.
     */
    @Test
    void terminalLineFitsTheColumns() {
        Captured out = new Captured();
        FakeClock clock = new FakeClock();
        try (ProgressReporter p = terminal("train", 1000, out, clock).columns(70).barWidth(30).build()) {
            clock.advanceSeconds(1);
            p.update(10, Field.of("loss", "1.2"));
            clock.advanceSeconds(1);
            p.update(20, Field.of("loss", "1.2345 (last 1.3000)"), Field.of("lr", "2.00e-04"), Field.value("12.3k tok/s"));
        }
        String[] draws = out.text().replace("\n", "").split("\r");
        assertEquals(3, draws.length, out.text()); // "", first, second
        // first: 78 characters with a 30-wide bar, 9 too many: the bar shrinks to 21, nothing is cut
        String first = draws[1];
        assertEquals("train   1% [" + ">" + " ".repeat(20) + "] 10/1000  0:00:01<0:01:39  loss 1.2", first);
        // second: 101 characters even with a 10-wide bar: the groups that do not fit are left out
        assertEquals("train   2% [>         ] 20/1000  0:00:02<0:01:38", draws[2].stripTrailing());
        // a narrow terminal: the head itself is cut at columns − 1
        Captured narrow = new Captured();
        try (ProgressReporter p = terminal("a-long-label-for-the-work", 1000, narrow, clock).columns(30).build()) {
            p.update(10, Field.of("loss", "1.2"));
        }
        assertEquals("\ra-long-label-for-the-work   1\n", narrow.text());
    }

    /** Plain lines every 100 units: the first, every line 100 later, and the finished one. */
    @Test
    void plainPrintsEveryNUnits() {
        Captured out = new Captured();
        FakeClock clock = new FakeClock();
        try (ProgressReporter p = plain("train", 1000, out, clock).plainEvery(100, Duration.ZERO).build()) {
            for (int done = 10; done <= 1000; done += 10) {
                clock.advanceSeconds(1);
                p.update(done, Field.of("loss", "x" + done));
            }
        }
        String[] lines = out.text().split("\n");
        assertEquals(11, lines.length, out.text());
        assertEquals("train 10/1000 (1.0%)  loss x10  elapsed 0:00:01  eta 0:01:39", lines[0]);
        assertEquals("train 110/1000 (11.0%)  loss x110  elapsed 0:00:11  eta 0:01:29", lines[1]);
        assertEquals("train 910/1000 (91.0%)  loss x910  elapsed 0:01:31  eta 0:00:09", lines[9]);
        assertEquals("train 1000/1000 (100.0%)  loss x1000  elapsed 0:01:40  eta 0:00:00", lines[10]);
        assertFalse(out.text().contains("\r"));
    }

    /** Plain lines every 30 s of the clock; close prints the last update when it was not printed. */
    @Test
    void plainPrintsEveryInterval() {
        Captured out = new Captured();
        FakeClock clock = new FakeClock();
        try (ProgressReporter p = plain("import", 0, out, clock).plainEvery(0, Duration.ofSeconds(30)).build()) {
            for (int done = 1; done <= 75; done++) {
                clock.advanceSeconds(1);
                p.update(done);
            }
        }
        assertEquals("import 1  elapsed 0:00:01\nimport 31  elapsed 0:00:31\nimport 61  elapsed 0:01:01\n"
                + "import 75  elapsed 0:01:15\n", out.text());
    }

    @Test
    void bytesRateAndMemory() {
        Captured out = new Captured();
        FakeClock clock = new FakeClock();
        MemoryProbe probe = () -> new MemoryProbe.MemoryUse(41_019_736_064L, 150_000_000_000L);
        try (ProgressReporter p = plain("load", 2L << 30, out, clock).bytes().showRate(true).memory(probe).build()) {
            clock.advanceSeconds(2);
            p.update(512L << 20);
        }
        assertEquals("load 0.5/2.0 GiB (25.0%)  256.0 MiB/s  mem 38.2/139.7 GiB  elapsed 0:00:02  eta 0:00:06\n", out.text());
    }

    /** A probe that throws shows "mem ?" and the work goes on. */
    @Test
    void failingMemoryProbeShowsQuestionMark() {
        Captured out = new Captured();
        FakeClock clock = new FakeClock();
        MemoryProbe broken = () -> {
            throw new IllegalStateException("driver gone");
        };
        try (ProgressReporter p = plain("train", 10, out, clock).memory(broken).build()) {
            clock.advanceSeconds(1);
            p.update(1);
        }
        assertEquals("train 1/10 (10.0%)  mem ?  elapsed 0:00:01  eta 0:00:09\n", out.text());
    }

    /** A resumed run: the rate and the ETA count only the units done since the start of this reporter. */
    @Test
    void etaCountsFromInitial() {
        Captured out = new Captured();
        FakeClock clock = new FakeClock();
        try (ProgressReporter p = plain("train", 1000, out, clock).initial(500).build()) {
            assertEquals(500, p.done());
            clock.advanceSeconds(10);
            p.update(600);
            assertEquals(10.0, p.ratePerSecond(), 1e-12);
            assertEquals(40.0, p.etaSeconds(), 1e-9);
        }
        assertEquals("train 600/1000 (60.0%)  elapsed 0:00:10  eta 0:00:40\n", out.text());
    }

    /** Random totals, progress and times: the plain line's ETA is remaining × elapsed / done. */
    @Test
    void etaMatchesTheAverageRate(TestInfo info) {
        Rng rng = Rng.forTest(info);
        for (int i = 0; i < 300; i++) {
            long total = 1 + (long) (rng.nextDouble() * 1e9);
            long done = 1 + (long) (rng.nextDouble() * total);
            long millis = 1 + (long) (rng.nextDouble() * 3.6e7);
            Captured out = new Captured();
            FakeClock clock = new FakeClock();
            ProgressReporter p = plain("x", total, out, clock).build();
            clock.advanceMillis(millis);
            p.update(done);
            double eta = (total - done) * (millis / 1000.0) / done;
            String expected = "  elapsed " + NumbersFormat.duration(millis / 1000.0) + "  eta " + NumbersFormat.duration(eta) + "\n";
            assertTrue(out.text().endsWith(expected), out.text() + " vs " + expected + " " + rng.tag());
            assertEquals(eta, p.etaSeconds(), Math.max(1e-9, eta * 1e-12), rng.tag());
        }
    }

    @Test
    void silentPrintsNothingButCounts() {
        Captured out = new Captured();
        FakeClock clock = new FakeClock();
        ProgressReporter p = plain("train", 10, out, clock).mode(Mode.SILENT).build();
        clock.advanceSeconds(1);
        p.update(5);
        p.println("hidden");
        p.close();
        assertEquals("", out.text());
        assertEquals(5, p.done());
        assertEquals(5.0, p.ratePerSecond(), 1e-12);
    }

    /** AUTO on a stream that is not stdout/stderr is plain. */
    @Test
    void autoOnAnotherStreamIsPlain() {
        Captured out = new Captured();
        ProgressReporter p = ProgressReporter.builder("x", 1).out(out.stream).build();
        Mode expected = System.getenv(ProgressReporter.MODE_ENV) == null ? Mode.PLAIN : p.mode();
        assertEquals(expected, p.mode());
    }

    @Test
    void badInputIsRefusedWithAReason() {
        Captured out = new Captured();
        FakeClock clock = new FakeClock();
        ProgressReporter p = plain("train", 10, out, clock).build();
        IllegalArgumentException neg = assertThrows(IllegalArgumentException.class, () -> p.update(-1));
        assertTrue(neg.getMessage().contains("-1"), neg.getMessage());
        p.close();
        IllegalStateException closed = assertThrows(IllegalStateException.class, () -> p.update(3));
        assertTrue(closed.getMessage().contains("closed"), closed.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ProgressReporter.builder("x", 1).columns(5));
        assertThrows(IllegalArgumentException.class, () -> ProgressReporter.builder("x", 1).barWidth(3));
        assertThrows(IllegalArgumentException.class, () -> ProgressReporter.builder("x", 1).initial(-2));
        assertThrows(IllegalArgumentException.class, () -> ProgressReporter.builder("x", 1).plainEvery(-1, Duration.ZERO));
        assertThrows(NullPointerException.class, () -> Field.of("loss", null));
        IllegalArgumentException mode = assertThrows(IllegalArgumentException.class, () -> Mode.parse("fancy"));
        assertTrue(mode.getMessage().contains("fancy"), mode.getMessage());
    }

    @Test
    void modeNames() {
        assertEquals(Mode.TERMINAL, Mode.parse(" TTY "));
        assertEquals(Mode.PLAIN, Mode.parse("log"));
        assertEquals(Mode.SILENT, Mode.parse("off"));
        assertEquals(Mode.AUTO, Mode.parse("Auto"));
    }

    /** A second thread printing messages while the worker updates: every line whole, none lost. */
    @Test
    void messagesFromAnotherThread() throws InterruptedException {
        Captured out = new Captured();
        ProgressReporter p = ProgressReporter.builder("work", 3000).out(out.stream).mode(Mode.PLAIN)
                .plainEvery(1, Duration.ZERO).build();
        Thread worker = new Thread(() -> {
            for (int i = 1; i <= 3000; i++) p.update(i, Field.of("k", Integer.toString(i)));
        });
        worker.start();
        for (int i = 0; i < 300; i++) p.println("message " + i);
        worker.join();
        p.close();
        String[] lines = out.text().split("\n");
        assertEquals(3300, lines.length);
        int messages = 0;
        for (String l : lines) {
            assertTrue(l.startsWith("work ") || l.startsWith("message "), l);
            if (l.startsWith("message ")) messages++;
        }
        assertEquals(300, messages);
    }
}
