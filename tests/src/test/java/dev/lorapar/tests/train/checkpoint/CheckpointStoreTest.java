package dev.lorapar.tests.train.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorapar.tests.support.Rng;
import dev.lorapar.train.checkpoint.CheckpointFile;
import dev.lorapar.train.checkpoint.CheckpointStore;
import dev.lorapar.train.checkpoint.LoadResult;
import dev.lorapar.train.checkpoint.TrainingState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/** The store: atomic saves, retention, and falling back past damaged checkpoints with a message. */
class CheckpointStoreTest {
    /** What the store logs (System.Logger → java.util.logging here), kept off the console. */
    private static final List<LogRecord> LOGGED = Collections.synchronizedList(new ArrayList<>());
    private static final Logger JUL = Logger.getLogger(CheckpointStore.class.getName());
    private static final Handler CAPTURE = new Handler() {
        @Override
        public void publish(LogRecord r) {
            LOGGED.add(r);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeAll
    static void captureLog() {
        JUL.addHandler(CAPTURE);
        JUL.setUseParentHandlers(false);
    }

    @AfterAll
    static void releaseLog() {
        JUL.removeHandler(CAPTURE);
        JUL.setUseParentHandlers(true);
    }

    private static List<String> warnings() {
        List<String> out = new ArrayList<>();
        synchronized (LOGGED) {
            for (LogRecord r : LOGGED) {
                if (r.getLevel() == Level.WARNING) out.add(new SimpleFormatter().formatMessage(r));
            }
        }
        return out;
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static TrainingState state(Rng rng, long step) {
        return RandomStates.random(rng, step, 40);
    }

    @Test
    void savesUnderTheStepNameKeepsTheLastNAndLoadsTheNewest(TestInfo info, @TempDir Path root) throws IOException {
        Rng rng = Rng.forTest(info);
        Path dir = root.resolve("run/ckpts"); // created by the first save
        CheckpointStore store = new CheckpointStore(dir, 3);
        assertFalse(store.loadLatest().found(), "no directory yet: nothing to load");
        List<TrainingState> saved = new ArrayList<>();
        for (long step = 10; step <= 60; step += 10) {
            TrainingState s = state(rng, step);
            saved.add(s);
            assertEquals(dir.resolve("ckpt-" + step + ".lpck"), store.save(s));
        }
        assertEquals(List.of("ckpt-40.lpck", "ckpt-50.lpck", "ckpt-60.lpck"), names(dir), "keep the last 3, no temp files");
        assertEquals(List.of(dir.resolve("ckpt-40.lpck"), dir.resolve("ckpt-50.lpck"), dir.resolve("ckpt-60.lpck")),
                store.checkpoints());
        LoadResult r = store.loadLatest();
        assertEquals(saved.getLast(), r.state().orElseThrow(), rng.tag());
        assertEquals(dir.resolve("ckpt-60.lpck"), r.file().orElseThrow());
        assertTrue(r.skipped().isEmpty(), r.summary());
        assertEquals("loaded ckpt-60.lpck (step 60)", r.summary());
    }

    @Test
    void stepsOrderNumericallyNotByName(TestInfo info, @TempDir Path dir) throws IOException {
        Rng rng = Rng.forTest(info);
        CheckpointStore store = new CheckpointStore(dir, 2);
        for (long step : new long[] {8, 9, 10, 100}) store.save(state(rng, step));
        assertEquals(List.of("ckpt-10.lpck", "ckpt-100.lpck"), names(dir));
        assertEquals(100, store.loadLatest().state().orElseThrow().step());
    }

    /** One fresh directory with good checkpoints at steps 10 and 20; returns the state of step 10. */
    private static TrainingState twoCheckpoints(Rng rng, CheckpointStore store) throws IOException {
        TrainingState older = state(rng, 10);
        store.save(older);
        store.save(state(rng, 20));
        return older;
    }

    @Test
    void aFlippedByteInAnyRegionOfTheNewestFallsBackToThePrevious(TestInfo info, @TempDir Path root) throws IOException {
        Rng rng = Rng.forTest(info);
        TrainingState older = state(rng, 10);
        TrainingState newer = state(rng, 20);
        Path template = root.resolve("template");
        CheckpointStore saved = new CheckpointStore(template, 5);
        saved.save(older);
        saved.save(newer);
        byte[] good = Files.readAllBytes(template.resolve("ckpt-20.lpck"));
        List<FileLayout.Region> regions = FileLayout.of(good).regions();
        for (int i = 0; i < regions.size(); i++) {
            FileLayout.Region region = regions.get(i);
            Path dir = Files.createDirectories(root.resolve("r" + i));
            for (String name : List.of("ckpt-10.lpck", "ckpt-20.lpck")) Files.copy(template.resolve(name), dir.resolve(name));
            CheckpointStore store = new CheckpointStore(dir, 5);
            Path newest = dir.resolve("ckpt-20.lpck");
            byte[] bytes = Files.readAllBytes(newest);
            int at = (int) (region.from() + rng.nextInt((int) region.length()));
            bytes[at] ^= (byte) (1 + rng.nextInt(255));
            Files.write(newest, bytes);

            LoadResult r = store.loadLatest();
            String where = region.name() + " byte " + at + ", " + rng.tag() + ": " + r.summary();
            assertEquals(older, r.state().orElseThrow(), where);
            assertEquals(1, r.skipped().size(), where);
            assertEquals(newest, r.skipped().getFirst().file(), where);
            for (String part : region.expected()) assertTrue(r.skipped().getFirst().reason().contains(part), where);
            assertTrue(r.summary().startsWith("loaded ckpt-10.lpck (step 10); skipped ckpt-20.lpck: "), where);
        }
    }

    @Test
    void aTruncatedNewestFallsBack(TestInfo info, @TempDir Path dir) throws IOException {
        Rng rng = Rng.forTest(info);
        CheckpointStore store = new CheckpointStore(dir, 5);
        TrainingState older = twoCheckpoints(rng, store);
        Path newest = dir.resolve("ckpt-20.lpck");
        byte[] bytes = Files.readAllBytes(newest);
        int len = rng.nextInt(bytes.length);
        Files.write(newest, java.util.Arrays.copyOf(bytes, len));
        LOGGED.clear();
        LoadResult r = store.loadLatest();
        assertEquals(older, r.state().orElseThrow(), "cut at " + len + " " + rng.tag());
        assertTrue(r.skipped().getFirst().reason().contains("truncated"), r.summary());
        List<String> logged = warnings();
        assertTrue(logged.contains("checkpoint skipped: " + r.skipped().getFirst()), logged.toString());
        assertTrue(logged.contains("resuming from ckpt-10.lpck (step 10) after skipping 1 file(s)"), logged.toString());
    }

    @Test
    void aLeftoverTempFileIsReportedIgnoredAndCleanedByTheNextSave(TestInfo info, @TempDir Path dir) throws IOException {
        Rng rng = Rng.forTest(info);
        CheckpointStore store = new CheckpointStore(dir, 5);
        TrainingState older = twoCheckpoints(rng, store);
        // a save of step 30 killed mid-write: the first bytes of a real file under the temporary name
        Path temp = dir.resolve("ckpt-30.lpck.tmp");
        CheckpointFile.write(temp, state(rng, 30), null);
        byte[] part = Files.readAllBytes(temp);
        Files.write(temp, java.util.Arrays.copyOf(part, rng.nextInt(part.length)));
        LoadResult r = store.loadLatest();
        assertEquals(20, r.state().orElseThrow().step());
        assertEquals(1, r.skipped().size(), r.summary());
        assertEquals(temp, r.skipped().getFirst().file());
        assertTrue(r.summary().contains("ckpt-30.lpck.tmp: leftover temporary file of an interrupted save"), r.summary());

        // even a complete temp file is never used: only the rename makes a checkpoint
        CheckpointFile.write(temp, state(rng, 30), null);
        assertEquals(20, store.loadLatest().state().orElseThrow().step());

        store.save(state(rng, 30));
        assertEquals(List.of("ckpt-10.lpck", "ckpt-20.lpck", "ckpt-30.lpck"), names(dir));
        assertTrue(store.loadLatest().skipped().isEmpty());
        assertEquals(older, CheckpointFile.read(dir.resolve("ckpt-10.lpck")));
    }

    @Test
    void aDeletedNewestLeavesThePrevious(TestInfo info, @TempDir Path dir) throws IOException {
        Rng rng = Rng.forTest(info);
        CheckpointStore store = new CheckpointStore(dir, 5);
        TrainingState older = twoCheckpoints(rng, store);
        Files.delete(dir.resolve("ckpt-20.lpck"));
        LoadResult r = store.loadLatest();
        assertEquals(older, r.state().orElseThrow());
        assertTrue(r.skipped().isEmpty(), r.summary());
    }

    @Test
    void noGoodCheckpointGivesEmptyWithEveryReason(TestInfo info, @TempDir Path dir) throws IOException {
        Rng rng = Rng.forTest(info);
        CheckpointStore store = new CheckpointStore(dir, 5);
        twoCheckpoints(rng, store);
        Files.write(dir.resolve("ckpt-10.lpck"), new byte[0]);
        byte[] b = Files.readAllBytes(dir.resolve("ckpt-20.lpck"));
        b[0] = 'X';
        Files.write(dir.resolve("ckpt-20.lpck"), b);
        Files.write(dir.resolve("notes.txt"), new byte[] {1, 2, 3}); // not ours: not mentioned
        LoadResult r = store.loadLatest();
        assertFalse(r.found());
        assertTrue(r.file().isEmpty());
        assertEquals(2, r.skipped().size(), r.summary());
        assertTrue(r.skipped().get(0).toString().startsWith("ckpt-20.lpck: bad magic"), r.summary());
        assertTrue(r.skipped().get(1).toString().startsWith("ckpt-10.lpck: truncated: 0 bytes"), r.summary());
        assertTrue(r.summary().startsWith("no usable checkpoint; skipped "), r.summary());
    }

    @Test
    void aRenamedOrMisnamedFileIsNotTrusted(TestInfo info, @TempDir Path dir) throws IOException {
        Rng rng = Rng.forTest(info);
        CheckpointStore store = new CheckpointStore(dir, 5);
        TrainingState older = twoCheckpoints(rng, store);
        Files.move(dir.resolve("ckpt-20.lpck"), dir.resolve("ckpt-25.lpck"));
        Files.copy(dir.resolve("ckpt-10.lpck"), dir.resolve("ckpt-0030.lpck"));
        LoadResult r = store.loadLatest();
        assertEquals(older, r.state().orElseThrow(), r.summary());
        assertTrue(r.summary().contains("ckpt-0030.lpck: name does not follow ckpt-<step>.lpck"), r.summary());
        assertTrue(r.summary().contains("ckpt-25.lpck: holds step 20 but is named for step 25"), r.summary());
    }

    @Test
    void savingAnEarlierStepDropsTheAbandonedLaterOnes(TestInfo info, @TempDir Path dir) throws IOException {
        Rng rng = Rng.forTest(info);
        CheckpointStore store = new CheckpointStore(dir, 1);
        store.save(state(rng, 10));
        store.save(state(rng, 20));
        Files.write(dir.resolve("ckpt-30.lpck"), new byte[] {1}); // a damaged later one: the run resumed at 20
        TrainingState redo = state(rng, 20);
        store.save(redo); // keepLast 1 must keep what was just saved, not the damaged step 30
        assertEquals(List.of("ckpt-20.lpck"), names(dir));
        assertEquals(redo, store.loadLatest().state().orElseThrow());
    }

    @Test
    void aFailedSaveLeavesNoTempAndTheOldCheckpointsIntact(TestInfo info, @TempDir Path dir) throws IOException {
        Rng rng = Rng.forTest(info);
        CheckpointStore store = new CheckpointStore(dir, 5);
        TrainingState older = twoCheckpoints(rng, store);
        List<String> before = names(dir);
        CheckpointStore failing = store.withProgress((done, total) -> {
            throw new IllegalStateException("disk full (simulated) at " + done);
        });
        var e = assertThrows(IllegalStateException.class, () -> failing.save(state(rng, 30)));
        assertTrue(e.getMessage().contains("disk full"));
        assertEquals(before, names(dir));
        assertEquals(20, store.loadLatest().state().orElseThrow().step());
        assertEquals(older, CheckpointFile.read(dir.resolve("ckpt-10.lpck")));
    }

    @Test
    void misuseIsNamed(@TempDir Path dir) {
        var e = assertThrows(IllegalArgumentException.class, () -> new CheckpointStore(dir, 0));
        assertTrue(e.getMessage().contains("keepLast must be ≥ 1"));
        assertThrows(NullPointerException.class, () -> new CheckpointStore(null, 1));
        assertEquals(dir.resolve("ckpt-7.lpck"), CheckpointStore.fileFor(dir, 7));
    }
}
