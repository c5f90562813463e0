package dev.lorapar.train;

import dev.lorapar.core.Stream;
import dev.lorapar.model.BaseGradients;
import dev.lorapar.model.LlamaForwardBackward;
import dev.lorapar.model.LlamaWeights;
import dev.lorapar.model.LoraAdapter;
import dev.lorapar.model.LoraGradients;
import dev.lorapar.model.LoraPair;
import dev.lorapar.model.TokenBatch;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.IntConsumer;

/**
 * One optimizer step of supervised fine-tuning over a list of micro-batches (gradient accumulation): forward and
 * backward of each, the loss being the mean over every counted target token of the step (per-token weights
 * applied), then masked AdamW at the schedule's learning rate. Trains a LoRA adapter's A and B (masked as the
 * adapter's masks say), or — {@code adapter == null} — every base weight (full fine-tuning, for small models).
 * A non-finite loss or gradient norm throws {@link NonFiniteLossException} before any weight moves.
 * Owns its workspace, gradients and optimizer state.
 */
public final class OptimizerStep implements AutoCloseable {
    /** What one step did. */
    public record Result(long step, double meanLoss, int tokens, double gradNorm, double lr) {
    }

    private final Stream stream;
    private final LlamaWeights weights;
    private final LoraAdapter adapter;          // null: full fine-tuning
    private final LlamaForwardBackward pass;
    private final LoraGradients loraGrads;      // LoRA mode
    private final BaseGradients baseGrads;      // full fine-tuning mode
    private final MaskedAdamW optimizer;
    private final LrSchedule schedule;
    private final GradientSync sync;
    private final OverlappedGradientSum overlap; // data parallel, LoRA mode: summed while the backward runs; else null

    public OptimizerStep(Stream stream, LlamaWeights weights, LoraAdapter adapter, LlamaForwardBackward.Options options,
                         LrSchedule schedule, MaskedAdamW.Hyper hyper) {
        this(stream, weights, adapter, options, schedule, hyper, GradientSync.NONE);
    }

    /**
     * With {@code sync} ≠ NONE this is one rank of a data-parallel run: {@link #step} gets this rank's share of the
     * step's micro-batches, and tokens, losses and gradients are summed over the ranks through {@code sync}.
     */
    public OptimizerStep(Stream stream, LlamaWeights weights, LoraAdapter adapter, LlamaForwardBackward.Options options,
                         LrSchedule schedule, MaskedAdamW.Hyper hyper, GradientSync sync) {
        this.sync = Objects.requireNonNull(sync, "sync");
        this.stream = Objects.requireNonNull(stream, "stream");
        this.weights = Objects.requireNonNull(weights, "weights");
        this.adapter = adapter;
        this.schedule = Objects.requireNonNull(schedule, "schedule");
        LlamaForwardBackward made = null;
        LoraGradients lg = null;
        BaseGradients bg = null;
        MaskedAdamW opt = null;
        OverlappedGradientSum ov = null;
        try {
            made = LlamaForwardBackward.create(weights, stream, options);
            List<MaskedAdamW.Param> params = new ArrayList<>();
            if (adapter != null) {
                lg = new LoraGradients(adapter, stream);
                for (LoraPair p : adapter.pairs()) {
                    params.add(new MaskedAdamW.Param(p.name() + ".lora_A", lg.a(p.layer(), p.target()), p.a(), p.maskA()));
                    params.add(new MaskedAdamW.Param(p.name() + ".lora_B", lg.b(p.layer(), p.target()), p.b(), p.maskB()));
                }
            } else {
                bg = new BaseGradients(weights, stream);
                addBaseParams(weights, bg, params);
            }
            opt = new MaskedAdamW(stream, params, hyper);
            if (adapter != null) {
                ov = sync.overlapped(stream, OverlappedGradientSum.byLayer(adapter, params));
            }
        } catch (RuntimeException e) {
            for (AutoCloseable c : new AutoCloseable[] {ov, opt, bg, lg, made}) {
                closeQuietly(c, e);
            }
            throw e;
        }
        this.pass = made;
        this.loraGrads = lg;
        this.baseGrads = bg;
        this.optimizer = opt;
        this.overlap = ov;
    }

    private static void addBaseParams(LlamaWeights w, BaseGradients g, List<MaskedAdamW.Param> params) {
        params.add(new MaskedAdamW.Param("embed_tokens", g.embedding(), w.embedding(), null));
        for (int l = 0; l < w.layers().size(); l++) {
            LlamaWeights.Layer wl = w.layers().get(l);
            BaseGradients.Layer gl = g.layer(l);
            String n = "layers." + l + ".";
            params.add(new MaskedAdamW.Param(n + "input_layernorm", gl.attentionNorm(), wl.attentionNorm(), null));
            params.add(new MaskedAdamW.Param(n + "q_proj", gl.wq(), wl.wq(), null));
            params.add(new MaskedAdamW.Param(n + "k_proj", gl.wk(), wl.wk(), null));
            params.add(new MaskedAdamW.Param(n + "v_proj", gl.wv(), wl.wv(), null));
            params.add(new MaskedAdamW.Param(n + "o_proj", gl.wo(), wl.wo(), null));
            params.add(new MaskedAdamW.Param(n + "post_attention_layernorm", gl.ffnNorm(), wl.ffnNorm(), null));
            params.add(new MaskedAdamW.Param(n + "gate_proj", gl.wGate(), wl.wGate(), null));
            params.add(new MaskedAdamW.Param(n + "up_proj", gl.wUp(), wl.wUp(), null));
            params.add(new MaskedAdamW.Param(n + "down_proj", gl.wDown(), wl.wDown(), null));
        }
        params.add(new MaskedAdamW.Param("norm", g.finalNorm(), w.finalNorm(), null));
        if (!w.config().tiedEmbeddings()) {
            params.add(new MaskedAdamW.Param("lm_head", g.lmHead(), w.lmHead(), null));
        }
    }

