package dev.lorapar.eval.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The Markdown report of one run: what ran where (times, device, model and adapter with digests, config),
 * then per benchmark a table of metric, value, n and the percentile-bootstrap CI of the mean over items (only
 * for metrics with per-item values; "—" otherwise), its counts, and the per-subject table when there is one.
 * Each interval is seeded with {@link Bootstrap#rowSeed}, so the report is the same on every rendering.
 */
public final class MarkdownReport {
    private MarkdownReport() {
    }

    /** The report with B = 10,000 resamples, seed 42, 95% intervals. */
    public static String render(EvalRun run) {
        return render(run, Bootstrap.DEFAULT_RESAMPLES, Bootstrap.DEFAULT_SEED, Bootstrap.DEFAULT_LEVEL);
    }

    public static String render(EvalRun run, int resamples, long seed, double level) {
        StringBuilder sb = new StringBuilder();
        RunInfo info = run.info();
        sb.append("# Evaluation run\n\n");
        sb.append("- started: ").append(info.started()).append('\n');
        sb.append("- ended: ");
        if (run.ended() == null) sb.append("not finished\n");
        else sb.append(run.ended()).append(" (").append(ReportText.duration(run.duration())).append(")\n");
        sb.append("- device: ").append(info.device() == null ? ReportText.NONE : ReportText.cell(info.device())).append('\n');
        sb.append("- model: ").append(identity(info.model())).append('\n');
        sb.append("- adapter: ").append(info.adapter() == null ? "none" : identity(info.adapter())).append('\n');
        if (!info.config().isEmpty()) {
            List<String> kv = new ArrayList<>();
            for (Map.Entry<String, String> e : info.config().entrySet()) kv.add(ReportText.code(e.getKey() + "=" + e.getValue()));
            sb.append("- config: ").append(String.join(", ", kv)).append('\n');
        }
        String ciHeader = ReportText.level(level) + " CI";
        for (BenchmarkResult b : run.benchmarks()) {
            sb.append("\n## ").append(ReportText.cell(b.name())).append("\n\n");
            sb.append("| metric | value | n | ").append(ciHeader).append(" |\n");
            sb.append("|---|---:|---:|---|\n");
            for (Map.Entry<String, Double> row : b.summary().rows()) {
                double[] values = b.itemValues(row.getKey());
                String n = ReportText.NONE;
                String ci = ReportText.NONE;
                if (values != null) {
                    n = Long.toString(finiteCount(values));
                    ci = ReportText.interval(Bootstrap.meanCi(values, resamples,
                            Bootstrap.rowSeed(seed, b.name(), row.getKey()), level), false);
                }
                sb.append("| ").append(ReportText.cell(row.getKey())).append(" | ").append(ReportText.value(row.getValue()))
                        .append(" | ").append(n).append(" | ").append(ci).append(" |\n");
            }
            if (!b.summary().counts().isEmpty()) {
                List<String> counts = new ArrayList<>();
                for (Map.Entry<String, Long> e : b.summary().counts().entrySet()) counts.add(ReportText.cell(e.getKey()) + " " + e.getValue());
                sb.append("\ncounts: ").append(String.join(", ", counts)).append('\n');
            }
            if (!b.summary().perSubject().isEmpty()) {
                sb.append("\n### ").append(ReportText.cell(b.name())).append(" by subject\n\n");
                sb.append("| subject | ").append(ReportText.cell(b.primaryMetric())).append(" | n |\n");
                sb.append("|---|---:|---:|\n");
                for (Map.Entry<String, GroupScore> e : b.summary().perSubject().entrySet()) {
                    sb.append("| ").append(ReportText.cell(e.getKey())).append(" | ").append(ReportText.value(e.getValue().value()))
                            .append(" | ").append(e.getValue().n()).append(" |\n");
                }
            }
        }
        sb.append("\nCI: percentile bootstrap of the mean over items, B = ").append(resamples).append(", seed ").append(seed).append(".\n");
        return sb.toString();
    }

    /** Writes {@link #render(EvalRun)} to {@code file} (UTF-8, parent folders made). */
    public static void write(EvalRun run, Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        Files.writeString(file, render(run), StandardCharsets.UTF_8);
    }

    static String identity(ArtifactIdentity id) {
        if (id == null) return ReportText.NONE;
        String s = ReportText.code(id.path()) + " (" + id.bytes() + " bytes";
        if (id.files().size() > 1) s += " in " + id.files().size() + " files";
        return s + ", sha256 " + (id.sha256() == null ? "not computed" : ReportText.code(id.sha256())) + ")";
    }

    static long finiteCount(double[] values) {
        long n = 0;
        for (double v : values) if (Double.isFinite(v)) n++;
        return n;
    }
}
