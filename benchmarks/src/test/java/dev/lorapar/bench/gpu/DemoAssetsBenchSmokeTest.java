package dev.lorapar.bench.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** DemoAssetsBench --smoke on the CPU: pretrains the tiny base, reuses the cache, scores, writes both files. */
class DemoAssetsBenchSmokeTest {
    @Test
    void smokeRunWritesTheTables(@TempDir Path out) throws IOException {
        ByteArrayOutputStream console = new ByteArrayOutputStream(), errors = new ByteArrayOutputStream();
        int status = DemoAssetsBench.run(new String[] {"--smoke", "--seeds", "5", "--out", out.toString()},
                new PrintStream(console, true, StandardCharsets.UTF_8), new PrintStream(errors, true, StandardCharsets.UTF_8));
        String printed = console.toString(StandardCharsets.UTF_8) + errors.toString(StandardCharsets.UTF_8);
        assertEquals(0, status, printed);
        List<String> csv = Files.readAllLines(out.resolve("demo-assets.csv"));
        assertEquals(2, csv.size(), String.join("\n", csv));
        String[] row = csv.get(1).split(",");
        assertEquals("tiny", row[0]);
        assertEquals("5", row[1]);
        assertEquals("4", row[11], "--smoke scores 4 items per set");
        assertTrue(Files.readString(out.resolve("demo-assets.md")).contains("| 5 |"));
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        PrintStream quiet = new PrintStream(sink, true, StandardCharsets.UTF_8);
        assertEquals(2, DemoAssetsBench.run(new String[] {"--bogus", "1"}, quiet, quiet));
        assertEquals(2, DemoAssetsBench.run(new String[] {"--scale", "huge"}, quiet, quiet));
    }
}
