package dev.lorapar.bench.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** DemoSeedsBench at the tiny scale over two seeds, and the mean ± sd arithmetic by hand. */
class DemoSeedsBenchTest {
    @Test
    void meanAndSampleSd() {
        assertEquals("50.00 ± 14.14", DemoSeedsBench.meanSd(List.of(new double[] {0.4}, new double[] {0.6}), 0, 100));
        assertEquals("3.00 ± 0.00", DemoSeedsBench.meanSd(List.<double[]>of(new double[] {3}), 0, 1));
    }

    @Test
    void tinyScaleOverTwoSeeds(@TempDir Path cache) throws Exception {
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        int status = DemoSeedsBench.run(new String[] {"--scale", "tiny", "--seeds", "1,2", "--device", "cpu",
                "--cache_dir", cache.toString()}, new PrintStream(console, true, StandardCharsets.UTF_8));
        String printed = console.toString(StandardCharsets.UTF_8);
        assertEquals(0, status, printed);
        for (String row : new String[] {"demo --scale tiny over seeds 1,2", "base -", "lorapar sft", "lorapar grpo",
                "lora grpo", "random grpo"}) {
            assertTrue(printed.contains(row), row + " missing:\n" + printed);
        }
    }
}
