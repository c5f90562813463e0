package dev.lorapar.eval.report;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * One benchmark of a run: its name (e.g. "gsm8k", "mmlu"), the name of its primary metric (the one
 * {@link ItemRecord#score} holds, e.g. "accuracy" or "pass@1"; no item may repeat it in its scores map), the scored
 * items in order, and the summary.
 */
public record BenchmarkResult(String name, String primaryMetric, List<ItemRecord> items, BenchmarkSummary summary) {

    public BenchmarkResult {
        if (name == null || name.isEmpty()) throw new IllegalArgumentException("benchmark name is null or empty");
        if (primaryMetric == null || primaryMetric.isEmpty()) throw new IllegalArgumentException("benchmark " + name + ": primary metric name is empty");
        items = List.copyOf(Objects.requireNonNull(items, "benchmark " + name + ": item list is null"));
        Objects.requireNonNull(summary, "benchmark " + name + ": summary is null");
        for (ItemRecord item : items) {
            if (item.scores().containsKey(primaryMetric)) {
                throw new IllegalArgumentException("benchmark " + name + ", item " + item.id() + ": per-item metric "
                        + primaryMetric + " is the primary metric (its value is the item's score)");
            }
        }
    }

    /** A result whose summary is computed from the items by {@link SummaryAccumulator}. */
    public static BenchmarkResult of(String name, String primaryMetric, List<ItemRecord> items) {
        SummaryAccumulator acc = new SummaryAccumulator(primaryMetric);
        for (ItemRecord item : items) acc.add(item);
        return new BenchmarkResult(name, primaryMetric, items, acc.summary());
    }

    /**
     * The per-item values of {@code metric} in item order (NaN for unscored items), or null when some item lacks
     * it (a metric with no per-item values, e.g. a macro average, has no bootstrap interval).
     */
    public double[] itemValues(String metric) {
        if (items.isEmpty()) return null;
        double[] out = new double[items.size()];
        for (int i = 0; i < out.length; i++) {
            Double v = items.get(i).valueOf(metric, primaryMetric);
            if (v == null) return null;
            out[i] = v;
        }
        return out;
    }

    /** The item ids in order. */
    public List<String> itemIds() {
        return items.stream().map(ItemRecord::id).toList();
    }

    /** True when no two items share an id (needed to pair items across runs). */
    public boolean idsUnique() {
        Set<String> seen = new HashSet<>();
        for (ItemRecord item : items) if (!seen.add(item.id())) return false;
        return true;
    }
}
