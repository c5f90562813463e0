package dev.lorapar.bench.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** PipelineBench --smoke on the CPU: scoring, device partition and the partition stage run and are reported. */
class PipelineBenchSmokeTest {
    @Test
    void smokeRunReportsEveryTiming() throws IOException {
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        int status = PipelineBench.run(new String[] {"--smoke"}, new PrintStream(console, true, StandardCharsets.UTF_8));
        String printed = console.toString(StandardCharsets.UTF_8);
        assertEquals(0, status, printed);
        for (String row : new String[] {"score s1: 3 samples", "score s2: 3 samples", "partition on device",
                "partition stage", "score + partition stage"}) {
            assertTrue(printed.contains(row), row + " missing:\n" + printed);
        }
        // 2 layers × (q 64→64, k 64→32, v 64→32, gate 64→172, up 64→172, down 172→64) at r 8
        long perLayer = 8L * (64 + 64) + 2 * 8L * (64 + 32) + 2 * 8L * (64 + 172) + 8L * (172 + 64);
        assertTrue(printed.contains(String.format(java.util.Locale.ROOT, "%,d LoRA elements", 2 * perLayer)), printed);
    }
}
