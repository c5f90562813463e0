package dev.lorapar.eval.report;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What an evaluation run was, known when it starts: the start time, the device (free text, e.g.
 * "cuda:0 NVIDIA H200"), the effective configuration as ordered key/values, and the model's and the adapter's
 * identities ({@code adapter} null for the base model alone; {@code model} null only in hand-made files).
 */
public record RunInfo(Instant started, String device, Map<String, String> config, ArtifactIdentity model,
                      ArtifactIdentity adapter) {
    public RunInfo {
        Objects.requireNonNull(started, "run start time is null");
        Objects.requireNonNull(config, "run config is null");
        Map<String, String> copy = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : config.entrySet()) {
            if (e.getKey() == null || e.getKey().isEmpty()) throw new IllegalArgumentException("run config: empty key");
            if (e.getValue() == null) throw new IllegalArgumentException("run config: value of " + e.getKey() + " is null");
            copy.put(e.getKey(), e.getValue());
        }
        config = Collections.unmodifiableMap(copy);
    }
}
