package dev.lorapar.bench.gpu;

import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.core.Lorapar;
import dev.lorapar.core.Stream;
import dev.lorapar.model.GenerationRequest;
import dev.lorapar.model.GenerationResult;
import dev.lorapar.model.LlamaConfig;
import dev.lorapar.model.LlamaGenerator;
import dev.lorapar.model.LlamaWeights;
import dev.lorapar.model.LoraAdapter;
import dev.lorapar.model.LoraConfig;
import dev.lorapar.model.LoraInit;
import dev.lorapar.model.LoraTarget;
import dev.lorapar.model.RopeStyle;
import dev.lorapar.model.Sampling;
import dev.lorapar.rl.Advantages;
import dev.lorapar.rl.GrpoLoss;
import dev.lorapar.rl.GrpoTrainer;
import dev.lorapar.rl.Rollouts;
import dev.lorapar.train.LrSchedule;
import dev.lorapar.train.MaskedAdamW;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.SplittableRandom;

/**
 * GRPO step benchmark (issue 6): a LLaMA-2-7B-shaped model with random bf16 weights, LoRA r = 8, alpha 64 on q, k, v,
 * gate, up, down (the method's QKVGUD, reference N(0, 0.01²) init), {@code --prompts} prompts × G completions per step
 * in one generate call (prompt {@code --prompt} random tokens, exactly {@code --completion} new tokens: no EOS stop, as
 * random weights rarely stop; temperature 0.9 with per-completion seeds as {@link Rollouts} derives them), random
 * rewards → group advantages, then the reference log-probs (adapter disabled), the policy forward + forward/backward in
 * chunks of {@code --train-rows} sequences and the masked AdamW step. Prints per step the time of each phase, rollout
 * tokens/s and device memory in use (sampled after each phase: the peak of those samples; transient buffers inside a
 * phase are not seen), then the medians over the steps after the first (which captures the CUDA graph and warms up).
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp benchmarks.jar dev.lorapar.bench.gpu.GrpoBench \
 *      [--layers 32] [--prompts 8] [--group 8] [--prompt 128] [--completion 256] [--steps 4] [--train-rows 16]
 *      [--accumulation 1] [--recompute] [--device cuda:0] [--smoke]
 * </pre>
 * {@code --smoke}: a tiny model on the CPU (2 layers, dim 64), 2 prompts × 4, 16 + 16 tokens, 2 steps.
 */
public final class GrpoBench {
    /** The settings of one run. */
    record Settings(int layers, int prompts, int group, int prompt, int completion, int steps, int trainRows,
                    int accumulation, boolean recompute, Device device, boolean smoke) {
    }

