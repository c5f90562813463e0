package dev.lorapar.eval.report;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code lorapar eval --compare run1.json run2.json …}: each benchmark and metric side by side across runs, with
 * the difference of every run to the first and its bootstrap CI; a difference whose CI excludes 0 is marked.
 *
 * <p>The CI of a difference is a paired bootstrap when both runs scored the same items (the same set of unique
 * ids; item indices are resampled, keeping each item's two values together, which is what makes small differences
 * on a shared test set detectable), else an unpaired percentile bootstrap (each run's items resampled on their
 * own). It needs per-item values of the metric in both runs; a metric without them (e.g. a macro average) gets
 * its difference without a CI. Each (benchmark, metric) has its own seed derived from {@link Options#seed}
 * ({@link Bootstrap#rowSeed}), so the output is a function of the files and the seed.
 */
public final class EvalCompare {
    private EvalCompare() {
    }

    /** Bootstrap settings: resamples B, seed, confidence level. */
    public record Options(int resamples, long seed, double level) {
        public Options {
            if (resamples < 1) throw new IllegalArgumentException("resamples " + resamples + " < 1");
            if (!(level > 0 && level < 1)) throw new IllegalArgumentException("confidence level " + level + " is not in (0, 1)");
        }

        /** B = 10,000, seed 42, 95%. */
        public static Options defaults() {
            return new Options(Bootstrap.DEFAULT_RESAMPLES, Bootstrap.DEFAULT_SEED, Bootstrap.DEFAULT_LEVEL);
        }
    }

    /** Reads the run files and compares them, each labelled by its file name (its path when names repeat). */
    public static RunComparison compareFiles(List<Path> files, Options options) throws IOException {
        Map<String, Integer> names = new HashMap<>();
        for (Path f : files) names.merge(String.valueOf(f.getFileName()), 1, Integer::sum);
        List<RunComparison.LabeledRun> runs = new ArrayList<>();
        for (Path f : files) {
            String name = String.valueOf(f.getFileName());
            runs.add(new RunComparison.LabeledRun(names.get(name) > 1 ? f.toString() : name, EvalRunJson.read(f)));
        }
        return compare(runs, options);
    }

    /** Compares runs; the first is the reference of every difference. */
    public static RunComparison compare(List<RunComparison.LabeledRun> runs, Options options) {
        if (runs.isEmpty()) throw new IllegalArgumentException("no runs to compare");
        Map<String, List<String>> metricsByBenchmark = new LinkedHashMap<>();
        for (RunComparison.LabeledRun r : runs) {
            for (BenchmarkResult b : r.run().benchmarks()) {
                List<String> metrics = metricsByBenchmark.computeIfAbsent(b.name(), k -> new ArrayList<>());
                for (Map.Entry<String, Double> row : b.summary().rows()) if (!metrics.contains(row.getKey())) metrics.add(row.getKey());
            }
        }
        List<RunComparison.Row> rows = new ArrayList<>();
        for (Map.Entry<String, List<String>> e : metricsByBenchmark.entrySet()) {
            for (String metric : e.getValue()) rows.add(row(runs, e.getKey(), metric, options));
        }
        return new RunComparison(runs, rows, options);
    }

    private static RunComparison.Row row(List<RunComparison.LabeledRun> runs, String benchmark, String metric, Options o) {
        long seed = Bootstrap.rowSeed(o.seed(), benchmark, metric);
        BenchmarkResult first = runs.get(0).run().benchmark(benchmark);
        Double firstValue = first == null ? null : value(first, metric);
        List<RunComparison.Cell> cells = new ArrayList<>();
        for (int i = 0; i < runs.size(); i++) {
            BenchmarkResult b = runs.get(i).run().benchmark(benchmark);
            Double v = b == null ? null : value(b, metric);
            if (v == null) {
                cells.add(null);
                continue;
            }
            double[] values = b.itemValues(metric);
            long n = values == null ? -1 : MarkdownReport.finiteCount(values);
            RunComparison.Difference d = null;
            if (i > 0 && firstValue != null) d = difference(first, b, metric, firstValue, v, seed, o);
            cells.add(new RunComparison.Cell(v, n, d));
        }
        return new RunComparison.Row(benchmark, metric, cells);
    }

    private static RunComparison.Difference difference(BenchmarkResult first, BenchmarkResult other, String metric,
                                                       double firstValue, double value, long seed, Options o) {
        double[] a = first.itemValues(metric);
        double[] b = other.itemValues(metric);
        if (a == null || b == null) return new RunComparison.Difference(value - firstValue, null, false);
        double[] aligned = alignedToFirst(first, other, b);
        if (aligned != null) {
            return new RunComparison.Difference(value - firstValue,
                    Bootstrap.pairedDifferenceCi(a, aligned, o.resamples(), seed, o.level()), true);
        }
        return new RunComparison.Difference(value - firstValue,
                Bootstrap.unpairedDifferenceCi(a, b, o.resamples(), seed, o.level()), false);
    }

    /** {@code otherValues} reordered to the first run's item order when both runs have the same unique ids; else null. */
    static double[] alignedToFirst(BenchmarkResult first, BenchmarkResult other, double[] otherValues) {
        if (first.items().size() != other.items().size() || !first.idsUnique() || !other.idsUnique()) return null;
        Map<String, Integer> index = new HashMap<>();
        List<String> ids = other.itemIds();
        for (int i = 0; i < ids.size(); i++) index.put(ids.get(i), i);
        double[] out = new double[otherValues.length];
        List<String> firstIds = first.itemIds();
        for (int i = 0; i < firstIds.size(); i++) {
            Integer j = index.get(firstIds.get(i));
            if (j == null) return null;
            out[i] = otherValues[j];
        }
        return out;
    }

    private static Double value(BenchmarkResult b, String metric) {
        for (Map.Entry<String, Double> row : b.summary().rows()) if (row.getKey().equals(metric)) return row.getValue();
        return null;
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static final String USAGE = """
            usage: lorapar eval --compare RUN.json RUN.json [RUN.json ...] [--resamples B] [--seed S] [--level L] [--out FILE.md]
              compares evaluation runs (files written by lorapar eval) side by side: differences to the first run
              with percentile bootstrap CIs (paired over items when the runs scored the same items).
              --resamples B   bootstrap resamples (default 10000)
              --seed S        bootstrap seed (default 42): the same files and seed give the same table
              --level L       confidence level (default 0.95)
              --out FILE.md   also write the table to this file
            """;

    /** The command without System.exit, for tests: 0 done, 2 bad arguments, 1 a run file could not be read. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        List<Path> files = new ArrayList<>();
        Options o = Options.defaults();
        int resamples = o.resamples();
        long seed = o.seed();
        double level = o.level();
        Path outFile = null;
        try {
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "--help", "-h" -> {
                        out.print(USAGE);
                        return 0;
                    }
                    case "--compare" -> { }
                    case "--resamples" -> resamples = Integer.parseInt(value(args, ++i, a));
                    case "--seed" -> seed = Long.parseLong(value(args, ++i, a));
                    case "--level" -> level = Double.parseDouble(value(args, ++i, a));
                    case "--out" -> outFile = Path.of(value(args, ++i, a));
                    default -> {
                        if (a.startsWith("--")) throw new IllegalArgumentException("unknown option " + a);
                        files.add(Path.of(a));
                    }
                }
            }
            if (files.size() < 2) throw new IllegalArgumentException("give at least two run files to compare (got " + files.size() + ")");
            o = new Options(resamples, seed, level);
        } catch (IllegalArgumentException e) { // NumberFormatException included
            err.println("lorapar eval --compare: " + e.getMessage());
            err.print(USAGE);
            return 2;
        }
        try {
            String table = compareFiles(files, o).toMarkdown();
            out.print(table);
            if (outFile != null) {
                Path parent = outFile.toAbsolutePath().getParent();
                if (parent != null) Files.createDirectories(parent);
                Files.writeString(outFile, table, StandardCharsets.UTF_8);
            }
            return 0;
        } catch (IOException e) {
            err.println("lorapar eval --compare: " + e.getMessage());
            return 1;
        }
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) throw new IllegalArgumentException(option + " needs a value");
        return args[i];
    }
}
