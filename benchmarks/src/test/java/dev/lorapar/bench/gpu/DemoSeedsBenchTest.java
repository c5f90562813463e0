package dev.lorapar.bench.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** DemoSeedsBench at the tiny scale over two seeds, and the mean ± sd arithmetic by hand. */
class DemoSeedsBenchTest {
    @Test
    void rejectsZeroJobs() {
        assertThrows(IllegalArgumentException.class, () -> DemoSeedsBench.run(new String[] {"--jobs", "0"},
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)));
    }

    @Test
    void meanAndSampleSd() {
        assertEquals("50.00 ± 14.14", DemoSeedsBench.meanSd(List.of(new double[] {0.4}, new double[] {0.6}), 0, 100));
        assertEquals("3.00 ± 0.00", DemoSeedsBench.meanSd(List.<double[]>of(new double[] {3}), 0, 1));
    }

    /** Both seeds at once as child JVMs (--jobs 2): the path the GPU check takes. */
    @Test
    void tinyScaleOverTwoSeedsAsChildren(@TempDir Path cache) throws Exception {
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        int status = DemoSeedsBench.run(new String[] {"--scale", "tiny", "--seeds", "1,2", "--device", "cpu",
                "--cache_dir", cache.toString(), "--jobs", "2"}, new PrintStream(console, true, StandardCharsets.UTF_8));
        String printed = console.toString(StandardCharsets.UTF_8);
        assertEquals(0, status, printed);
        assertTrue(Files.isRegularFile(cache.resolve("seed-1.log")) && Files.isRegularFile(cache.resolve("seed-2.log")),
                printed);
        for (String row : new String[] {"demo --scale tiny over seeds 1,2 (mean ± sd; 2 at a time)", "base -", "lorapar sft", "lorapar grpo",
                "lora grpo", "random grpo"}) {
            assertTrue(printed.contains(row), row + " missing:\n" + printed);
        }
    }
}
