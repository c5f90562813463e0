package dev.lorapar.bench.gpu;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorapar.core.Device;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ClassifyBench --smoke on the CPU: three teachers over HTTP classify every item; the throughput line is printed. */
class ClassifyBenchSmokeTest {
    @Test
    void classifiesEveryItemAndReports(@TempDir Path dir) throws Exception {
        StringBuilder data = new StringBuilder();
        for (int i = 0; i < 4; i++) {
            data.append("{\"question\": \"What is ").append(i).append(" + 1?\", \"answer\": \"").append(i + 1)
                    .append("\"}\n");
        }
        Path file = Files.writeString(dir.resolve("items.jsonl"), data.toString());
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        ClassifyBench.run(file, null, 4, 4, 2, true, Device.CPU, new PrintStream(console, true, StandardCharsets.UTF_8));
        String printed = console.toString(StandardCharsets.UTF_8);
        assertTrue(printed.matches("(?s).*tiny model, CPU, conc 4\\s+4\\s+\\d+\\s+.*"), printed);
    }
}
