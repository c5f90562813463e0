package dev.lorapar.pipeline.experiment;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/** Measures the base model (adapter null) or the base with a PEFT adapter folder; the report shows what it returns. */
public interface ArmEvaluator {
    /** Metric name (e.g. "gsm8k accuracy") → value, in display order. */
    Map<String, Double> evaluate(String label, Path adapter) throws IOException;

    /** Everything that changes the results besides the model and adapter (part of the evaluation's cache key). */
    String identity();
}
