package dev.lorapar.tests.eval.report;

import dev.lorapar.eval.report.ArtifactIdentity;
import dev.lorapar.eval.report.BenchmarkResult;
import dev.lorapar.eval.report.EvalRun;
import dev.lorapar.eval.report.ItemRecord;
import dev.lorapar.eval.report.RunInfo;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Small runs for the report tests. */
final class Runs {
    static final Instant START = Instant.parse("2025-01-02T03:04:05Z");

    private Runs() {
    }

    static RunInfo info(String modelPath) {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("max_new_tokens", "256");
        config.put("shots", "0");
        ArtifactIdentity model = new ArtifactIdentity(modelPath, 1234, "ab".repeat(32), List.of(
                new ArtifactIdentity.FileDigest("a.safetensors", 1000, "cd".repeat(32)),
                new ArtifactIdentity.FileDigest("config.json", 234, "ef".repeat(32))));
        return new RunInfo(START, "cpu", config, model, null);
    }

    /** A run of one benchmark whose items have ids {@code prefix + i} and scores 1/0 by {@code correct}. */
    static EvalRun binary(String benchmark, String prefix, boolean[] correct) {
        List<ItemRecord> items = new ArrayList<>();
        for (int i = 0; i < correct.length; i++) items.add(ItemRecord.builder(prefix + i).correct(correct[i]).build());
        return new EvalRun(info("/models/llama"), START.plusSeconds(60), List.of(BenchmarkResult.of(benchmark, "accuracy", items)));
    }

    static boolean[] ones(int n, int k) {
        boolean[] out = new boolean[n];
        for (int i = 0; i < k; i++) out[i] = true;
        return out;
    }
}
