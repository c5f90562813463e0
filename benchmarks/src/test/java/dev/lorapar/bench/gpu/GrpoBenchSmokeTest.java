package dev.lorapar.bench.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** GrpoBench's code path on the CPU with a tiny model: every phase runs, full-length completions, the summary line. */
class GrpoBenchSmokeTest {
    @Test
    void smokeRunOnCpu() {
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        int status = GrpoBench.run(new String[] {"--smoke"}, new PrintStream(console, true, StandardCharsets.UTF_8));
        String printed = console.toString(StandardCharsets.UTF_8);
        assertEquals(0, status, printed);
        assertFalse(printed.contains("warning"), "every completion runs to its full length:\n" + printed);
        assertTrue(printed.contains("grpo-bench: rollout "), printed);
        assertTrue(printed.lines().anyMatch(l -> l.startsWith("med ")), printed);
        assertEquals(2, GrpoBench.run(new String[] {"--bogus"}, new PrintStream(new ByteArrayOutputStream())));
    }
}
