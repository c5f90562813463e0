package dev.lorapar.bench.gpu;

import static dev.lorapar.bench.gpu.Check.fmt;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The rows of one GpuBench run: printed as they come, written at the end as results.md and
 * results.csv. Knows the two ceilings (measured first) and turns FLOP and bytes into TFLOP/s, GB/s
 * and percent of ceiling.
 */
final class Report {
    static final String GEMM_CEILING = "GEMM";
    static final String COPY_CEILING = "copy";

    /**
     * One line of the table. Doubles are NaN where they do not apply; stats is null for rows that
     * compare two other rows.
     */
    record Row(String section, String measurement, String shape, Stats stats, double tflops, double gbps,
               double percentOfCeiling, String ceiling, Check check) {}

    private final PrintStream console;
    private final Map<String, String> header;
    private final List<Row> rows = new ArrayList<>();
    private final List<String> errors = new ArrayList<>();
    private double copyGBps = Double.NaN;    // the D2D copy ceiling, bytes read + written per second / 1e9
    private double gemmTflops = Double.NaN;  // the bf16 GEMM ceiling

    Report(PrintStream console, Map<String, String> header) {
        this.console = console;
        this.header = new LinkedHashMap<>(header);
        header.forEach((key, value) -> console.println(fmt("%-14s %s", key + ":", value)));
        console.println();
        console.println(fmt("%-2s %-46s %-24s %10s %10s %8s %8s %8s %7s  %-18s %-20s %s", "", "measurement", "shape",
                "median ms", "min ms", "host ms", "TFLOP/s", "GB/s", "% ceil", "value", "target", "result"));
    }

    /** The bandwidth ceiling: a device-to-device copy that moves bytesMoved bytes (read + written). */
    void copyCeiling(String measurement, String shape, Stats stats, double bytesMoved) {
        copyGBps = bytesMoved / (stats.medianMillis() * 1e6);
        add(new Row("0", measurement, shape, stats, Double.NaN, copyGBps, 100.0, COPY_CEILING, null));
    }

    /** The compute ceiling: a large bf16 GEMM of `flop` floating-point operations. */
    void gemmCeiling(String measurement, String shape, Stats stats, double flop) {
        gemmTflops = flop / (stats.medianMillis() * 1e9);
        add(new Row("0", measurement, shape, stats, gemmTflops, Double.NaN, 100.0, GEMM_CEILING, null));
    }

    /** A compute-bound measurement: TFLOP/s and percent of the GEMM ceiling; check may be null. */
    void compute(String section, String measurement, String shape, Stats stats, double flop, Check check) {
        double tflops = flop / (stats.medianMillis() * 1e9);
        add(new Row(section, measurement, shape, stats, tflops, Double.NaN, 100.0 * tflops / gemmTflops,
                GEMM_CEILING, check));
    }

    /**
     * A bandwidth-bound measurement: GB/s and percent of the copy ceiling, held against
     * minPercentOfCopy when that is not null.
     */
    void bandwidth(String section, String measurement, String shape, Stats stats, double bytes,
                   Double minPercentOfCopy) {
        double gbps = bytes / (stats.medianMillis() * 1e6);
        double percent = 100.0 * gbps / copyGBps;
        Check check = minPercentOfCopy == null ? null : Check.percentAtLeast(percent, minPercentOfCopy, "copy");
        add(new Row(section, measurement, shape, stats, Double.NaN, gbps, percent, COPY_CEILING, check));
    }

    /** A latency measurement held against maxMillis (its median) when that is not null. */
    void latency(String section, String measurement, String shape, Stats stats, Double maxMillis) {
        Check check = maxMillis == null ? null : Check.millisBelow(stats.medianMillis(), maxMillis);
        add(new Row(section, measurement, shape, stats, Double.NaN, Double.NaN, Double.NaN, "", check));
    }

    /** A row that only compares other rows (a ratio or a difference). */
    void comparison(String section, String measurement, String shape, Check check) {
        add(new Row(section, measurement, shape, null, Double.NaN, Double.NaN, Double.NaN, "", check));
    }

    /** A part of the run that failed; the run goes on with the next part. */
    void error(String part, Throwable failure) {
        StringWriter trace = new StringWriter();
        failure.printStackTrace(new PrintWriter(trace));
        errors.add(part + ": " + failure);
        console.println("ERROR in " + part + ": " + failure);
        console.print(trace);
    }

    boolean hasErrors() {
        return !errors.isEmpty();
    }

    List<Row> rows() {
        return List.copyOf(rows);
    }

    private void add(Row row) {
        rows.add(row);
        console.println(consoleLine(row));
        console.flush();
    }

