package dev.lorapar.tests.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lorapar.cli.Lorapar;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lorapar demo} end to end at the tiny scale on the CPU: assets, classification, importance, partition, the
 * LoRA-PAR / LoRA / random arms through SFT and GRPO, accuracy table and report with the honesty note; masks honoured;
 * a second run takes the cached base and every cached stage.
 */
class DemoMainTest {
    static String demo(Path cache, int expected) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream ps = new PrintStream(out, true, StandardCharsets.UTF_8);
        int status = Lorapar.run(new String[] {"demo", "--scale", "tiny", "--cache_dir", cache.toString(), "--device",
                "cpu", "--seed", "3"}, ps, ps);
        String log = out.toString(StandardCharsets.UTF_8);
        assertEquals(expected, status, log);
        return log;
    }

    @Test
    void runsTheMethodAndCachesIt(@TempDir Path cache) throws IOException {
        String first = demo(cache, 0);
        for (String row : List.of("base ", "lorapar ", "lora ", "random ", "not comparable with the paper",
                "classification: the step-counting voter agrees")) {
            assertTrue(first.contains(row), "'" + row + "' in\n" + first);
        }
        Path report;
        try (Stream<Path> files = Files.walk(cache)) {
            report = files.filter(p -> p.getFileName().toString().equals("report.json")).findFirst().orElseThrow();
        }
        JsonNode r = new ObjectMapper().readTree(report.toFile());
        assertEquals(6, r.get("results").size());
        for (JsonNode x : r.get("results")) {
            assertEquals(0, x.get("mask_violations").asLong(), x.toString());
            assertTrue(x.get("metrics").get("S2 accuracy").isNumber(), x.toString());
        }
        assertTrue(r.get("note").asText().contains("synthetic benchmark"));
        String second = demo(cache, 0);
        assertTrue(second.contains("(cached)"), "the base comes from the cache:\n" + second);
        assertTrue(second.lines().filter(l -> l.matches(".* \\d+\\.\\d \\(c\\)$")).count() >= 6,
                "every stage cached, with the time it took when it ran:\n" + second);
    }

    @Test
    void badArgumentsExitWith2(@TempDir Path cache) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream ps = new PrintStream(out, true, StandardCharsets.UTF_8);
        assertEquals(2, Lorapar.run(new String[] {"demo", "--scale", "huge"}, ps, ps));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("unknown scale"), out.toString(StandardCharsets.UTF_8));
    }
}
