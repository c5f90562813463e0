package dev.lorapar.eval.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Runs side by side ({@link EvalCompare#compare} makes it): one row per (benchmark, metric) found in any run, in
 * order of first appearance; per run its value, and for every run after the first its difference to the first with
 * a bootstrap CI. {@link #toMarkdown} renders it.
 */
public record RunComparison(List<LabeledRun> runs, List<Row> rows, EvalCompare.Options options) {

    /** A run and the name it is shown under (e.g. its file name). */
    public record LabeledRun(String label, EvalRun run) {
        public LabeledRun {
            Objects.requireNonNull(label, "run label is null");
            Objects.requireNonNull(run, "run " + label + " is null");
        }
    }

    /**
     * The difference of a run to the first run: {@code delta} = value − first value, and the CI of the difference
     * of the item means (null when either run has no per-item values of the metric); {@code paired} tells which
     * bootstrap made it.
     */
    public record Difference(double delta, Bootstrap.Interval ci, boolean paired) {
        /** The CI lies wholly above or below 0. */
        public boolean significant() {
            return ci != null && ci.excludesZero();
        }
    }

    /** One run's entry of a row: the value, the number of scored items (−1 without per-item values), the difference (null for the first run). */
    public record Cell(double value, long n, Difference difference) {
    }

    /** One (benchmark, metric): a cell per run, null where that run lacks it. */
    public record Row(String benchmark, String metric, List<Cell> cells) {
        public Row {
            cells = java.util.Collections.unmodifiableList(new ArrayList<>(cells)); // null cells allowed
        }
    }

    public RunComparison {
        runs = List.copyOf(runs);
        rows = List.copyOf(rows);
        Objects.requireNonNull(options, "options are null");
    }

    /** The short name of run i in tables: A, B, …, Z, then R27, R28, …. */
    public static String letter(int i) {
        return i < 26 ? String.valueOf((char) ('A' + i)) : "R" + (i + 1);
    }

    /** The row of that benchmark and metric, or null. */
    public Row row(String benchmark, String metric) {
        for (Row r : rows) if (r.benchmark().equals(benchmark) && r.metric().equals(metric)) return r;
        return null;
    }

    public String toMarkdown() {
        StringBuilder sb = new StringBuilder();
        sb.append("# Comparison of ").append(runs.size()).append(" evaluation runs\n\n");
        for (int i = 0; i < runs.size(); i++) {
            RunInfo info = runs.get(i).run().info();
            sb.append("- ").append(letter(i)).append(": ").append(ReportText.code(runs.get(i).label()))
                    .append(": model ").append(shortIdentity(info.model()))
                    .append(", adapter ").append(info.adapter() == null ? "none" : shortIdentity(info.adapter()))
                    .append(", started ").append(info.started()).append('\n');
        }
        String ci = ReportText.level(options.level()) + " CI of Δ";
        sb.append("\n| benchmark | metric | A |");
        for (int i = 1; i < runs.size(); i++) {
            sb.append(' ').append(letter(i)).append(" | Δ ").append(letter(i)).append("−A | ").append(ci).append(" |");
        }
        sb.append("\n|---|---|---:|");
        for (int i = 1; i < runs.size(); i++) sb.append("---:|---:|---|");
        sb.append('\n');
        for (Row r : rows) {
            sb.append("| ").append(ReportText.cell(r.benchmark())).append(" | ").append(ReportText.cell(r.metric())).append(" | ");
            sb.append(valueCell(r.cells().get(0))).append(" |");
            for (int i = 1; i < runs.size(); i++) {
                Cell c = r.cells().get(i);
                sb.append(' ').append(valueCell(c)).append(" | ");
                Difference d = c == null ? null : c.difference();
                if (d == null) {
                    sb.append(ReportText.NONE).append(" | ").append(ReportText.NONE).append(" |");
                } else {
                    sb.append(ReportText.signed(d.delta())).append(d.significant() ? " *" : "").append(" | ");
                    sb.append(d.ci() == null ? ReportText.NONE
                            : ReportText.interval(d.ci(), true) + (d.paired() ? " paired" : " unpaired")).append(" |");
                }
            }
            sb.append('\n');
        }
        sb.append("\n\\* the ").append(ReportText.level(options.level()))
                .append(" CI of the difference excludes 0. Percentile bootstrap over items, B = ").append(options.resamples())
                .append(", seed ").append(options.seed())
                .append("; paired: both runs scored the same items, resampled together; unpaired: each run's items resampled on their own.\n");
        return sb.toString();
    }

    private static String valueCell(Cell c) {
        if (c == null) return ReportText.NONE;
        return ReportText.value(c.value()) + (c.n() >= 0 ? " (n " + c.n() + ")" : "");
    }

    private static String shortIdentity(ArtifactIdentity id) {
        if (id == null) return ReportText.NONE;
        return ReportText.code(id.path()) + (id.sha256() == null ? "" : " sha256 " + ReportText.code(id.sha256().substring(0, 12)));
    }
}
