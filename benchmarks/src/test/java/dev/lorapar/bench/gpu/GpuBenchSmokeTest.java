package dev.lorapar.bench.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GpuBench end to end in its smoke configuration on the CPU: every section runs, nothing fails,
 * both result files are written. (A rehearsal of the code path the H200 run takes, in seconds.)
 */
class GpuBenchSmokeTest {
    @Test
    void smokeRunOnCpuWritesEverySection(@TempDir Path out) throws IOException {
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        int status = GpuBench.run(new String[] {"--smoke", "--device", "cpu", "--out", out.toString()},
                new PrintStream(console, true, StandardCharsets.UTF_8), new PrintStream(errors, true, StandardCharsets.UTF_8));
        String printed = console.toString(StandardCharsets.UTF_8);
        assertEquals(0, status, "GpuBench --smoke failed:\n" + printed + errors.toString(StandardCharsets.UTF_8));
        assertFalse(printed.contains("ERROR"), printed);

        List<String> csv = Files.readAllLines(out.resolve("results.csv"));
        assertTrue(csv.get(0).startsWith("section,measurement,shape,median_ms"), csv.get(0));
        Set<String> sections = csv.stream().skip(1).map(line -> line.substring(0, line.indexOf(',')))
                .collect(Collectors.toSet());
        assertEquals(Set.of("0", "a", "b", "c", "d", "e", "f"), sections, String.join("\n", csv));
        // ceilings 2, per N: a, dense dX, per r: 3 forward rows + 1 backward; d 3; e 2; f 2
        BenchConfig smoke = BenchConfig.smoke();
        int expectedRows = 2 + smoke.outFeatures().size() * (2 + 4 * smoke.ranks().size()) + 3 + 2 + 2;
        assertEquals(expectedRows, csv.size() - 1, String.join("\n", csv));
        for (String line : csv.subList(1, csv.size())) {
            assertFalse(line.contains("NaN") || line.contains("Infinity"), line);
        }
        String markdown = Files.readString(out.resolve("results.md"));
        assertTrue(markdown.contains("| measurement | shape | median ms |"), markdown);
        assertTrue(markdown.contains("config: smoke"), markdown);
    }

    @Test
    void badArgumentsExitWithTwo() {
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        PrintStream err = new PrintStream(errors, true, StandardCharsets.UTF_8);
        PrintStream out = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        assertEquals(2, GpuBench.run(new String[] {"--bogus"}, out, err));
        assertTrue(errors.toString(StandardCharsets.UTF_8).contains("unknown argument '--bogus'"));
        assertEquals(2, GpuBench.run(new String[] {"--quick", "--smoke"}, out, err));
        assertEquals(2, GpuBench.run(new String[] {"--out"}, out, err));
    }

    @Test
    void aMissingCudaDeviceExitsWithTwoAndSaysWhy() {
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        int status = GpuBench.run(new String[] {"--device", "cuda:99"},
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(errors, true, StandardCharsets.UTF_8));
        assertEquals(2, status);
        assertTrue(errors.toString(StandardCharsets.UTF_8).contains("cuda:99 asked for"), errors.toString());
    }
}
