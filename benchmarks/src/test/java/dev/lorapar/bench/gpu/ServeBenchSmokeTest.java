package dev.lorapar.bench.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** ServeBench --smoke on the CPU: the server, the load generator and the decode-bound section all run. */
class ServeBenchSmokeTest {
    @Test
    void smokeRunPrintsEveryTable() {
        ByteArrayOutputStream console = new ByteArrayOutputStream(), errors = new ByteArrayOutputStream();
        int status = ServeBench.run(new String[] {"--smoke"},
                new PrintStream(console, true, StandardCharsets.UTF_8), new PrintStream(errors, true,
                        StandardCharsets.UTF_8));
        String printed = console.toString(StandardCharsets.UTF_8);
        assertEquals(0, status, printed + errors.toString(StandardCharsets.UTF_8));
        for (String model : new String[] {"bench", "bench:lora16"}) {
            for (int clients : new int[] {1, 4}) {
                assertTrue(printed.lines().anyMatch(l -> l.matches(java.util.regex.Pattern.quote(model) + " +" + clients
                        + " +" + clients + " +[0-9.]+ +[0-9.]+ +[0-9.]+")), model + " × " + clients + ":\n" + printed);
            }
        }
        assertTrue(printed.contains("decode batch 4 adapter"), printed);
        assertFalse(printed.contains("NaN"), printed);
    }

    @Test
    void badArgumentsExitWithTwo() {
        PrintStream sink = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        assertEquals(2, ServeBench.run(new String[] {"--bogus"}, sink, sink));
        assertEquals(2, ServeBench.run(new String[] {"--layers", "x"}, sink, sink));
        assertEquals(2, ServeBench.run(new String[] {"--layers"}, sink, sink));
    }
}
