package dev.lorapar.tests.eval.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.lorapar.eval.report.BenchmarkResult;
import dev.lorapar.eval.report.BenchmarkSummary;
import dev.lorapar.eval.report.GroupScore;
import dev.lorapar.eval.report.ItemRecord;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Summaries from items: hand-computed micro and macro averages, counts, pass@k, unscored items. */
class SummaryAccumulatorTest {
    @Test
    void microMacroCountsAndPassAtK() {
        List<ItemRecord> items = List.of(
                ItemRecord.builder("1").subject("law").correct(true).metric("pass@1", 1).metric("pass@2", 1).metric("len", 10).build(),
                ItemRecord.builder("2").subject("law").correct(false).metric("pass@1", 0).metric("pass@2", 0.5).metric("len", 20).build(),
                ItemRecord.builder("3").subject("law").correct(false).metric("pass@1", 0).metric("pass@2", 0).metric("len", Double.NaN).build(),
                ItemRecord.builder("4").subject("art").correct(true).metric("pass@1", 1).metric("pass@2", 1).metric("len", 30).build(),
                ItemRecord.builder("5").subject("art").score(Double.NaN).metric("pass@1", 0).metric("pass@2", 0).metric("len", 40).build());
        BenchmarkResult r = BenchmarkResult.of("mmlu", "accuracy", items);
        BenchmarkSummary s = r.summary();
        assertEquals(List.of("accuracy", "macro_accuracy", "len"), List.copyOf(s.metrics().keySet()));
        assertEquals(2.0 / 4, s.metrics().get("accuracy"), 1e-15);           // micro over 4 scored items
        assertEquals((1.0 / 3 + 1.0) / 2, s.metrics().get("macro_accuracy"), 1e-15);
        assertEquals(25.0, s.metrics().get("len"), 1e-15);                   // NaN left out
        assertEquals(Map.of("items", 5L, "scored", 4L, "correct", 2L), s.counts());
        assertEquals(Map.of("art", new GroupScore(1.0, 1), "law", new GroupScore(1.0 / 3, 3)), s.perSubject());
        assertEquals(List.of("art", "law"), List.copyOf(s.perSubject().keySet()));
        assertEquals(Map.of(1, 2.0 / 5, 2, 2.5 / 5), s.passAtK());
        assertEquals(List.of("accuracy", "macro_accuracy", "len", "pass@1", "pass@2"), s.rows().stream().map(Map.Entry::getKey).toList());
        assertArrayEquals(new double[] {1, 0.5, 0, 1, 0}, r.itemValues("pass@2"));
        assertArrayEquals(new double[] {1, 0, 0, 1, Double.NaN}, r.itemValues("accuracy"));
        assertNull(r.itemValues("macro_accuracy"));
    }

    @Test
    void emptyBenchmarkAndBadInput() {
        BenchmarkSummary s = BenchmarkResult.of("x", "accuracy", List.of()).summary();
        assertEquals(Double.NaN, s.metrics().get("accuracy"));
        assertEquals(0L, s.counts().get("items"));
        assertThrows(IllegalArgumentException.class, () -> new BenchmarkSummary(Map.of("pass@1", 0.5), Map.of(), Map.of(), Map.of(1, 0.5)));
        assertThrows(IllegalArgumentException.class, () -> new BenchmarkSummary(Map.of(), Map.of(), Map.of(), Map.of(0, 0.5)));
        assertThrows(IllegalArgumentException.class, () -> ItemRecord.builder("").build());
        assertThrows(IllegalArgumentException.class,
                () -> BenchmarkResult.of("x", "accuracy", List.of(ItemRecord.builder("a").metric("accuracy", 1).build())));
        assertThrows(IllegalArgumentException.class, () -> new BenchmarkResult("x", "pass@1",
                List.of(ItemRecord.builder("a").metric("pass@1", 1).build()), BenchmarkSummary.of(Map.of(), Map.of())));
    }
}
