package dev.lorapar.tests.train.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorapar.tests.support.Rng;
import dev.lorapar.train.checkpoint.CheckpointFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real SIGKILLs of a child JVM training the {@link ToyTrainer}, at random moments and in the middle of
 * checkpoint writes: the resumed run must print the uninterrupted run's loss sequence and end in a bit-identical
 * final checkpoint. And the harness must notice a program that resumes wrongly.
 */
class KillResumeTest {
    private static final Pattern LOSS = Pattern.compile("^LOSS (\\d+) ");
    /** Child JVMs start faster with C1 only and the serial GC; the toy needs no more. */
    private static final String[] FAST_JVM = {"-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx64m"};

    private static List<String> toyArgs(long seed, int steps, int every, String... extra) {
        List<String> args = new ArrayList<>(List.of("--dir", KillResumeHarness.DIR, "--steps", "" + steps,
                "--every", "" + every, "--size", "4096", "--seed", "" + seed));
        args.addAll(List.of(extra));
        return args;
    }

    /** Same losses, same DONE line, byte-identical final checkpoint. */
    private static void assertResumedLikeReference(KillResumeHarness.Result r, int steps, String tag) throws IOException {
        String why = tag + "\n" + r.describe();
        System.out.println("kill-resume " + tag + ": " + r.kills() + " kills\n" + r.describe());
        assertEquals(List.of(), r.mismatches(), why);
        assertEquals(r.reference().stdout().getLast(), r.last().stdout().getLast(), "DONE line " + why);
        assertTrue(r.last().stdout().getLast().startsWith("DONE " + steps + " "), why);
        Path refFinal = r.referenceDir().resolve("ckpt-" + steps + ".lpck");
        Path resFinal = r.resumedDir().resolve("ckpt-" + steps + ".lpck");
        assertEquals(-1, Files.mismatch(refFinal, resFinal), "final checkpoints differ " + why);
        assertEquals(CheckpointFile.read(refFinal), CheckpointFile.read(resFinal), why);
    }

    @Test
    void randomKillsResumeToTheSameLossesAndFinalState(TestInfo info, @TempDir Path dir) throws Exception {
        Rng rng = Rng.forTest(info);
        int steps = 40;
        var options = KillResumeHarness.Options.randomKills(3, rng.nextLong(), LOSS).withJvmArgs(FAST_JVM);
        KillResumeHarness.Result r = KillResumeHarness.run(ToyTrainer.class,
                toyArgs(rng.nextLong(), steps, 5, "--step-ms", "4"), dir, options);
        assertResumedLikeReference(r, steps, rng.tag());
        assertTrue(r.kills() >= 2, "only " + r.kills() + " of 3 kills landed: " + rng.tag() + "\n" + r.describe());
        assertTrue(r.allResumedLines().stream().anyMatch(l -> l.startsWith("RESUMED ")),
                "no attempt resumed from a checkpoint " + rng.tag() + "\n" + r.describe());
    }

    @Test
    void killsInTheMiddleOfACheckpointWriteFallBackToThePreviousOne(TestInfo info, @TempDir Path dir) throws Exception {
        Rng rng = Rng.forTest(info);
        int steps = 30; // saves at 10, 20, 30: an attempt resumed at ≤ 10 still has two writes to be killed in
        // each save stalls 150 ms after its first block reached the temporary file; the kill comes 0-50 ms into it
        var options = KillResumeHarness.Options.randomKills(2, rng.nextLong(), LOSS).withJvmArgs(FAST_JVM)
                .killAfterLine(Pattern.compile("^WRITING "), 2, Duration.ofMillis(50));
        KillResumeHarness.Result r = KillResumeHarness.run(ToyTrainer.class,
                toyArgs(rng.nextLong(), steps, 10, "--stall-ms", "150"), dir, options);
        assertResumedLikeReference(r, steps, rng.tag());
        assertEquals(2, r.kills(), rng.tag() + "\n" + r.describe());
        String why = rng.tag() + "\n" + r.describe();
        for (KillResumeHarness.ChildRun a : r.attempts()) {
            if (!a.killed()) continue;
            assertTrue(a.filesAfterExit().stream().anyMatch(f -> f.matches("ckpt-\\d+\\.lpck\\.tmp \\d+")),
                    "the kill did not land mid-write: " + a.describe() + "\n" + why);
        }
        assertTrue(r.allResumedLines().stream().anyMatch(l -> l.matches("SKIPPED ckpt-\\d+\\.lpck\\.tmp: leftover temporary file.*")),
                "no resumed attempt reported the partial file " + why);
        for (KillResumeHarness.ChildRun a : r.attempts()) {
            assertFalse(a.stdout().stream().anyMatch(l -> l.startsWith("SKIPPED ckpt-") && !l.contains(".tmp")),
                    "a final-named checkpoint was damaged: " + a.describe());
        }
    }

    @Test
    void theHarnessCatchesAProgramThatResumesWrongly(TestInfo info, @TempDir Path dir) throws Exception {
        Rng rng = Rng.forTest(info);
        var options = KillResumeHarness.Options.randomKills(1, rng.nextLong(), LOSS).withJvmArgs(FAST_JVM)
                .killAfterLine(Pattern.compile("^SAVED "), 1, Duration.ofMillis(5));
        KillResumeHarness.Result r = KillResumeHarness.run(ToyTrainer.class,
                toyArgs(rng.nextLong(), 20, 5, "--step-ms", "10", "--forget-rng", "true"), dir, options);
        assertEquals(1, r.kills(), r.describe());
        List<String> bad = r.mismatches();
        assertFalse(bad.isEmpty(), "a resume that re-seeds the data order went unnoticed " + rng.tag() + "\n" + r.describe());
        assertTrue(bad.getFirst().startsWith("attempt 2 printed 'LOSS "), bad.toString());
    }
}
