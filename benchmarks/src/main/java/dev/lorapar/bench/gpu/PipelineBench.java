package dev.lorapar.bench.gpu;

import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.core.Stream;
import dev.lorapar.model.LlamaConfig;
import dev.lorapar.model.LlamaWeights;
import dev.lorapar.model.LoraAdapter;
import dev.lorapar.model.LoraConfig;
import dev.lorapar.model.LoraInit;
import dev.lorapar.model.LoraTarget;
import dev.lorapar.model.RopeStyle;
import dev.lorapar.pipeline.partition.Partition;
import dev.lorapar.pipeline.partition.PartitionRun;
import dev.lorapar.pipeline.partition.Partitioner;
import dev.lorapar.pipeline.score.ImportanceScorer;
import dev.lorapar.pipeline.score.ImportanceScores;
import dev.lorapar.train.data.Sample;
import dev.lorapar.train.data.SourceLine;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Issue 8's pipeline timings at LLaMA-2-7B shape (random bf16 weights, as in {@link ModelBench}): the method's LoRA
 * (r 8, alpha 64, QKVGUD, Gaussian σ = 0.01 on A and B: 17,891,328 elements at 32 layers); Taylor importance scoring
 * of {@code systems} × {@code samples} samples of {@code seq} tokens (batch 1, loss on the second half: the
 * "answer"), then the partition over all elements (θ, α = β = 1) on the device, and the whole partition stage
 * (importance files read, masks, statistics and plots written). Target (issue 8): scoring + partition under 5 min.
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp benchmarks.jar dev.lorapar.bench.gpu.PipelineBench \
 *      [--layers 32] [--seq 512] [--samples 100] [--systems 2] [--theta 0.9] [--device cuda:0] [--smoke]
 * </pre>
 * {@code --smoke}: a 2-layer 64-wide model on the CPU, 3 samples of 24 tokens: the same code path in seconds.
 */
public final class PipelineBench {
    private PipelineBench() {
    }

    public static void main(String[] args) throws IOException {
        System.exit(run(args, System.out));
    }

