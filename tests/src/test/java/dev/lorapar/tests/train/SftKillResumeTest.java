package dev.lorapar.tests.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorapar.tests.io.SharedData;
import dev.lorapar.tests.support.Rng;
import dev.lorapar.tests.train.checkpoint.KillResumeHarness;
import dev.lorapar.train.SftMain;
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
 * The resume test with a real process kill: the SFT command (stories260K on the CPU) in child JVMs, killed with
 * SIGKILL at random moments (checkpoint writes included) and resumed each time, prints exactly the loss lines of an
 * uninterrupted run and ends with a byte-identical PEFT adapter.
 */
class SftKillResumeTest {
    @Test
    void killedAndResumedRunEqualsAnUninterruptedOne(TestInfo info, @TempDir Path dir)
            throws IOException, InterruptedException {
        Rng rng = Rng.forTest(info);
        Path model = SharedData.require("llama2c-stories260K/stories260K.bin");
        Path data = SftRunTest.data(dir, rng);
        List<String> args = new ArrayList<>(List.of(SftRunTest.args(model, data, Path.of(KillResumeHarness.DIR), 12)));
        args.set(args.indexOf("--checkpoint_every") + 1, "1");
        KillResumeHarness.Options options = KillResumeHarness.Options.randomKills(3, rng.nextLong(),
                Pattern.compile("^step (\\d+)/")).withTimeout(Duration.ofSeconds(120));
        KillResumeHarness.Result r = KillResumeHarness.run(SftMain.class, args, dir.resolve("runs"), options);
        assertEquals(List.of(), r.mismatches(), r.describe());
        assertTrue(r.kills() >= 1, r.describe());
        assertArrayEquals(Files.readAllBytes(r.referenceDir().resolve("adapter/adapter_model.safetensors")),
                Files.readAllBytes(r.resumedDir().resolve("adapter/adapter_model.safetensors")),
                "final adapter after " + r.kills() + " kills");
    }
}
