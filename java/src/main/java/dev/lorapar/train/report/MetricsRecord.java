package dev.lorapar.train.report;

import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One line of the metrics log: what happened at an optimizer step. Only {@code step} is required;
 * absent quantities are null (not written). Losses may be NaN or infinite (written as the JSON strings
 * "NaN", "Infinity", "-Infinity" and read back as such).
 *
 * @param step          optimizer steps done (≥ 0)
 * @param epoch         fractional epoch (steps × batch / dataset size)
 * @param loss          training loss of the step (mean per answer token)
 * @param evalLoss      held-out loss, on the records of evaluation
 * @param lr            learning rate used by the step
 * @param gradNorm      global gradient norm before clipping
 * @param tokensPerS    training throughput
 * @param memoryBytes   device memory in use
 * @param time          wall-clock time of the record (UTC)
 * @param elapsedS      seconds since the run (or its first resume) started
 * @param extra         any further named values (Number, String or Boolean), in name order
 */
public record MetricsRecord(long step, Double epoch, Double loss, Double evalLoss, Double lr, Double gradNorm,
                            Double tokensPerS, Long memoryBytes, Instant time, Double elapsedS,
                            Map<String, Object> extra) {

    public MetricsRecord {
        if (step < 0) throw new IllegalArgumentException("metrics record: step " + step + " is negative");
        TreeMap<String, Object> copy = new TreeMap<>();
        if (extra != null) {
            for (Map.Entry<String, Object> e : extra.entrySet()) {
                String name = Objects.requireNonNull(e.getKey(), "metrics record: an extra name is null");
                if (MetricsJson.KNOWN_FIELDS.contains(name)) {
                    throw new IllegalArgumentException("metrics record: extra '" + name + "' shadows a standard field");
                }
                Object v = e.getValue();
                if (!(v instanceof Number || v instanceof String || v instanceof Boolean)) {
                    throw new IllegalArgumentException("metrics record: extra '" + name + "' is "
                            + (v == null ? "null" : v.getClass().getName()) + ", not a number, string or boolean");
                }
                copy.put(name, v);
            }
        }
        extra = Collections.unmodifiableMap(copy);
    }

    /** A builder for the record of {@code step}. */
    public static Builder atStep(long step) {
        return new Builder(step);
    }

    /** Builds a {@link MetricsRecord}; every setter is optional. */
    public static final class Builder {
        private final long step;
        private Double epoch;
        private Double loss;
        private Double evalLoss;
        private Double lr;
        private Double gradNorm;
        private Double tokensPerS;
        private Long memoryBytes;
        private Instant time;
        private Double elapsedS;
        private final Map<String, Object> extra = new TreeMap<>();

        private Builder(long step) {
            this.step = step;
        }

        public Builder epoch(double v) {
            epoch = v;
            return this;
        }

        public Builder loss(double v) {
            loss = v;
            return this;
        }

        public Builder evalLoss(double v) {
            evalLoss = v;
            return this;
        }

        public Builder lr(double v) {
            lr = v;
            return this;
        }

        public Builder gradNorm(double v) {
            gradNorm = v;
            return this;
        }

        public Builder tokensPerSecond(double v) {
            tokensPerS = v;
            return this;
        }

        public Builder memoryBytes(long v) {
            memoryBytes = v;
            return this;
        }

        public Builder time(Instant v) {
            time = v;
            return this;
        }

        public Builder elapsedSeconds(double v) {
            elapsedS = v;
            return this;
        }

        /** A further value (Number, String or Boolean) under a name that is not a standard field. */
        public Builder extra(String name, Object value) {
            extra.put(name, value);
            return this;
        }

        public MetricsRecord build() {
            return new MetricsRecord(step, epoch, loss, evalLoss, lr, gradNorm, tokensPerS, memoryBytes, time,
                    elapsedS, extra);
        }
    }
}
