package dev.lorapar.bench.gpu;

import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.core.Lorapar;
import dev.lorapar.core.Stream;
import dev.lorapar.core.Tensor;
import dev.lorapar.dist.Collective;
import dev.lorapar.dist.LocalCollective;
import dev.lorapar.dist.NcclCollective;
import dev.lorapar.dist.RankThreads;
import dev.lorapar.model.LlamaConfig;
import dev.lorapar.model.LlamaForwardBackward;
import dev.lorapar.model.LlamaWeights;
import dev.lorapar.model.LoraAdapter;
import dev.lorapar.model.LoraConfig;
import dev.lorapar.model.LoraInit;
import dev.lorapar.model.LoraPair;
import dev.lorapar.model.LoraTarget;
import dev.lorapar.model.RopeStyle;
import dev.lorapar.model.TokenBatch;
import dev.lorapar.train.DataParallelSync;
import dev.lorapar.train.LrSchedule;
import dev.lorapar.train.MaskedAdamW;
import dev.lorapar.train.OptimizerStep;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Data-parallel SFT throughput (issue 10): a LLaMA-2-7B-shaped model with random bf16 weights, LoRA r 8, α 64 on
 * q, k, v, gate, up, down, one micro-batch of batch × seq tokens per GPU per optimizer step (weak scaling), gradients
 * summed over NCCL before the identical AdamW step on every GPU. For each GPU count (threads of this process, one per
 * GPU): median step ms, tokens/s over all GPUs, and the scaling efficiency tokens/s(N) / (N · tokens/s(1)).
 * Targets: ≥ 95% at 2 GPUs, ≥ 90% at 4.
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp benchmarks.jar dev.lorapar.bench.gpu.DataParallelBench \
 *      [--gpus 1,2,4] [--layers 32] [--seq 2048] [--batch 4] [--steps 5] [--recompute] [--smoke]
 *      [--overlap both|on|off] [--masked FRACTION]
 * </pre>
 * {@code --overlap}: the LoRA gradient sum layer by layer during the backward (on, the default of training), after it
 * (off), or each (both, the default here: one row per mode for every GPU count above 1). {@code --masked F}: random
 * stage masks with a share F of the elements active (a LoRA-PAR stage: only those are sent, packed), 0 = none.
 * {@code --smoke}: a 2-layer 64-wide model on the CPU over a LocalCollective with 1 and 2 ranks (checks the code path,
 * the numbers mean nothing).
 */
public final class DataParallelBench {
    private DataParallelBench() {
    }

    record Row(int ranks, String sum, double medianMs, double tokensPerSecond, double loss) {
    }

