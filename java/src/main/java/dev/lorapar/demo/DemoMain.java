package dev.lorapar.demo;

import dev.lorapar.pipeline.RunMain;
import dev.lorapar.pipeline.experiment.Experiment;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;

/**
 * {@code lorapar demo}: the whole method on the built-in default, with nothing downloaded. It prepares the demo's
 * assets — the synthetic System-1 / System-2 benchmark, its tokenizer and the base model lorapar pretrains itself
 * (cached) — then runs the method as a {@code lorapar run} experiment ({@link DemoExperiment}): classification by a
 * cheap local voter, importance, θ = 0.9 partition, and LoRA-PAR against plain LoRA and a random subset of the same size
 * through SFT then GRPO; it prints the S1/S2 test accuracy of base / LoRA / random / LoRA-PAR, the trained share of
 * LoRA elements and the timings, and writes the report with its plots. Exit status 0 done, 2 bad arguments, 1
 * anything else.
 */
public final class DemoMain {
    private DemoMain() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static String usage() {
        return """
                usage: lorapar demo [--scale cpu|gpu|tiny] [--seed N] [--cache_dir DIR] [--device auto|cpu|cuda:N]
                                    [--batch N] [--limit N]
                  --scale      cpu (default: fits a few minutes on 2 CPU cores), gpu (a 50–100M-parameter base on
                               thousands of items, for an H200) or tiny (seconds; for tests)
                  --seed       seed of the generated world, the items and the base's init [42]
                  --cache_dir  where the benchmark, tokenizer and pretrained base are cached [~/.cache/lorapar/demo]
                  --device     auto (the first GPU when there is one), cpu or cuda:N [auto]
                  --batch      prompts generated at once when scoring [64]
                  --limit      score only the first N items of each test set [all]
                On a CPU shared with other work, OMP_NUM_THREADS=1 runs the tiny model's small matrices much faster
                than several threads (measured: 0.2 s vs 1.8 s per pretraining step on a busy 2-core machine).
                """;
    }

    public static int run(String[] args, PrintStream out, PrintStream err) {
        String scale = "cpu", device = "auto";
        long seed = 42;
        int batch = 64, limit = Integer.MAX_VALUE;
        Path cache = Path.of(System.getProperty("user.home"), ".cache", "lorapar", "demo");
        try {
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (a.equals("--help") || a.equals("-h")) {
                    out.print(usage());
                    return 0;
                }
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(a + " needs a value");
                }
                String v = args[++i];
                switch (a.replace('-', '_')) {
                    case "__scale" -> scale = v;
                    case "__seed" -> seed = Long.parseLong(v);
                    case "__cache_dir" -> cache = Path.of(v);
                    case "__device" -> device = v;
                    case "__batch" -> batch = Integer.parseInt(v);
                    case "__limit" -> limit = Integer.parseInt(v);
                    default -> throw new IllegalArgumentException("unknown option " + a);
                }
            }
            DemoScale demoScale = DemoScale.parse(scale, seed);
            long t0 = System.nanoTime();
            DemoAssets.Prepared p = DemoAssets.prepare(cache, demoScale, device, err);
            out.printf(Locale.ROOT, "demo assets (%s scale, seed %d) in %s%n", demoScale.name(), seed, p.dir());
            out.println("  base model:  " + p.baseModel() + (p.cached() ? " (cached)" : " (pretrained now)")
                    + String.format(Locale.ROOT, ", %,d parameters", p.parameters()));
            out.println("  loss curve:  " + p.lossPlot());
            out.println("  train S1/S2: " + p.trainS1() + ", " + p.trainS2());
            out.println("  test S1/S2:  " + p.testS1() + ", " + p.testS2());
            Path runDir = p.dir().resolve("run-" + seed + "-" + device.replace(':', '_'));
            Path file = DemoExperiment.write(p, demoScale, runDir, device, seed);
            out.println("  experiment:  " + file);
            Path report = RunMain.run(Experiment.read(file), DemoExperiment.evaluator(p, device, batch, limit),
                    DemoSummary.NOTE, out, err);
            out.println();
            out.print(DemoSummary.table(report.getParent().resolve("report.json"), runDir.resolve("train-all.jsonl")));
            out.printf(Locale.ROOT, "report: %s (plots beside it); total %.1f s%n", report,
                    (System.nanoTime() - t0) / 1e9);
            return 0;
        } catch (NumberFormatException e) {
            err.println("lorapar demo: not a number: " + e.getMessage() + "\n" + usage());
            return 2;
        } catch (IllegalArgumentException e) {
            err.println("lorapar demo: " + e.getMessage());
            return 2;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("lorapar demo: interrupted");
            return 1;
        } catch (IOException | RuntimeException e) {
            err.println("lorapar demo: failed: " + e);
            return 1;
        }
    }
}
