package dev.lorapar.eval.report;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One scored benchmark item of a run.
 *
 * <p>{@code score} is the value of the benchmark's primary metric on this item: 1 or 0 for a right or wrong
 * answer, a fraction for partial credit, NaN when the item was not scored (it is then left out of means,
 * bootstraps and the "scored" count). {@code scores} holds further per-item metrics by name (e.g. the
 * per-problem unbiased "pass@10" of HumanEval). Text fields are null when not recorded (a prompt may be
 * left out to keep files small); {@code timeMs} is NaN and the token counts −1 when unknown.
 */
public record ItemRecord(String id, String subject, String prompt, String prediction, String extracted,
                         String gold, double score, Map<String, Double> scores, double timeMs,
                         int promptTokens, int generatedTokens) {

    public ItemRecord {
        if (id == null || id.isEmpty()) throw new IllegalArgumentException("item id is null or empty");
        Objects.requireNonNull(scores, "item " + id + ": scores map is null");
        Map<String, Double> copy = new LinkedHashMap<>();
        for (Map.Entry<String, Double> e : scores.entrySet()) {
            if (e.getKey() == null || e.getKey().isEmpty()) throw new IllegalArgumentException("item " + id + ": empty metric name");
            if (e.getValue() == null) throw new IllegalArgumentException("item " + id + ": metric " + e.getKey() + " is null");
            copy.put(e.getKey(), e.getValue());
        }
        scores = java.util.Collections.unmodifiableMap(copy);
        if (promptTokens < -1) throw new IllegalArgumentException("item " + id + ": prompt tokens " + promptTokens + " < -1");
        if (generatedTokens < -1) throw new IllegalArgumentException("item " + id + ": generated tokens " + generatedTokens + " < -1");
    }

    /** True when the primary score is exactly 1. */
    public boolean correct() {
        return score == 1.0;
    }

    /** True when the primary score is a finite number (the item counts in means). */
    public boolean scored() {
        return Double.isFinite(score);
    }

    /** The value of {@code metric} on this item: the primary score for the primary metric, else from {@link #scores}; null when absent. */
    public Double valueOf(String metric, String primaryMetric) {
        if (metric.equals(primaryMetric)) return score;
        return scores.get(metric);
    }

    public static Builder builder(String id) {
        return new Builder(id);
    }

    /** Fills an item field by field; unset fields are null / NaN / −1. */
    public static final class Builder {
        private final String id;
        private String subject;
        private String prompt;
        private String prediction;
        private String extracted;
        private String gold;
        private double score = Double.NaN;
        private final Map<String, Double> scores = new LinkedHashMap<>();
        private double timeMs = Double.NaN;
        private int promptTokens = -1;
        private int generatedTokens = -1;

        private Builder(String id) {
            this.id = id;
        }

        public Builder subject(String v) { subject = v; return this; }
        public Builder prompt(String v) { prompt = v; return this; }
        public Builder prediction(String v) { prediction = v; return this; }
        public Builder extracted(String v) { extracted = v; return this; }
        public Builder gold(String v) { gold = v; return this; }
        public Builder score(double v) { score = v; return this; }
        public Builder correct(boolean v) { score = v ? 1.0 : 0.0; return this; }
        public Builder metric(String name, double v) { scores.put(name, v); return this; }
        public Builder timeMs(double v) { timeMs = v; return this; }
        public Builder promptTokens(int v) { promptTokens = v; return this; }
        public Builder generatedTokens(int v) { generatedTokens = v; return this; }

        public ItemRecord build() {
            return new ItemRecord(id, subject, prompt, prediction, extracted, gold, score, scores, timeMs,
                    promptTokens, generatedTokens);
        }
    }
}
