package dev.lorapar.eval.report;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One evaluation run: what it was ({@link RunInfo}), when it ended (null while unfinished), and one
 * {@link BenchmarkResult} per benchmark it ran, in the order they ran.
 * {@link EvalRunJson} writes and reads it, {@link MarkdownReport} renders it, {@link EvalCompare} compares runs.
 */
public record EvalRun(RunInfo info, Instant ended, List<BenchmarkResult> benchmarks) {
    public EvalRun {
        Objects.requireNonNull(info, "run info is null");
        benchmarks = List.copyOf(Objects.requireNonNull(benchmarks, "benchmark list is null"));
        java.util.Set<String> names = new java.util.HashSet<>();
        for (BenchmarkResult b : benchmarks) {
            if (!names.add(b.name())) throw new IllegalArgumentException("benchmark " + b.name() + " appears twice in one run");
        }
    }

    /** The benchmark of that name, or null. */
    public BenchmarkResult benchmark(String name) {
        for (BenchmarkResult b : benchmarks) if (b.name().equals(name)) return b;
        return null;
    }

    /** Wall time from start to end; null while unfinished. */
    public Duration duration() {
        return ended == null ? null : Duration.between(info.started(), ended);
    }
}
