package dev.lorapar.rl;

import dev.lorapar.core.Stream;
import dev.lorapar.model.LlamaForwardBackward;
import dev.lorapar.model.LlamaWeights;
import dev.lorapar.model.LoraAdapter;
import dev.lorapar.model.LoraGradients;
import dev.lorapar.model.LoraPair;
import dev.lorapar.model.TokenBatch;
import dev.lorapar.train.GradientSync;
import dev.lorapar.train.LrSchedule;
import dev.lorapar.train.MaskedAdamW;
import dev.lorapar.train.NonFiniteLossException;
import dev.lorapar.train.OverlappedGradientSum;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.IntConsumer;

/**
 * GRPO's policy updates on a LoRA adapter (only its unmasked elements move: the fused masked AdamW leaves masked
 * elements, their moments and the model's copy bit-identical). For the completions of one optimizer step:
 * {@link #prepare} runs the reference (the same weights with the adapter disabled: no second model) for the
 * completion tokens' log-probs r; each {@link #update} runs, chunk by chunk of {@code trainRows} sequences, a forward
 * with the adapter for the policy log-probs p, derives the per-token cross-entropy weights of {@link GrpoLoss}, runs
 * forward + backward with them (LoRA gradients accumulated over the chunks), then one AdamW step at the schedule's
 * learning rate with global-norm clipping. With μ = 1 the ratio is 1 in value; with μ &gt; 1 the first update stores
 * p as the old log-probs and later updates of the same batch use the clipped ratio. Owns its workspace, gradients and
 * optimizer state.
 *
 * <p>Data parallel (a {@link GradientSync} other than NONE): each rank holds some of the step's completions (whole
 * groups: advantages are computed before), N in the loss is the step's completion count over all ranks, the loss
 * statistics and the gradients are summed over the ranks before clipping, so every rank takes the same update.
 */
public final class GrpoTrainer implements AutoCloseable {
    /**
     * @param coefficients β and ε
     * @param innerUpdates μ: optimizer steps per batch of completions
     * @param trainRows    sequences per forward / backward pass
     * @param maxSequence  the longest prompt + completion
     * @param recompute    recompute each layer's activations in the backward (less memory)
     */
    public record Options(GrpoLoss.Coefficients coefficients, int innerUpdates, int trainRows, int maxSequence,
                          boolean recompute) {
        public Options {
            Objects.requireNonNull(coefficients, "coefficients");
            if (innerUpdates < 1 || trainRows < 1 || maxSequence < 2) {
                throw new IllegalArgumentException("need inner updates ≥ 1, train rows ≥ 1, max sequence ≥ 2; got "
                        + innerUpdates + ", " + trainRows + ", " + maxSequence);
            }
        }

        /** Without recomputation. */
        public Options(GrpoLoss.Coefficients coefficients, int innerUpdates, int trainRows, int maxSequence) {
            this(coefficients, innerUpdates, trainRows, maxSequence, false);
        }
    }

    /** One training sequence: a prompt, its sampled completion and the completion's advantage. */
    public record Sequence(int[] prompt, int[] completion, double advantage) {
        public Sequence {
            if (prompt.length < 1 || completion.length < 1) {
                throw new IllegalArgumentException("a sequence needs a prompt and a completion token");
            }
            if (!Double.isFinite(advantage)) {
                throw new IllegalArgumentException("advantage " + advantage);
            }
        }
    }

    /** The completions of one optimizer step with their reference (and, once taken, old) log-probs. */
    public static final class Batch {
        private final List<Sequence> sequences;
        private final double[][] reference; // [sequence][completion token]
        private double[][] old;             // μ > 1: policy log-probs before the first update
        private final double referenceSeconds;
        private final int totalSequences;   // N: the step's sequences over all ranks

        private Batch(List<Sequence> sequences, double[][] reference, double referenceSeconds, int totalSequences) {
            this.sequences = sequences;
            this.reference = reference;
            this.referenceSeconds = referenceSeconds;
            this.totalSequences = totalSequences;
        }

        /** N: the step's sequences over all ranks (this rank's alone when not data parallel). */
        public int totalSequences() {
            return totalSequences;
        }

        public List<Sequence> sequences() {
            return sequences;
        }

        /** Reference log-probs [sequence][completion token]. */
        public double[][] reference() {
            return reference;
        }

        public double referenceSeconds() {
            return referenceSeconds;
        }
    }

    /**
     * What one update did: the loss L and mean k3 per completion token, the share of tokens in the clipped region,
     * the gradient norm before clipping, the learning rate, positions run through the model (forward + backward
     * passes), and wall seconds of the policy passes and the optimizer.
     */
    public record Update(long step, double loss, double kl, double clipFraction, double gradNorm, double lr,
                         long trainPositions, double policySeconds, double optimizerSeconds) {
    }

    private final Stream stream;
    private final LoraAdapter adapter;
    private final Options options;
    private final LrSchedule schedule;
    private final LlamaForwardBackward pass;
    private final LoraGradients grads;
    private final MaskedAdamW optimizer;
    private final GradientSync sync;
    private final OverlappedGradientSum overlap; // data parallel: gradients summed while the backward runs; else null