    public static void main(String[] args) throws Exception {
        int layers = 32, seq = 2048, batch = 4, steps = 5;
        int[] gpus = {1, 2, 4};
        boolean recompute = false, smoke = false;
        String overlap = "both";
        double masked = 0;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--gpus" -> gpus = Arrays.stream(args[++i].split(",")).mapToInt(Integer::parseInt).toArray();
                case "--layers" -> layers = Integer.parseInt(args[++i]);
                case "--seq" -> seq = Integer.parseInt(args[++i]);
                case "--batch" -> batch = Integer.parseInt(args[++i]);
                case "--steps" -> steps = Integer.parseInt(args[++i]);
                case "--recompute" -> recompute = true;
                case "--smoke" -> smoke = true;
                case "--overlap" -> overlap = args[++i];
                case "--masked" -> masked = Double.parseDouble(args[++i]);
                default -> throw new IllegalArgumentException("DataParallelBench: unknown argument " + args[i]);
            }
        }
        LlamaConfig c = smoke ? new LlamaConfig(64, 172, 2, 4, 4, 512, 256, 1e-5, 10000, false, RopeStyle.ROTATE_HALF)
                : new LlamaConfig(4096, 11008, layers, 32, 32, 32000, 4096, 1e-5, 10000, false, RopeStyle.ROTATE_HALF);
        if (smoke) {
            gpus = new int[] {1, 2};
            seq = 32;
            batch = 2;
            steps = 3;
        }
        int available = smoke ? Integer.MAX_VALUE : Lorapar.cudaDeviceCount();
        if (!List.of("both", "on", "off").contains(overlap)) {
            throw new IllegalArgumentException("DataParallelBench: --overlap both, on or off, got " + overlap);
        }
        if (!(masked >= 0 && masked <= 1)) {
            throw new IllegalArgumentException("DataParallelBench: --masked must be in [0, 1], got " + masked);
        }
        List<Row> rows = new ArrayList<>();
        for (int n : gpus) {
            if (n > available) {
                System.out.printf("DataParallelBench: %d GPUs asked, %d present: skipped%n", n, available);
                continue;
            }
            for (boolean on : new boolean[] {true, false}) {
                boolean wanted = n == 1 ? on : overlap.equals("both") || overlap.equals(on ? "on" : "off");
                if (wanted) { // one rank sums nothing: measured once
                    rows.add(measure(c, n, batch, seq, steps, recompute, smoke, on, masked));
                }
            }
        }
        System.out.printf("%nLLaMA-2 7B-shape (%d layers) SFT, r 8 α 64 QKVGUD%s, %d × %d tokens per GPU per step%s%n",
                c.nLayers(), masked > 0 ? String.format(Locale.ROOT, ", stage masks %.0f%% active", 100 * masked) : "",
                batch, seq, smoke ? " (smoke, CPU)" : "");
        System.out.printf("%-6s %-9s %10s %12s %11s %10s%n", "ranks", "grad sum", "step ms", "tokens/s", "efficiency",
                "loss");
        double single = rows.isEmpty() || rows.get(0).ranks() != 1 ? Double.NaN : rows.get(0).tokensPerSecond();
        for (Row r : rows) {
            System.out.printf(Locale.ROOT, "%-6d %-9s %10.1f %12.0f %10.1f%% %10.4f%n", r.ranks(), r.sum(),
                    r.medianMs(), r.tokensPerSecond(), 100 * r.tokensPerSecond() / (r.ranks() * single), r.loss());
        }
    }

    /** n ranks (threads), each on its own device, steps + 2 warm-up optimizer steps; rank 0's timings. */
    static Row measure(LlamaConfig c, int n, int batch, int seq, int steps, boolean recompute, boolean smoke,
                       boolean overlap, double masked) throws Exception {
        Duration timeout = Duration.ofMinutes(10);
        List<LocalCollective> local = smoke ? LocalCollective.group(n, timeout) : null;
        byte[] id = smoke ? null : NcclCollective.newId();
        return RankThreads.run(n, "dp-bench", rank -> {
            Device device = smoke ? Device.CPU : Device.cuda(rank);
            try (Collective collective = smoke ? local.get(rank) : NcclCollective.join(device, n, rank, id, timeout)) {
                return rank(c, collective, device, batch, seq, steps, recompute, overlap, masked);
            } catch (RuntimeException | Error e) {
                if (local != null) {
                    local.get(rank).abort(e); // the other ranks stop at once instead of at the timeout
                }
                throw e;
            }
        }).get(0);
    }

    private static Row rank(LlamaConfig c, Collective collective, Device device, int batch, int seq, int steps,
                            boolean recompute, boolean overlap, double masked) {
        DType dt = device.isCuda() ? DType.BF16 : DType.F32;
        LoraConfig lora = new LoraConfig(8, 64, EnumSet.of(LoraTarget.Q, LoraTarget.K, LoraTarget.V, LoraTarget.GATE,
                LoraTarget.UP, LoraTarget.DOWN), new LoraInit.PeftDefault(), 3);
        LrSchedule schedule = new LrSchedule(LrSchedule.Kind.COSINE, 2e-4, 1, steps + 3, 0);
        TokenBatch mine = tokens(c, batch, seq, 1000L + collective.rank());
        try (Stream stream = Stream.create(device);
             LlamaWeights w = LlamaWeights.randomForBenchmark(c, stream, dt, 7);
             LoraAdapter adapter = LoraAdapter.create(w, lora, stream);
             OwnedMasks masks = OwnedMasks.random(adapter, stream, masked, 11);
             OptimizerStep step = new OptimizerStep(stream, w, adapter,
                     LlamaForwardBackward.Options.of(batch * seq).withRecompute(recompute), schedule,
                     MaskedAdamW.Hyper.defaults(), new DataParallelSync(collective, overlap))) {
            double[] ms = new double[steps];
            double loss = 0;
            for (int s = -2; s < steps; s++) {
                collective.barrier(); // every rank starts the step together
                long t = System.nanoTime();
                loss = step.step(List.of(mine)).meanLoss();
                if (s >= 0) {
                    ms[s] = (System.nanoTime() - t) / 1e6;
                }
            }
            Arrays.sort(ms);
            double median = ms[steps / 2];
            if (collective.rank() == 0) {
                System.out.printf("DataParallelBench: %d rank(s) steps(ms) %s%n", collective.worldSize(),
                        Arrays.toString(ms));
            }
            return new Row(collective.worldSize(), collective.worldSize() == 1 ? "-" : overlap ? "overlap" : "after",
                    median, (double) collective.worldSize() * batch * seq / (median / 1e3), loss);
        }
    }

    /** Random U8 stage masks on every pair of an adapter (a share {@code active} of 1s, seeded), closed with it. */
    private record OwnedMasks(List<Tensor> tensors) implements AutoCloseable {
        static OwnedMasks random(LoraAdapter adapter, Stream stream, double active, long seed) {
            List<Tensor> owned = new ArrayList<>();
            if (active > 0) {
                SplittableRandom random = new SplittableRandom(seed);
                for (LoraPair p : adapter.pairs()) {
                    Tensor ma = mask(stream, p.a(), active, random, owned);
                    Tensor mb = mask(stream, p.b(), active, random, owned);
                    adapter.setMasks(p.layer(), p.target(), ma, mb);
                }
            }
            return new OwnedMasks(owned);
        }

        private static Tensor mask(Stream stream, Tensor like, double active, SplittableRandom random,
                                   List<Tensor> owned) {
            byte[] bits = new byte[(int) like.numel()];
            for (int i = 0; i < bits.length; i++) {
                bits[i] = (byte) (random.nextDouble() < active ? 1 : 0);
            }
            Tensor t = Tensor.ofBytes(stream, bits, like.shape());
            owned.add(t);
            return t;
        }

        @Override
        public void close() {
            tensors.forEach(Tensor::close);
        }
    }

    /** Random next-token rows, seeded per rank: [batch][seq] inputs and targets. */
    private static TokenBatch tokens(LlamaConfig c, int batch, int seq, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int[][] rows = new int[batch][];
        for (int b = 0; b < batch; b++) {
            rows[b] = random.ints(seq + 1, 0, c.vocabSize()).toArray();
        }
        return TokenBatch.nextToken(rows);
    }
}
