package dev.lorapar.bench.gpu;

import dev.lorapar.demo.DemoAccuracy;
import dev.lorapar.demo.DemoAssets;
import dev.lorapar.demo.DemoScale;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Times the demo's assets at a scale (default gpu: the 50–100M-parameter base on thousands of items) for each seed:
 * benchmark + tokenizer + base pretraining from scratch (a fresh cache folder), the cached second preparation, and
 * greedy scoring of the base on the S1 / S2 test sets; writes {@code demo-assets.md} and {@code demo-assets.csv}
 * to {@code --out}. {@code --smoke} rehearses the same path at the tiny scale on the CPU in seconds.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp benchmarks/target/benchmarks.jar dev.lorapar.bench.gpu.DemoAssetsBench \
 *      --scale gpu --seeds 1,2,3 --out /tmp/demo-bench
 * </pre>
 */
public final class DemoAssetsBench {
    private DemoAssetsBench() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    public static int run(String[] args, PrintStream out, PrintStream err) {
        String scale = "gpu", device = "auto";
        List<Long> seeds = new ArrayList<>(List.of(42L));
        Path outDir = Path.of("demo-bench-out");
        int limit = Integer.MAX_VALUE, batch = 64;
        try {
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (a.equals("--smoke")) {
                    scale = "tiny";
                    device = "cpu";
                    limit = 4;
                    continue;
                }
                if (i + 1 >= args.length) throw new IllegalArgumentException(a + " needs a value");
                String v = args[++i];
                switch (a) {
                    case "--scale" -> scale = v;
                    case "--device" -> device = v;
                    case "--out" -> outDir = Path.of(v);
                    case "--limit" -> limit = Integer.parseInt(v);
                    case "--batch" -> batch = Integer.parseInt(v);
                    case "--seeds" -> {
                        seeds.clear();
                        for (String s : v.split(",")) seeds.add(Long.parseLong(s.trim()));
                    }
                    default -> throw new IllegalArgumentException("unknown argument '" + a + "'");
                }
            }
            DemoScale.parse(scale, 0);
        } catch (IllegalArgumentException e) {
            err.println("DemoAssetsBench: " + e.getMessage());
            return 2;
        }
        try {
            Files.createDirectories(outDir);
            StringBuilder csv = new StringBuilder("scale,seed,parameters,pretrain_steps,first_loss,last_loss,"
                    + "prepare_s,cached_prepare_s,score_s,s1_accuracy,s2_accuracy,s1_items,s2_items\n");
            StringBuilder md = new StringBuilder("# demo assets (" + scale + " scale, device " + device + ")\n\n"
                    + "| seed | parameters | steps | loss first → last | prepare s | cached s | score s | base S1 | base S2 |\n"
                    + "|---|---|---|---|---|---|---|---|---|\n");
            for (long seed : seeds) {
                DemoScale s = DemoScale.parse(scale, seed);
                Path cache = outDir.resolve("cache-" + seed);
                long t0 = System.nanoTime();
                DemoAssets.Prepared p = DemoAssets.prepare(cache, s, device, err);
                double prepare = (System.nanoTime() - t0) / 1e9;
                t0 = System.nanoTime();
                DemoAssets.prepare(cache, s, device, err);
                double cached = (System.nanoTime() - t0) / 1e9;
                t0 = System.nanoTime();
                DemoAccuracy.Result r = DemoAccuracy.score(p.baseModel(), null, p.testS1(), p.testS2(), device, batch,
                        limit);
                DemoAccuracy.SetAccuracy[] acc = {r.s1(), r.s2()};
                double score = (System.nanoTime() - t0) / 1e9;
                csv.append(String.format(Locale.ROOT, "%s,%d,%d,%d,%.4f,%.4f,%.1f,%.2f,%.1f,%.4f,%.4f,%d,%d%n", scale,
                        seed, p.parameters(), p.summary().steps(), p.summary().firstLoss(), p.summary().lastLoss(),
                        prepare, cached, score, acc[0].fraction(), acc[1].fraction(), acc[0].total(), acc[1].total()));
                md.append(String.format(Locale.ROOT, "| %d | %,d | %d | %.3f → %.3f | %.1f | %.2f | %.1f | %s | %s |%n",
                        seed, p.parameters(), p.summary().steps(), p.summary().firstLoss(), p.summary().lastLoss(),
                        prepare, cached, score, acc[0], acc[1]));
                out.printf(Locale.ROOT, "seed %d: prepare %.1f s (cached %.2f s), score %.1f s, base %s, %s%n", seed,
                        prepare, cached, score, acc[0], acc[1]);
            }
            Files.writeString(outDir.resolve("demo-assets.csv"), csv);
            Files.writeString(outDir.resolve("demo-assets.md"), md);
            out.print(md);
            return 0;
        } catch (IOException | RuntimeException e) {
            err.println("DemoAssetsBench: failed: " + e);
            return 1;
        }
    }
}
