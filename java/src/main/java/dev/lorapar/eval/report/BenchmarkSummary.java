package dev.lorapar.eval.report;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The summary of one benchmark in a run: named metrics in display order (e.g. "accuracy",
 * "macro_accuracy"), counts ("items", "scored", "correct", ...), the per-subject scores of the primary metric
 * (MMLU; empty otherwise, sorted by subject) and pass@k by k (HumanEval; empty otherwise).
 * Metric values may be NaN (no scored item). A pass@k entry is shown and compared as the metric "pass@k", so
 * {@code metrics} must not use those names too. {@link SummaryAccumulator} computes a summary from items.
 */
public record BenchmarkSummary(Map<String, Double> metrics, Map<String, Long> counts,
                               Map<String, GroupScore> perSubject, Map<Integer, Double> passAtK) {

    public BenchmarkSummary {
        metrics = copy(metrics, "metric");
        counts = copy(counts, "count");
        perSubject = Collections.unmodifiableMap(new TreeMap<>(copy(perSubject, "subject")));
        Objects.requireNonNull(passAtK, "pass@k map is null");
        TreeMap<Integer, Double> p = new TreeMap<>();
        for (Map.Entry<Integer, Double> e : passAtK.entrySet()) {
            if (e.getKey() == null || e.getKey() < 1) throw new IllegalArgumentException("pass@k: k = " + e.getKey() + " is not ≥ 1");
            if (e.getValue() == null) throw new IllegalArgumentException("pass@" + e.getKey() + " is null");
            if (metrics.containsKey(passAtKName(e.getKey()))) {
                throw new IllegalArgumentException("metric " + passAtKName(e.getKey()) + " given both as a metric and in the pass@k map");
            }
            p.put(e.getKey(), e.getValue());
        }
        passAtK = Collections.unmodifiableMap(p);
    }

    public static BenchmarkSummary of(Map<String, Double> metrics, Map<String, Long> counts) {
        return new BenchmarkSummary(metrics, counts, Map.of(), Map.of());
    }

    /** The metric name under which pass@k is shown: "pass@k". */
    public static String passAtKName(int k) {
        return "pass@" + k;
    }

    /** The metrics in display order, then pass@k by k: what the reports list, one row each. */
    public List<Map.Entry<String, Double>> rows() {
        List<Map.Entry<String, Double>> out = new java.util.ArrayList<>();
        for (Map.Entry<String, Double> e : metrics.entrySet()) out.add(Map.entry(e.getKey(), e.getValue()));
        for (Map.Entry<Integer, Double> e : passAtK.entrySet()) out.add(Map.entry(passAtKName(e.getKey()), e.getValue()));
        return out;
    }

    private static <V> Map<String, V> copy(Map<String, V> m, String what) {
        Objects.requireNonNull(m, what + " map is null");
        Map<String, V> out = new LinkedHashMap<>();
        for (Map.Entry<String, V> e : m.entrySet()) {
            if (e.getKey() == null || e.getKey().isEmpty()) throw new IllegalArgumentException("empty " + what + " name");
            if (e.getValue() == null) throw new IllegalArgumentException(what + " " + e.getKey() + " is null");
            out.put(e.getKey(), e.getValue());
        }
        return Collections.unmodifiableMap(out);
    }
}
