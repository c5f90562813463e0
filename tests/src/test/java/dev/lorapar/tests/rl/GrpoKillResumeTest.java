package dev.lorapar.tests.rl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorapar.rl.GrpoMain;
import dev.lorapar.tests.support.Rng;
import dev.lorapar.tests.train.checkpoint.KillResumeHarness;
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
 * {@code lorapar grpo} (stories260K on the CPU) in child JVMs killed with SIGKILL at random moments and resumed: the
 * same step lines (rewards, KL, loss, learning rate, gradient norm) as an uninterrupted run, and a byte-identical
 * exported adapter.
 */
class GrpoKillResumeTest {
    @Test
    void killedAndResumedRunEqualsAnUninterruptedOne(TestInfo info, @TempDir Path dir)
            throws IOException, InterruptedException {
        Rng rng = Rng.forTest(info);
        Path data = GrpoMainTest.data(dir);
        List<String> args = new ArrayList<>(List.of(GrpoMainTest.args(data, Path.of(KillResumeHarness.DIR),
                "--max_steps", "6", "--checkpoint_every", "1")));
        KillResumeHarness.Options options = KillResumeHarness.Options.randomKills(2, rng.nextLong(),
                Pattern.compile("^step (\\d+)/")).withTimeout(Duration.ofSeconds(120));
        KillResumeHarness.Result r = KillResumeHarness.run(GrpoMain.class, args, dir.resolve("runs"), options);
        assertEquals(List.of(), r.mismatches(), r.describe());
        assertTrue(r.kills() >= 1, r.describe());
        assertArrayEquals(Files.readAllBytes(r.referenceDir().resolve("adapter/adapter_model.safetensors")),
                Files.readAllBytes(r.resumedDir().resolve("adapter/adapter_model.safetensors")),
                "final adapter after " + r.kills() + " kills");
    }
}
