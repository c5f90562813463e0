package dev.lorapar.bench.jmh;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.runner.BenchmarkList;
import org.openjdk.jmh.runner.BenchmarkListEntry;

/**
 * The JMH annotation processor must have run: without it (JDK 23+ runs none unless named) the jar
 * holds no benchmark and JMH says nothing. Every benchmark method must be in META-INF/BenchmarkList.
 */
class BenchmarkListTest {
    static final List<String> EXPECTED = List.of(
            "dev.lorapar.bench.jmh.DowncallBench.abiVersion",
            "dev.lorapar.bench.jmh.DowncallBench.fillOneElement",
            "dev.lorapar.bench.jmh.GemmBench.gemm",
            "dev.lorapar.bench.jmh.LoraBench.forward",
            "dev.lorapar.bench.jmh.LoraBench.forwardBackward",
            "dev.lorapar.bench.jmh.AdamwBench.step",
            "dev.lorapar.bench.jmh.SelectionBench.selectTopMass",
            "dev.lorapar.bench.jmh.SelectionBench.partitionMasks");

    @Test
    void everyBenchmarkIsGenerated() throws IOException {
        List<String> generated;
        try (InputStream in = getClass().getClassLoader().getResourceAsStream(BenchmarkList.BENCHMARK_LIST.substring(1))) {
            assertNotNull(in, BenchmarkList.BENCHMARK_LIST + " is missing: the JMH annotation processor did not run");
            generated = BenchmarkList.readBenchmarkList(in).stream().map(BenchmarkListEntry::getUsername).toList();
        }
        for (String benchmark : EXPECTED) {
            assertTrue(generated.contains(benchmark), benchmark + " was not generated; the list holds " + generated);
        }
    }

    @Test
    void everyBenchmarkForksWithNativeAccess() throws IOException {
        try (InputStream in = getClass().getClassLoader().getResourceAsStream(BenchmarkList.BENCHMARK_LIST.substring(1))) {
            assertNotNull(in, BenchmarkList.BENCHMARK_LIST + " is missing");
            for (BenchmarkListEntry entry : BenchmarkList.readBenchmarkList(in)) {
                assertTrue(entry.getJvmArgsAppend().orElse(List.of()).contains("--enable-native-access=ALL-UNNAMED"),
                        entry.getUsername() + " forks without --enable-native-access=ALL-UNNAMED");
            }
        }
    }
}
