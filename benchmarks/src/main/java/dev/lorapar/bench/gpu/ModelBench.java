package dev.lorapar.bench.gpu;

import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.core.Lorapar;
import dev.lorapar.core.Stream;
import dev.lorapar.model.GenerationRequest;
import dev.lorapar.model.LlamaConfig;
import dev.lorapar.model.LlamaGenerator;
import dev.lorapar.model.LlamaForwardBackward;
import dev.lorapar.model.LlamaWeights;
import dev.lorapar.model.LoraAdapter;
import dev.lorapar.model.LoraConfig;
import dev.lorapar.model.LoraGradients;
import dev.lorapar.model.LoraInit;
import dev.lorapar.model.LoraTarget;
import dev.lorapar.model.RopeStyle;
import dev.lorapar.model.Sampling;
import dev.lorapar.model.TokenBatch;
import dev.lorapar.train.LrSchedule;
import dev.lorapar.train.MaskedAdamW;
import dev.lorapar.train.OptimizerStep;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Model-level benchmark: a LLaMA-2-7B-shaped model with random bf16 weights, LoRA r = 16 (alpha 32) on all seven
 * projections; forward + loss + backward (LoRA gradients and input gradients, no base gradients) of batch × seq
 * tokens, and greedy generation (prompt 128 + 128 new tokens, KV cache, CUDA graph) at batch 1 and 64. Prints one
 * line per configuration: step ms (median), tokens/s, model TFLOP/s, device memory in use. {@code --sft} times issue 4's
 * SFT optimizer step instead of the LoRA r = 16 forward + backward.
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp benchmarks.jar dev.lorapar.bench.gpu.ModelBench \
 *      [--layers 32] [--seq 2048] [--batches 1,4] [--steps 5] [--recompute] [--device cuda:0]
 *      [--no-train] [--no-decode] [--decode-batches 1,64] [--sft]
 * </pre>
 * The model FLOP count is 4·N·T for the projections and LM head (forward, and the input-gradient half of the
 * backward; LoRA's own FLOPs are left out) plus 7·S²·dim per layer and sequence for causal attention (2 in the
 * forward, 5 in the backward).
 */
public final class ModelBench {
    private ModelBench() {
    }