    public static int run(String[] args, PrintStream out) throws IOException {
        int layers = 32, seq = 512, samples = 100, systems = 2;
        double theta = 0.9;
        Device device = Device.cuda(0);
        boolean smoke = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--layers" -> layers = Integer.parseInt(args[++i]);
                case "--seq" -> seq = Integer.parseInt(args[++i]);
                case "--samples" -> samples = Integer.parseInt(args[++i]);
                case "--systems" -> systems = Integer.parseInt(args[++i]);
                case "--theta" -> theta = Double.parseDouble(args[++i]);
                case "--device" -> device = Device.parse(args[++i]);
                case "--smoke" -> smoke = true;
                default -> throw new IllegalArgumentException("PipelineBench: unknown argument " + args[i]);
            }
        }
        LlamaConfig c = new LlamaConfig(4096, 11008, layers, 32, 32, 32000, 4096, 1e-5, 10000, false,
                RopeStyle.ROTATE_HALF);
        if (smoke) {
            c = new LlamaConfig(64, 172, 2, 8, 4, 512, 256, 1e-5, 10000, true, RopeStyle.ROTATE_HALF);
            seq = 24;
            samples = 3;
            device = Device.CPU;
        }
        DType dt = device.isCuda() ? DType.BF16 : DType.F32;
        LoraConfig lora = new LoraConfig(8, 64, EnumSet.of(LoraTarget.Q, LoraTarget.K, LoraTarget.V, LoraTarget.GATE,
                LoraTarget.UP, LoraTarget.DOWN), new LoraInit.Gaussian(0.01), 3);
        List<String> table = new ArrayList<>();
        table.add(String.format("%-44s %12s %14s", "PipelineBench (" + c.nLayers() + " layers, " + dt + ", " + device + ")",
                "seconds", "rate"));
        float[][] importance = new float[systems][];
        ImportanceScores first = null;
        double scoreSeconds = 0;
        try (Stream stream = Stream.create(device)) {
            long t0 = System.nanoTime();
            try (LlamaWeights w = LlamaWeights.randomForBenchmark(c, stream, dt, 7);
                 LoraAdapter adapter = LoraAdapter.create(w, lora, stream);
                 ImportanceScorer scorer = new ImportanceScorer(adapter, stream, seq)) {
                out.printf(Locale.ROOT, "PipelineBench: model and adapter ready in %.1f s%n", (System.nanoTime() - t0) / 1e9);
                scorer.score("warmup", randomSamples(c, 1, seq, 99), null);
                for (int s = 0; s < systems; s++) {
                    List<Sample> batch = randomSamples(c, samples, seq, s + 1);
                    long t = System.nanoTime();
                    ImportanceScores scores = scorer.score("s" + (s + 1), batch, null);
                    double sec = (System.nanoTime() - t) / 1e9;
                    scoreSeconds += sec;
                    importance[s] = scores.values();
                    if (first == null) first = scores;
                    table.add(String.format(Locale.ROOT, "%-44s %12.2f %10.2f s/s", "score s" + (s + 1) + ": " + samples
                            + " samples × " + seq + " tokens", sec, samples / sec));
                }
            }
            long n = importance[0].length;
            out.printf(Locale.ROOT, "PipelineBench: %,d LoRA elements%s%n", n,
                    layers == 32 && !smoke ? (n == 17_891_328L ? " (= the paper's 17,891,328)" : " (expected 17,891,328!)") : "");
            double[] shares = new double[systems];
            java.util.Arrays.fill(shares, 1.0);
            Partitioner.partition(stream, importance, theta, shares, false); // warm-up
            long t = System.nanoTime();
            Partition p = Partitioner.partition(stream, importance, theta, shares, false);
            double partSec = (System.nanoTime() - t) / 1e9;
            table.add(String.format(Locale.ROOT, "%-44s %12.3f %10.1f M/s", "partition on device (θ " + theta + ", "
                    + systems + " systems)", partSec, n / partSec / 1e6));
            table.add(String.format(Locale.ROOT, "%-44s %12s", "  stage masks (% of LoRA elements)",
                    percent(p.stageSizes()[0], n) + " / " + percent(p.stageSizes()[1], n)));

            Path tmp = Files.createTempDirectory("pipeline-bench");
            try {
                List<PartitionRun.Input> inputs = new ArrayList<>();
                for (int s = 0; s < systems; s++) {
                    Path f = tmp.resolve("importance-s" + (s + 1) + ".safetensors");
                    new ImportanceScores("s" + (s + 1), first.matrices(), importance[s], samples).write(f);
                    inputs.add(new PartitionRun.Input("s" + (s + 1), f));
                }
                ByteArrayOutputStream log = new ByteArrayOutputStream();
                t = System.nanoTime();
                PartitionRun.run(tmp.resolve("runs"), inputs, theta, shares, device, true,
                        new PrintStream(log, true, StandardCharsets.UTF_8));
                double stageSec = (System.nanoTime() - t) / 1e9;
                table.add(String.format(Locale.ROOT, "%-44s %12.2f", "partition stage (files, stats, masks, PNGs)", stageSec));
                table.add(String.format(Locale.ROOT, "%-44s %12.2f %14s", "score + partition stage (target < 300 s)",
                        scoreSeconds + stageSec, scoreSeconds + stageSec < 300 ? "within target" : "OVER TARGET"));
            } finally {
                deleteTree(tmp);
            }
        }
        out.println();
        table.forEach(out::println);
        return 0;
    }

    private static String percent(long part, long whole) {
        return String.format(Locale.ROOT, "%.2f%%", 100.0 * part / whole);
    }

    /** count random samples of seq tokens; the first half is prompt (no loss), the second half answer. */
    static List<Sample> randomSamples(LlamaConfig c, int count, int seq, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Sample> out = new ArrayList<>();
        for (int k = 0; k < count; k++) {
            int[] tokens = new int[seq], targets = new int[seq];
            for (int i = 0; i < seq; i++) {
                tokens[i] = random.nextInt(c.vocabSize());
                targets[i] = i < seq / 2 ? -1 : random.nextInt(c.vocabSize());
            }
            out.add(new Sample(tokens, targets, new SourceLine(Path.of("random"), k + 1)));
        }
        return out;
    }

    private static void deleteTree(Path root) throws IOException {
        try (var walk = Files.walk(root)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
