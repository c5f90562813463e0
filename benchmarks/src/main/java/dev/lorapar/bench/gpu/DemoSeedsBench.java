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
 * With {@code --jobs N > 1} up to N seeds run at once, each as a child JVM ({@code lorapar demo} on the same class
 * path, its output in {@code cache_dir/seed-s.log}); a small base leaves most of an H200 idle, so seeds share it.
 * Wall times of concurrent runs include the sharing.
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp benchmarks.jar dev.lorapar.bench.gpu.DemoSeedsBench \
 *      [--scale gpu] [--seeds 1,2,3] [--device cuda:0] [--cache_dir DIR] [--jobs 1]
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
        Path cache = null;
        int jobs = 1;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--scale" -> scale = args[++i];
                case "--seeds" -> seeds = args[++i].split(",");
                case "--device" -> device = args[++i];
                case "--cache_dir" -> cache = Path.of(args[++i]);
                case "--jobs" -> jobs = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("DemoSeedsBench: unknown argument " + args[i]);
            }
        }
        if (jobs < 1) throw new IllegalArgumentException("DemoSeedsBench: --jobs must be at least 1, got " + jobs);
        if (cache == null) cache = Files.createTempDirectory("demo-seeds");
        double[] seconds = new double[seeds.length];
        int status = jobs == 1 ? runInProcess(scale, device, seeds, cache, seconds, out)
                : runAsChildren(scale, device, seeds, cache, jobs, seconds, out);
        if (status != 0) return status;
        Map<String, List<double[]>> byRow = new LinkedHashMap<>(); // "arm stage" → per seed {S1, S2, trained %}
        List<String> times = new ArrayList<>();
        for (int k = 0; k < seeds.length; k++) {
            String seed = seeds[k].trim();
            times.add(String.format(Locale.ROOT, "seed %s: %.1f s", seed, seconds[k]));
            JsonNode report = newestReport(seedCache(cache, seed));
            add(byRow, "base -", report.get("base"), 0);
            for (JsonNode r : report.get("results")) {
                add(byRow, r.get("arm").asText() + " " + r.get("stage").asText(), r.get("metrics"),
                        r.get("trained_percent").asDouble());
            }
        }
        out.println();
        out.printf(Locale.ROOT, "demo --scale %s over seeds %s (mean ± sd; %d at a time): %s%n", scale,
                String.join(",", seeds), Math.min(jobs, seeds.length), String.join(", ", times));
        out.printf(Locale.ROOT, "%-16s %16s %16s %16s%n", "arm after", "S1 accuracy %", "S2 accuracy %", "trained %");
        byRow.forEach((row, values) -> out.printf(Locale.ROOT, "%-16s %16s %16s %16s%n", row, meanSd(values, 0, 100),
                meanSd(values, 1, 100), meanSd(values, 2, 1)));
        return 0;
    }

    /** Each seed's own cache folder: its report is the newest report.json there. */
    private static Path seedCache(Path cache, String seed) {
        return cache.resolve("seed-" + seed);
    }

    private static String[] demoArgs(String scale, String device, String seed, Path cache) {
        return new String[] {"demo", "--scale", scale, "--seed", seed, "--device", device, "--cache_dir",
            seedCache(cache, seed).toString()};
    }

    private static int runInProcess(String scale, String device, String[] seeds, Path cache, double[] seconds,
            PrintStream out) {
        for (int k = 0; k < seeds.length; k++) {
            long t0 = System.nanoTime();
            int status = Lorapar.run(demoArgs(scale, device, seeds[k].trim(), cache), out, out);
            seconds[k] = (System.nanoTime() - t0) / 1e9;
            if (status != 0) {
                out.println("DemoSeedsBench: lorapar demo --seed " + seeds[k].trim() + " exited with " + status);
                return status;
            }
        }
        return 0;
    }

    /** Up to {@code jobs} child JVMs at once ({@code lorapar demo}, this JVM's java, class path and library path). */
    private static int runAsChildren(String scale, String device, String[] seeds, Path cache, int jobs,
            double[] seconds, PrintStream out) throws IOException {
        String java = ProcessHandle.current().info().command()
                .orElseThrow(() -> new IOException("DemoSeedsBench: cannot tell this JVM's java command"));
        List<String> jvm = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path")));
        String library = System.getProperty("lorapar.library.path");
        if (library != null) jvm.add("-Dlorapar.library.path=" + library);
        jvm.add(Lorapar.class.getName());
        Process[] running = new Process[seeds.length];
        List<java.util.concurrent.CompletableFuture<Long>> ended = new ArrayList<>(); // System.nanoTime() at exit
        long[] started = new long[seeds.length];
        int next = 0, failed = 0;
        for (int done = 0; done < seeds.length; ) {
            while (next < seeds.length && next - done < jobs) {
                String seed = seeds[next].trim();
                Files.createDirectories(seedCache(cache, seed));
                List<String> command = new ArrayList<>(jvm);
                command.addAll(List.of(demoArgs(scale, device, seed, cache)));
                Path log = cache.resolve("seed-" + seed + ".log");
                out.println("DemoSeedsBench: seed " + seed + " started (log " + log + ")");
                started[next] = System.nanoTime();
                running[next] = new ProcessBuilder(command).redirectErrorStream(true)
                        .redirectOutput(log.toFile()).start();
                ended.add(running[next].onExit().thenApply(p -> System.nanoTime()));
                next++;
            }
            try {
                int status = running[done].waitFor(); // children finish in about the order they started
                seconds[done] = (ended.get(done).join() - started[done]) / 1e9;
                out.printf(Locale.ROOT, "DemoSeedsBench: seed %s exited with %d after %.1f s%n", seeds[done].trim(),
                        status, seconds[done]);
                if (status != 0) failed++;
            } catch (InterruptedException e) {
                for (Process p : running) if (p != null) p.destroyForcibly();
                Thread.currentThread().interrupt();
                return 130;
            }
            done++;
        }
        if (failed > 0) {
            out.println("DemoSeedsBench: " + failed + " seed run(s) failed: see the seed-*.log files in " + cache);
            return 1;
        }
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