    /**
     * Accumulates the gradients of {@code microBatches} (mean loss over all their counted tokens), then takes optimizer
     * step n + 1. A step whose batches count no target token changes nothing and reports NaN loss. Data parallel
     * (a {@link GradientSync} other than NONE): {@code microBatches} are this rank's share of the step (possibly
     * none); the loss scale is 1 / (target tokens of the whole step over all ranks), the gradients are summed over
     * the ranks before clipping, and the result (loss, tokens, norm) is the whole step's, the same on every rank.
     */
    public Result step(List<TokenBatch> microBatches) {
        if (microBatches == null || (microBatches.isEmpty() && sync.single())) {
            throw new IllegalArgumentException("an optimizer step needs at least one micro-batch");
        }
        long localTokens = 0;
        for (TokenBatch b : microBatches) {
            localTokens += countTargets(b);
        }
        long tokens = sync.sumTokens(localTokens);
        long next = optimizer.steps() + 1;
        if (tokens == 0) {
            return new Result(optimizer.steps(), Double.NaN, 0, 0, schedule.lr(next));
        }
        if (tokens > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("an optimizer step of " + tokens + " target tokens (> 2^31)");
        }
        if (baseGrads != null) {
            baseGrads.zero(stream);
        }
        if (microBatches.isEmpty() && loraGrads != null) {
            loraGrads.zero(stream); // this rank adds nothing to the sum
        }
        float scale = 1f / tokens;
        double lossSum = 0;
        int firstBad = -1;
        for (int i = 0; i < microBatches.size(); i++) {
            // the last micro-batch's backward starts each layer's sum over the ranks as soon as the layer is done
            IntConsumer layerDone = overlap != null && i == microBatches.size() - 1 ? overlap::layerReady : null;
            LlamaForwardBackward.Gradients into = new LlamaForwardBackward.Gradients(loraGrads, baseGrads, null, i > 0,
                    layerDone);
            double loss = pass.forwardBackward(microBatches.get(i), adapter, into, scale).lossSum();
            if (!Double.isFinite(loss)) {
                if (sync.single()) {
                    throw new NonFiniteLossException(next, i, loss);
                }
                firstBad = firstBad < 0 ? i : firstBad; // the other ranks must still meet this one below
            }
            lossSum += loss;
        }
        if (overlap != null) {
            if (microBatches.isEmpty()) {
                overlap.allLayersReady(); // zeroed above: this rank adds nothing, but its calls must match
            }
            overlap.finish(); // before the loss sum: NCCL calls of different streams never in flight together
        }
        lossSum = sync.sumLoss(lossSum);
        if (!Double.isFinite(lossSum)) {
            throw new NonFiniteLossException(next, firstBad, lossSum);
        }
        if (overlap == null) {
            sync.sumGradients(stream, optimizer.params());
        }
        double lr = schedule.lr(next);
        double norm = optimizer.step((float) lr);
        if (!Double.isFinite(norm)) {
            throw new NonFiniteLossException(next, -1, norm);
        }
        return new Result(next, lossSum / tokens, (int) tokens, norm, lr);
    }

    /**
     * Mean loss over the counted tokens of {@code batches} (no gradients): the eval loss. Data parallel: each rank
     * passes its share of the eval batches and gets the mean over all of them.
     */
    public double evalLoss(Iterable<TokenBatch> batches) {
        double sum = 0;
        long tokens = 0;
        for (TokenBatch b : batches) {
            LlamaForwardBackward.StepResult r = pass.loss(b, adapter);
            sum += r.lossSum();
            tokens += r.counted();
        }
        sum = sync.sumLoss(sum);
        tokens = sync.sumTokens(tokens);
        return tokens == 0 ? Double.NaN : sum / tokens;
    }

    static int countTargets(TokenBatch b) {
        int n = 0;
        for (int[] row : b.targets()) {
            for (int t : row) {
                n += t >= 0 ? 1 : 0;
            }
        }
        return n;
    }

    public MaskedAdamW optimizer() {
        return optimizer;
    }

    public long steps() {
        return optimizer.steps();
    }

    private static void closeQuietly(AutoCloseable c, RuntimeException first) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            first.addSuppressed(e);
        }
    }

    @Override
    public void close() {
        if (overlap != null) {
            overlap.close();
        }
        optimizer.close();
        if (loraGrads != null) {
            loraGrads.close();
        }
        if (baseGrads != null) {
            baseGrads.close();
        }
        pass.close();
    }
}