    public GrpoTrainer(Stream stream, LlamaWeights weights, LoraAdapter adapter, Options options, LrSchedule schedule,
                       MaskedAdamW.Hyper hyper) {
        this(stream, weights, adapter, options, schedule, hyper, GradientSync.NONE);
    }

    /** One rank of a data-parallel run when {@code sync} is not NONE (see the class comment). */
    public GrpoTrainer(Stream stream, LlamaWeights weights, LoraAdapter adapter, Options options, LrSchedule schedule,
                       MaskedAdamW.Hyper hyper, GradientSync sync) {
        this.sync = Objects.requireNonNull(sync, "sync");
        this.stream = Objects.requireNonNull(stream, "stream");
        this.adapter = Objects.requireNonNull(adapter, "adapter (GRPO trains a LoRA adapter)");
        this.options = Objects.requireNonNull(options, "options");
        this.schedule = Objects.requireNonNull(schedule, "schedule");
        LlamaForwardBackward made = null;
        LoraGradients lg = null;
        MaskedAdamW opt = null;
        OverlappedGradientSum ov = null;
        try {
            made = LlamaForwardBackward.create(weights, stream,
                    LlamaForwardBackward.Options.of(options.trainRows() * (options.maxSequence() - 1))
                            .withRecompute(options.recompute()));
            lg = new LoraGradients(adapter, stream);
            List<MaskedAdamW.Param> params = new ArrayList<>();
            for (LoraPair p : adapter.pairs()) {
                params.add(new MaskedAdamW.Param(p.name() + ".lora_A", lg.a(p.layer(), p.target()), p.a(), p.maskA()));
                params.add(new MaskedAdamW.Param(p.name() + ".lora_B", lg.b(p.layer(), p.target()), p.b(), p.maskB()));
            }
            opt = new MaskedAdamW(stream, params, hyper);
            ov = sync.overlapped(stream, OverlappedGradientSum.byLayer(adapter, params));
        } catch (RuntimeException e) {
            if (ov != null) {
                ov.close();
            }
            if (opt != null) {
                opt.close();
            }
            if (lg != null) {
                lg.close();
            }
            if (made != null) {
                made.close();
            }
            throw e;
        }
        this.pass = made;
        this.grads = lg;
        this.optimizer = opt;
        this.overlap = ov;
    }

    /**
     * Reference log-probs (adapter disabled) of every sequence's completion tokens. Data parallel: this rank's
     * sequences (possibly none), and the step's count N is summed over the ranks.
     */
    public Batch prepare(List<Sequence> sequences) {
        if (sequences.isEmpty() && sync.single()) {
            throw new IllegalArgumentException("no sequences to train on");
        }
        for (Sequence s : sequences) {
            if (s.prompt().length + s.completion().length > options.maxSequence()) {
                throw new IllegalArgumentException("a sequence of " + (s.prompt().length + s.completion().length)
                        + " tokens exceeds max sequence " + options.maxSequence());
            }
        }
        long t0 = System.nanoTime();
        double[][] reference = logProbs(sequences, null);
        double[] total = {sequences.size()};
        sync.sumValues(total);
        if (total[0] == 0) {
            throw new IllegalArgumentException("no sequences to train on (on any rank)");
        }
        return new Batch(List.copyOf(sequences), reference, (System.nanoTime() - t0) / 1e9, (int) total[0]);
    }

    /**
     * The loss of {@code batch} and its LoRA gradients (left in {@link #gradients()}, no optimizer step): what
     * {@link #update} does before stepping. With μ &gt; 1 the first call on a batch stores the old log-probs. Data
     * parallel: the gradients and the returned statistics are the whole step's (summed over the ranks).
     */
    public Backward backward(Batch batch) {
        long next = optimizer.steps() + 1;
        boolean takeOld = options.innerUpdates() > 1 && batch.old == null;
        if (takeOld) {
            batch.old = new double[batch.sequences.size()][];
        }
        long t0 = System.nanoTime();
        int n = batch.sequences.size();
        if (n == 0) {
            grads.zero(stream); // this rank adds nothing to the sum
        }
        double loss = 0, kl = 0;
        long clipped = 0, tokens = 0, positions = 0;
        for (int c0 = 0, chunkIndex = 0; c0 < n; c0 += options.trainRows(), chunkIndex++) {
            int c1 = Math.min(n, c0 + options.trainRows());
            List<Sequence> chunk = batch.sequences.subList(c0, c1);
            double[][] policy = chunkLogProbs(chunk, adapter);
            double[][] old = null;
            if (options.innerUpdates() > 1) {
                if (takeOld) {
                    System.arraycopy(policy, 0, batch.old, c0, policy.length);
                }
                old = Arrays.copyOfRange(batch.old, c0, c1);
            }
            double[] adv = chunk.stream().mapToDouble(Sequence::advantage).toArray();
            GrpoLoss.Part part = GrpoLoss.compute(policy, Arrays.copyOfRange(batch.reference, c0, c1), old, adv,
                    batch.totalSequences, options.coefficients());
            if (!Double.isFinite(part.loss())) {
                throw new NonFiniteLossException(next, chunkIndex, part.loss());
            }
            TokenBatch tb = rows(chunk, part.weights());
            // the last chunk's backward starts each layer's sum over the ranks as soon as the layer is done
            IntConsumer layerDone = overlap != null && c1 == n ? overlap::layerReady : null;
            pass.forwardBackward(tb, adapter, new LlamaForwardBackward.Gradients(grads, null, null, chunkIndex > 0,
                    layerDone), 1f);
            loss += part.loss();
            kl += part.klSum();
            clipped += part.clipped();
            tokens += part.tokens();
            positions += 2L * tb.rows();
        }
        if (overlap != null) {
            if (n == 0) {
                overlap.allLayersReady(); // zeroed above: this rank adds nothing, but its calls must match
            }
            overlap.finish(); // before the statistics: NCCL calls of different streams never in flight together
        }
        double[] stats = {loss, kl, clipped, tokens, positions};
        sync.sumValues(stats);
        if (overlap == null) {
            sync.sumGradients(stream, optimizer.params());
        }
        return new Backward(stats[0], stats[1] / stats[3], stats[2] / stats[3], (long) stats[3], (long) stats[4],
                (System.nanoTime() - t0) / 1e9);
    }