    public static void main(String[] args) {
        int layers = 32, seq = 2048, steps = 5;
        int[] batches = {1, 4};
        boolean recompute = false, train = true, decode = true, sft = false;
        int[] decodeBatches = {1, 64};
        Device device = Device.cuda(0);
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--layers" -> layers = Integer.parseInt(args[++i]);
                case "--seq" -> seq = Integer.parseInt(args[++i]);
                case "--steps" -> steps = Integer.parseInt(args[++i]);
                case "--batches" -> batches = Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt).toArray();
                case "--recompute" -> recompute = true;
                case "--no-train" -> train = false;
                case "--no-decode" -> decode = false;
                case "--sft" -> {
                    sft = true;
                    train = false;
                }
                case "--decode-batches" -> decodeBatches = Arrays.stream(args[++i].split(","))
                        .mapToInt(Integer::parseInt).toArray();
                case "--device" -> device = Device.parse(args[++i]);
                default -> throw new IllegalArgumentException("ModelBench: unknown argument " + args[i]);
            }
        }
        LlamaConfig c = new LlamaConfig(4096, 11008, layers, 32, 32, 32000, 4096, 1e-5, 10000, false,
                RopeStyle.ROTATE_HALF);
        DType dt = device.isCuda() ? DType.BF16 : DType.F32;
        List<String> table = new ArrayList<>();
        try (Stream stream = Stream.create(device)) {
            long baseUsed = used(device);
            long t0 = System.nanoTime();
            try (LlamaWeights w = LlamaWeights.randomForBenchmark(c, stream, dt, 7);
                 LoraAdapter adapter = LoraAdapter.create(w, LoraConfig.allProjections(16, 32, 11), stream);
                 LoraGradients grads = new LoraGradients(adapter, stream)) {
                System.out.printf("ModelBench: %d-layer 7B-shape model (%s) ready in %.1f s%n", layers, dt,
                        (System.nanoTime() - t0) / 1e9);
                if (sft) {
                    table.add(String.format("%-28s %10s %10s %9s %10s", "lorapar SFT step (+AdamW)", "ms", "tokens/s",
                            "TFLOP/s", "mem GB"));
                    for (int batch : batches) {
                        table.add(runSft(c, w, stream, batch, seq, steps, recompute, baseUsed));
                    }
                }
                if (train) {
                    table.add(String.format("%-28s %10s %10s %9s %10s", "lorapar train step", "ms", "tokens/s",
                            "TFLOP/s", "mem GB"));
                    for (int batch : batches) {
                        table.add(runTrain(c, w, adapter, grads, stream, batch, seq, steps, recompute, baseUsed));
                    }
                }
                if (decode) {
                    table.add(String.format("%-28s %10s %10s %9s %10s", "lorapar generate (p128+n128)", "ms/step",
                            "tokens/s", "bound t/s", "prefill ms"));
                    double weightBytes = 2.0 * ((double) c.nLayers() * (4.0 * c.dim() * c.dim()
                            + 3.0 * c.dim() * c.hiddenDim()) + 2.0 * c.vocabSize() * c.dim());
                    for (int batch : decodeBatches) {
                        table.add(runDecode(c, w, adapter, stream, batch, weightBytes));
                    }
                }
            }
        }
        System.out.println();
        table.forEach(System.out::println);
    }

    private static String runTrain(LlamaConfig c, LlamaWeights w, LoraAdapter adapter, LoraGradients grads,
                                   Stream stream, int batch, int seq, int steps, boolean recompute, long baseUsed) {
        String label = String.format("r16 all7 %dx%d%s", batch, seq, recompute ? " recompute" : "");
        TokenBatch tb = randomBatch(c, batch, seq, batch);
        LlamaForwardBackward.Options options = LlamaForwardBackward.Options.of(batch * seq).withRecompute(recompute);
        try (LlamaForwardBackward fb = LlamaForwardBackward.create(w, stream, options)) {
            float scale = 1f / (batch * seq);
            double[] ms = new double[steps];
            double loss = 0;
            for (int s = -2; s < steps; s++) {
                long t = System.nanoTime();
                loss = fb.forwardBackward(tb, adapter, LlamaForwardBackward.Gradients.lora(grads), scale).meanLoss();
                if (s >= 0) {
                    ms[s] = (System.nanoTime() - t) / 1e6;
                }
            }
            Arrays.sort(ms);
            double median = ms[steps / 2];
            double tokensPerS = batch * seq / (median / 1e3);
            double flops = stepFlops(c, batch, seq);
            double memGb = (used(stream.device()) - baseUsed) / 1e9;
            System.out.printf("ModelBench: %s loss %.4f steps(ms) %s%n", label, loss, Arrays.toString(ms));
            return String.format("%-28s %10.1f %10.0f %9.1f %10.1f", label, median, tokensPerS,
                    flops / (median / 1e3) / 1e12, memGb);
        } catch (dev.lorapar.core.DeviceOutOfMemoryException e) {
            return String.format("%-28s %s", label, "OOM: " + e.getMessage());
        }
    }

    /**
     * Issue 4's SFT step: the method's LoRA setup (r = 8, alpha 64 on q, k, v, gate, up, down), forward + backward +
     * masked AdamW over fp32 master weights (OptimizerStep), batch × seq tokens; median of {@code steps}.
     */
    private static String runSft(LlamaConfig c, LlamaWeights w, Stream stream, int batch, int seq, int steps,
                                 boolean recompute, long baseUsed) {
        String label = String.format("r8 a64 QKVGUD %dx%d%s", batch, seq, recompute ? " recompute" : "");
        TokenBatch tb = randomBatch(c, batch, seq, batch + 7);
        LoraConfig lora = new LoraConfig(8, 64, java.util.EnumSet.of(LoraTarget.Q, LoraTarget.K, LoraTarget.V,
                LoraTarget.GATE, LoraTarget.UP, LoraTarget.DOWN), new LoraInit.PeftDefault(), 3);
        LrSchedule schedule = new LrSchedule(LrSchedule.Kind.COSINE, 2e-4, 1, steps + 3, 0);
        try (LoraAdapter adapter = LoraAdapter.create(w, lora, stream);
             OptimizerStep step = new OptimizerStep(stream, w, adapter,
                     LlamaForwardBackward.Options.of(batch * seq).withRecompute(recompute), schedule,
                     MaskedAdamW.Hyper.defaults())) {
            double[] ms = new double[steps];
            double loss = 0;
            for (int s = -2; s < steps; s++) {
                long t = System.nanoTime();
                loss = step.step(List.of(tb)).meanLoss();
                if (s >= 0) {
                    ms[s] = (System.nanoTime() - t) / 1e6;
                }
            }
            Arrays.sort(ms);
            double median = ms[steps / 2];
            double flops = stepFlops(c, batch, seq);
            System.out.printf("ModelBench: SFT %s loss %.4f steps(ms) %s%n", label, loss, Arrays.toString(ms));
            return String.format("%-28s %10.1f %10.0f %9.1f %10.1f", label, median, batch * seq / (median / 1e3),
                    flops / (median / 1e3) / 1e12, (used(stream.device()) - baseUsed) / 1e9);
        } catch (dev.lorapar.core.DeviceOutOfMemoryException e) {
            return String.format("%-28s %s", label, "OOM: " + e.getMessage());
        }
    }

    /**
     * Greedy generation with the adapter on: batch prompts of 128 random tokens, 128 new tokens. tokens/s = batch ·
     * 128 / wall time of generate (prefill included, as Hugging Face's generate is timed); ms/step from the
     * difference to a 1-token run; the bound is the weight bytes read per step at 4.2 TB/s (H200's measured copy
     * bandwidth) — at batch 1 a decode step cannot beat it.
     */
    private static String runDecode(LlamaConfig c, LlamaWeights w, LoraAdapter adapter, Stream stream, int batch,
                                    double weightBytes) {
        SplittableRandom random = new SplittableRandom(batch + 100);
        List<GenerationRequest> full = new ArrayList<>(), one = new ArrayList<>();
        for (int b = 0; b < batch; b++) {
            int[] prompt = new int[128];
            for (int i = 0; i < prompt.length; i++) {
                prompt[i] = random.nextInt(c.vocabSize());
            }
            full.add(new GenerationRequest(prompt, 128, Sampling.greedy(), null, null));
            one.add(new GenerationRequest(prompt, 1, Sampling.greedy(), null, null));
        }
        try (LlamaGenerator g = LlamaGenerator.create(w, stream, LlamaGenerator.Options.of(batch, 256), null)) {
            g.generate(one, adapter); // warm-up
            g.generate(full, adapter);
            double[] fullMs = new double[3], oneMs = new double[3];
            for (int i = 0; i < 3; i++) {
                long t = System.nanoTime();
                g.generate(one, adapter);
                oneMs[i] = (System.nanoTime() - t) / 1e6;
                t = System.nanoTime();
                g.generate(full, adapter);
                fullMs[i] = (System.nanoTime() - t) / 1e6;
            }
            Arrays.sort(fullMs);
            Arrays.sort(oneMs);
            double stepMs = (fullMs[1] - oneMs[1]) / 127;
            double tokensPerS = batch * 128 / (fullMs[1] / 1e3);
            double boundStepsPerS = 4.2e12 / weightBytes;
            return String.format("%-28s %10.2f %10.0f %9.0f %10.1f", "batch " + batch, stepMs, tokensPerS,
                    boundStepsPerS * batch, oneMs[1]);
        } catch (dev.lorapar.core.DeviceOutOfMemoryException e) {
            return String.format("%-28s %s", "batch " + batch, "OOM: " + e.getMessage());
        }
    }

    /** batch random sequences of seq + 1 tokens as next-token inputs and targets [batch][seq]. */
    private static TokenBatch randomBatch(LlamaConfig c, int batch, int seq, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int[][] tokens = new int[batch][seq + 1];
        for (int[] row : tokens) {
            for (int i = 0; i < row.length; i++) {
                row[i] = random.nextInt(c.vocabSize());
            }
        }
        return TokenBatch.nextToken(tokens);
    }

    /** The model FLOPs of one forward + input-gradient backward (see the class comment). */
    private static double stepFlops(LlamaConfig c, int batch, int seq) {
        double n = (double) c.nLayers() * (4.0 * c.dim() * c.dim() + 3.0 * c.dim() * c.hiddenDim())
                + (double) c.vocabSize() * c.dim();
        return 4 * n * batch * seq + 7.0 * seq * seq * c.dim() * c.nLayers() * batch;
    }

    private static long used(Device device) {
        if (!device.isCuda()) {
            return 0;
        }
        var m = Lorapar.memInfo(device);
        return m.totalBytes() - m.freeBytes();
    }
}
