package dev.lorapar.bench.gpu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lorapar.cli.Lorapar;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The demo's results over several seeds (issue 9): {@code lorapar demo --scale S --seed s} for each seed (each seed is
 * its own world, tokenizer and base), then per arm and stage the mean ± sample sd over the seeds of S1 / S2 test
 * accuracy and of the trained share of LoRA elements, plus each run's wall time. Prints the table last.
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp benchmarks.jar dev.lorapar.bench.gpu.DemoSeedsBench \
 *      [--scale gpu] [--seeds 1,2,3] [--device cuda:0] [--cache_dir DIR]
 * </pre>
 */
public final class DemoSeedsBench {
    private DemoSeedsBench() {
    }

    public static void main(String[] args) throws IOException {
        System.exit(run(args, System.out));
    }

    public static int run(String[] args, PrintStream out) throws IOException {
        String scale = "gpu", device = "auto";
        String[] seeds = {"1", "2", "3"};
        Path cache = Files.createTempDirectory("demo-seeds");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--scale" -> scale = args[++i];
                case "--seeds" -> seeds = args[++i].split(",");
                case "--device" -> device = args[++i];
                case "--cache_dir" -> cache = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("DemoSeedsBench: unknown argument " + args[i]);
            }
        }
        Map<String, List<double[]>> byRow = new LinkedHashMap<>(); // "arm stage" → per seed {S1, S2, trained %}
        List<String> times = new ArrayList<>();
        for (String seed : seeds) {
            long t0 = System.nanoTime();
            int status = Lorapar.run(new String[] {"demo", "--scale", scale, "--seed", seed.trim(), "--device", device,
                    "--cache_dir", cache.toString()}, out, out);
            double seconds = (System.nanoTime() - t0) / 1e9;
            if (status != 0) {
                out.println("DemoSeedsBench: lorapar demo --seed " + seed + " exited with " + status);
                return status;
            }
            times.add(String.format(Locale.ROOT, "seed %s: %.1f s", seed.trim(), seconds));
            JsonNode report = newestReport(cache);
            add(byRow, "base -", report.get("base"), 0);
            for (JsonNode r : report.get("results")) {
                add(byRow, r.get("arm").asText() + " " + r.get("stage").asText(), r.get("metrics"),
                        r.get("trained_percent").asDouble());
            }
        }
        out.println();
        out.printf(Locale.ROOT, "demo --scale %s over seeds %s (mean ± sd): %s%n", scale, String.join(",", seeds),
                String.join(", ", times));
        out.printf(Locale.ROOT, "%-16s %16s %16s %16s%n", "arm after", "S1 accuracy %", "S2 accuracy %", "trained %");
        byRow.forEach((row, values) -> out.printf(Locale.ROOT, "%-16s %16s %16s %16s%n", row, meanSd(values, 0, 100),
                meanSd(values, 1, 100), meanSd(values, 2, 1)));
        return 0;
    }

    private static void add(Map<String, List<double[]>> byRow, String row, JsonNode metrics, double trained) {
        byRow.computeIfAbsent(row, k -> new ArrayList<>()).add(new double[] {
            metrics.path("S1 accuracy").asDouble(Double.NaN), metrics.path("S2 accuracy").asDouble(Double.NaN), trained});
    }

    /** "m ± sd" of column {@code c} times {@code scale}; sd is the sample standard deviation (n − 1). */
    static String meanSd(List<double[]> values, int c, double scale) {
        double sum = 0;
        for (double[] v : values) sum += v[c] * scale;
        double mean = sum / values.size(), ss = 0;
        for (double[] v : values) ss += (v[c] * scale - mean) * (v[c] * scale - mean);
        double sd = values.size() > 1 ? Math.sqrt(ss / (values.size() - 1)) : 0;
        return String.format(Locale.ROOT, "%.2f ± %.2f", mean, sd);
    }

    private static JsonNode newestReport(Path cache) throws IOException {
        try (Stream<Path> files = Files.walk(cache)) {
            Path newest = files.filter(p -> p.getFileName().toString().equals("report.json"))
                    .max((a, b) -> Long.compare(a.toFile().lastModified(), b.toFile().lastModified()))
                    .orElseThrow(() -> new IOException("no report.json under " + cache));
            return new ObjectMapper().readTree(newest.toFile());
        }
    }
}