    /**
     * What {@link #backward} computed: the loss L, the mean k3 per completion token, the share of completion tokens in
     * the clipped region, completion tokens, positions run through the model (policy forward + forward/backward) and
     * wall seconds.
     */
    public record Backward(double loss, double kl, double clipFraction, long completionTokens, long trainPositions,
                           double seconds) {
    }

    /** One optimizer step on {@code batch}: {@link #backward}, then masked AdamW (call μ times per batch). */
    public Update update(Batch batch) {
        long next = optimizer.steps() + 1;
        Backward b = backward(batch);
        long t1 = System.nanoTime();
        double lr = schedule.lr(next);
        double norm = optimizer.step((float) lr);
        if (!Double.isFinite(norm)) {
            throw new NonFiniteLossException(next, -1, norm);
        }
        return new Update(next, b.loss(), b.kl(), b.clipFraction(), norm, lr, b.trainPositions(), b.seconds(),
                (System.nanoTime() - t1) / 1e9);
    }

    /**
     * Log-probs [sequence][completion token] of the completions with {@code lora} (null = adapter disabled), in
     * chunks of trainRows sequences.
     */
    public double[][] logProbs(List<Sequence> sequences, LoraAdapter lora) {
        double[][] out = new double[sequences.size()][];
        for (int c0 = 0; c0 < sequences.size(); c0 += options.trainRows()) {
            List<Sequence> chunk = sequences.subList(c0, Math.min(sequences.size(), c0 + options.trainRows()));
            double[][] r = chunkLogProbs(chunk, lora);
            System.arraycopy(r, 0, out, c0, r.length);
        }
        return out;
    }

    private double[][] chunkLogProbs(List<Sequence> chunk, LoraAdapter lora) {
        TokenBatch tb = rows(chunk, null);
        float[] ce = pass.loss(tb, lora).tokenLosses(); // [rows·seq] −log p at counted positions
        double[][] out = new double[chunk.size()][];
        int seq = tb.seq();
        for (int r = 0; r < chunk.size(); r++) {
            Sequence s = chunk.get(r);
            out[r] = new double[s.completion().length];
            for (int t = 0; t < s.completion().length; t++) {
                out[r][t] = -ce[r * seq + s.prompt().length - 1 + t];
            }
        }
        return out;
    }

    /**
     * The chunk as right-padded rows [rows][longest − 1]: inputs = prompt + completion without its last token,
     * targets = the completion tokens at their positions (−1 elsewhere), weights (nullable) [row][completion token]
     * placed at the same positions.
     */
    static TokenBatch rows(List<Sequence> chunk, double[][] weights) {
        int seq = 1;
        for (Sequence s : chunk) {
            seq = Math.max(seq, s.prompt().length + s.completion().length - 1);
        }
        int rows = chunk.size();
        int[][] tokens = new int[rows][seq], targets = new int[rows][seq];
        float[][] w = weights == null ? null : new float[rows][seq];
        for (int r = 0; r < rows; r++) {
            Sequence s = chunk.get(r);
            int p = s.prompt().length;
            Arrays.fill(targets[r], -1);
            System.arraycopy(s.prompt(), 0, tokens[r], 0, p);
            System.arraycopy(s.completion(), 0, tokens[r], p, s.completion().length - 1);
            for (int t = 0; t < s.completion().length; t++) {
                targets[r][p - 1 + t] = s.completion()[t];
                if (w != null) {
                    w[r][p - 1 + t] = (float) weights[r][t];
                }
            }
        }
        return new TokenBatch(tokens, targets, w, null);
    }

    public MaskedAdamW optimizer() {
        return optimizer;
    }

    /** Optimizer steps taken. */
    public long steps() {
        return optimizer.steps();
    }

    public LoraGradients gradients() {
        return grads;
    }

    @Override
    public void close() {
        if (overlap != null) {
            overlap.close();
        }
        optimizer.close();
        grads.close();
        pass.close();
    }
}