    private static String consoleLine(Row row) {
        Check check = row.check();
        return fmt("%-2s %-46s %-24s %10s %10s %8s %8s %8s %7s  %-18s %-20s %s", row.section(), row.measurement(),
                row.shape(), millis(row.stats(), true), millis(row.stats(), false),
                row.stats() == null ? "" : number(row.stats().hostMillis(), 3), number(row.tflops(), 1),
                number(row.gbps(), 0), number(row.percentOfCeiling(), 1), check == null ? "" : check.value(),
                check == null ? "(info)" : check.target(), check == null ? "" : check.result());
    }

    /** Writes results.md and results.csv into out (created if missing). */
    void write(Path out) throws IOException {
        Files.createDirectories(out);
        Files.writeString(out.resolve("results.md"), markdown(), StandardCharsets.UTF_8);
        Files.writeString(out.resolve("results.csv"), csv(), StandardCharsets.UTF_8);
    }

    String markdown() {
        StringBuilder md = new StringBuilder("# lorapar GPU benchmark results\n\n");
        header.forEach((key, value) -> md.append("- ").append(key).append(": ").append(value).append('\n'));
        md.append('\n');
        md.append("| | measurement | shape | median ms | min ms | host ms | TFLOP/s | GB/s | % ceiling | value | target | result |\n");
        md.append("|---|---|---|---:|---:|---:|---:|---:|---:|---|---|---|\n");
        for (Row row : rows) {
            Check check = row.check();
            md.append(fmt("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", row.section(),
                    row.measurement(), row.shape(), millis(row.stats(), true), millis(row.stats(), false),
                    row.stats() == null ? "" : number(row.stats().hostMillis(), 3),
                    number(row.tflops(), 1), number(row.gbps(), 0), percentCell(row), check == null ? "" : check.value(),
                    check == null ? "(info)" : check.target(), check == null ? "" : "**" + check.result() + "**"));
        }
        if (!errors.isEmpty()) {
            md.append("\n## Errors\n\n");
            errors.forEach(error -> md.append("- ").append(error.replace('\n', ' ')).append('\n'));
        }
        md.append("""

                ## How to read this

                - Times are per call. Each measurement takes the median and the minimum over its samples; on
                  CUDA a sample is a batch of back-to-back calls between two lorapar Events on the stream,
                  divided by the number of calls; section f is wall-clock time of single calls (they synchronize).
                - host ms: the median host time to enqueue one call (Java checks, native entry, launches).
                  When it comes close to the median, the GPU was waiting for the host: the row measures the
                  host path, not the kernels.
                - Inputs rotate over at least two buffer sets that together exceed twice the L2 cache, so no
                  call finds its inputs in cache.
                - % ceiling: GEMM rows against the large bf16 GEMM measured first (row 0), bandwidth rows
                  against the device-to-device copy measured first (bytes read + written), both by median.
                - Bytes counted: d) accumulate 24 B/element (grad and param read, s1 and s2 read and written),
                  finalize 12 B, norm 4 B; e) AdamW all-active 30 B/element (param, m, v read and written,
                  grad read, bf16 copy written); masked: the mask (1 B/element) plus every 32-byte sector that
                  holds at least one active element, in each of those arrays (what the memory system moves).
                - Targets are the project's goals: MISS marks work still to do, not a broken run.
                """);
        return md.toString();
    }

    String csv() {
        StringBuilder csv = new StringBuilder(
                "section,measurement,shape,median_ms,min_ms,host_ms,samples,calls_per_sample,tflops,gbps,pct_of_ceiling,"
                        + "ceiling,value,target,result\n");
        for (Row row : rows) {
            Stats stats = row.stats();
            Check check = row.check();
            List<String> cells = List.of(row.section(), row.measurement(), row.shape(),
                    stats == null ? "" : fmt("%.6f", stats.medianMillis()),
                    stats == null ? "" : fmt("%.6f", stats.minMillis()),
                    stats == null ? "" : number(stats.hostMillis(), 6),
                    stats == null ? "" : Integer.toString(stats.samples()),
                    stats == null ? "" : Integer.toString(stats.callsPerSample()),
                    number(row.tflops(), 3), number(row.gbps(), 2), number(row.percentOfCeiling(), 2), row.ceiling(),
                    check == null ? "" : check.value(), check == null ? "" : check.target(),
                    check == null ? "" : check.result());
            csv.append(String.join(",", cells.stream().map(Report::csvCell).toList())).append('\n');
        }
        return csv.toString();
    }

    private static String percentCell(Row row) {
        String number = number(row.percentOfCeiling(), 1);
        return number.isEmpty() ? "" : number + " (" + row.ceiling() + ")";
    }

    private static String millis(Stats stats, boolean median) {
        if (stats == null) {
            return "";
        }
        return fmt("%.3f", median ? stats.medianMillis() : stats.minMillis());
    }

    private static String number(double value, int decimals) {
        return Double.isNaN(value) ? "" : fmt("%." + decimals + "f", value);
    }

    private static String csvCell(String cell) {
        if (cell.contains(",") || cell.contains("\"") || cell.contains("\n")) {
            return '"' + cell.replace("\"", "\"\"") + '"';
        }
        return cell;
    }
}