    private GrpoBench() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out));
    }

    /** Runs the benchmark; returns 0, or 2 for bad arguments. */
    public static int run(String[] args, PrintStream out) {
        Settings s;
        try {
            s = parse(args);
        } catch (RuntimeException e) {
            out.println("GrpoBench: " + e.getMessage());
            return 2;
        }
        LlamaConfig c = s.smoke()
                ? new LlamaConfig(64, 172, s.layers(), 4, 2, 512, 256, 1e-5, 10000, false, RopeStyle.ROTATE_HALF)
                : new LlamaConfig(4096, 11008, s.layers(), 32, 32, 32000, 4096, 1e-5, 10000, false,
                        RopeStyle.ROTATE_HALF);
        DType dt = s.device().isCuda() ? DType.BF16 : DType.F32;
        int n = s.prompts() * s.group(), maxSeq = s.prompt() + s.completion();
        LoraConfig lora = new LoraConfig(8, 64, EnumSet.of(LoraTarget.Q, LoraTarget.K, LoraTarget.V,
                LoraTarget.GATE, LoraTarget.UP, LoraTarget.DOWN), new LoraInit.Gaussian(0.01), 11);
        try (Stream stream = Stream.create(s.device());
             LlamaWeights w = LlamaWeights.randomForBenchmark(c, stream, dt, 7);
             LoraAdapter adapter = LoraAdapter.create(w, lora, stream);
             LlamaGenerator gen = LlamaGenerator.create(w, stream, LlamaGenerator.Options.of(n, maxSeq), null);
             GrpoTrainer trainer = new GrpoTrainer(stream, w, adapter, new GrpoTrainer.Options(
                     new GrpoLoss.Coefficients(0.04, 0.2), 1, s.trainRows(), maxSeq, s.recompute()),
                     LrSchedule.withWarmupRatio(LrSchedule.Kind.COSINE, 5e-6, 0.1, s.steps(), 0),
                     new MaskedAdamW.Hyper(0.9f, 0.99f, 1e-8f, 0.1f, 0.1f))) {
            out.printf("GrpoBench: %s, %d-layer %s model (%s), LoRA r8 a64 QKVGUD, %d prompts x G %d x %d micro-batch(es), "
                            + "prompt %d + completion %d, train rows %d%s%n", Lorapar.deviceName(s.device()),
                    c.nLayers(), s.smoke() ? "tiny" : "7B-shape", dt, s.prompts(), s.group(), s.accumulation(),
                    s.prompt(), s.completion(), s.trainRows(), s.recompute() ? ", recompute" : "");
            out.printf("%-5s %9s %12s %9s %9s %9s %9s %9s %9s%n", "step", "gen s", "gen tok/s", "ref s", "policy s",
                    "optim s", "step s", "train t/s", "mem GB");
            double[][] rows = new double[s.steps()][];
            long peak = used(s.device());
            SplittableRandom rng = new SplittableRandom(5);
            for (int step = 0; step < s.steps(); step++) {
                double genS = 0;
                long newTokens = 0;
                List<GrpoTrainer.Sequence> seqs = new ArrayList<>();
                for (int m = 0; m < s.accumulation(); m++) {
                    List<GenerationRequest> requests = new ArrayList<>();
                    List<int[]> prompts = new ArrayList<>();
                    for (int p = 0; p < s.prompts(); p++) {
                        int[] prompt = new int[s.prompt()];
                        prompt[0] = 1;
                        for (int i = 1; i < prompt.length; i++) {
                            prompt[i] = 3 + rng.nextInt(c.vocabSize() - 3);
                        }
                        prompts.add(prompt);
                        for (int k = 0; k < s.group(); k++) {
                            requests.add(new GenerationRequest(prompt, s.completion(), Sampling.of(0.9f, 0, 1f,
                                    Rollouts.completionSeed(42, step, p, k)), null, null));
                        }
                    }
                    long t0 = System.nanoTime();
                    List<GenerationResult> results = gen.generate(requests, adapter);
                    genS += (System.nanoTime() - t0) / 1e9;
                    peak = Math.max(peak, used(s.device()));
                    double[] rewards = new double[results.size()];
                    for (int i = 0; i < rewards.length; i++) {
                        rewards[i] = rng.nextInt(5) * 0.5;
                        newTokens += results.get(i).tokens().length;
                    }
                    double[] adv = Advantages.compute(rewards, s.group());
                    for (int i = 0; i < results.size(); i++) {
                        seqs.add(new GrpoTrainer.Sequence(prompts.get(i / s.group()), results.get(i).tokens(), adv[i]));
                    }
                }
                GrpoTrainer.Batch batch = trainer.prepare(seqs);
                peak = Math.max(peak, used(s.device()));
                GrpoTrainer.Update u = trainer.update(batch);
                peak = Math.max(peak, used(s.device()));
                double total = genS + batch.referenceSeconds() + u.policySeconds() + u.optimizerSeconds();
                long positions = u.trainPositions() + seqs.stream()
                        .mapToLong(q -> q.prompt().length + q.completion().length - 1).sum(); // + reference pass
                rows[step] = new double[] {genS, newTokens / genS, batch.referenceSeconds(), u.policySeconds(),
                        u.optimizerSeconds(), total, positions / (total - genS), peak / 1e9};
                out.printf("%-5d %9.3f %12.0f %9.3f %9.3f %9.4f %9.3f %9.0f %9.2f%n", step + 1, rows[step][0],
                        rows[step][1], rows[step][2], rows[step][3], rows[step][4], rows[step][5], rows[step][6],
                        rows[step][7]);
                if (newTokens != (long) n * s.accumulation() * s.completion()) {
                    out.println("GrpoBench: warning: " + newTokens + " new tokens, expected " + (long) n
                            * s.accumulation() * s.completion());
                }
            }
            double[] med = new double[8];
            int from = s.steps() > 1 ? 1 : 0;
            for (int k = 0; k < med.length; k++) {
                final int col = k;
                double[] xs = Arrays.stream(rows, from, s.steps()).mapToDouble(r -> r[col]).sorted().toArray();
                med[k] = xs[xs.length / 2];
            }
            out.printf("%-5s %9.3f %12.0f %9.3f %9.3f %9.4f %9.3f %9.0f %9.2f%n", "med", med[0], med[1], med[2], med[3],
                    med[4], med[5], med[6], med[7]);
            out.printf("grpo-bench: rollout %.0f tokens/s; step %.3f s = generation %.1f%% + reference %.1f%% + policy "
                            + "fwd/bwd %.1f%% + optimizer %.1f%%; peak memory (sampled) %.2f GB%n", med[1], med[5],
                    100 * med[0] / med[5], 100 * med[2] / med[5], 100 * med[3] / med[5], 100 * med[4] / med[5], med[7]);
        }
        return 0;
    }

    static Settings parse(String[] args) {
        int layers = 32, prompts = 8, group = 8, prompt = 128, completion = 256, steps = 4, trainRows = 16, acc = 1;
        boolean recompute = false, smoke = false;
        Device device = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--layers" -> layers = Integer.parseInt(args[++i]);
                case "--prompts" -> prompts = Integer.parseInt(args[++i]);
                case "--group" -> group = Integer.parseInt(args[++i]);
                case "--prompt" -> prompt = Integer.parseInt(args[++i]);
                case "--completion" -> completion = Integer.parseInt(args[++i]);
                case "--steps" -> steps = Integer.parseInt(args[++i]);
                case "--train-rows" -> trainRows = Integer.parseInt(args[++i]);
                case "--accumulation" -> acc = Integer.parseInt(args[++i]);
                case "--recompute" -> recompute = true;
                case "--device" -> device = Device.parse(args[++i]);
                case "--smoke" -> smoke = true;
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (smoke) {
            return new Settings(2, 2, 4, 16, 16, 2, 3, 1, recompute, device == null ? Device.CPU : device, true);
        }
        if (Math.min(Math.min(layers, prompts), Math.min(Math.min(prompt, completion), Math.min(steps, trainRows))) < 1
                || group < 2 || acc < 1) {
            throw new IllegalArgumentException("every size must be ≥ 1 and --group ≥ 2");
        }
        return new Settings(layers, prompts, group, prompt, completion, steps, trainRows, acc, recompute,
                device == null ? Device.cuda(0) : device, false);
    }

    private static long used(Device device) {
        if (!device.isCuda()) {
            return 0;
        }
        var m = Lorapar.memInfo(device);
        return m.totalBytes() - m.freeBytes();
    }
}
