package dev.lorapar.model;

import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.core.Ops;
import dev.lorapar.core.Stream;
import dev.lorapar.core.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.IntConsumer;

/**
 * Forward, loss and hand-written backward of a LLaMA model over a {@link TokenBatch}, with an optional LoRA adapter:
 * loss = lossScale·Σ_t w_t·CE(logits_t, target_t) over targets ≥ 0; gradients of the adapter's A and B (masked as
 * the adapter says), optionally of every base weight and of the input embeddings. Owns a workspace sized for
 * {@link Options#maxTokens()} rows, reused by every step (no allocation per step once an adapter's rank is seen).
 * <p>
 * Memory: without recomputation every layer keeps its activations (about 7·dim + 3·hidden values per token); with
 * {@link Options#recompute()} only each layer's input is kept and the layer's forward runs again in the backward.
 * The LM head and cross-entropy run in chunks of {@link Options#lossChunkRows()} rows: the gradient of a chunk's
 * logits is written over them in place, so no [tokens×vocab] tensor exists.
 * Not thread-safe: one step at a time.
 */
public final class LlamaForwardBackward implements AutoCloseable {
    /** maxTokens = the most batch·seq rows of a step; lossChunkRows = rows of logits alive at once. */
    public record Options(int maxTokens, boolean recompute, int lossChunkRows) {
        public Options {
            if (maxTokens < 1) {
                throw new IllegalArgumentException("maxTokens must be ≥ 1, got " + maxTokens);
            }
            if (lossChunkRows < 1) {
                throw new IllegalArgumentException("lossChunkRows must be ≥ 1, got " + lossChunkRows);
            }
        }

        public static Options of(int maxTokens) {
            return new Options(maxTokens, false, 1024);
        }

        public Options withRecompute(boolean on) {
            return new Options(maxTokens, on, lossChunkRows);
        }

        public Options withLossChunkRows(int rows) {
            return new Options(maxTokens, recompute, rows);
        }
    }

    /**
     * Where the gradients go: LoRA (nullable: not computed), base weights (nullable), the input embeddings
     * (nullable; [batch·seq×dim] of the weights' dtype with at least the step's rows). accumulate: add onto the
     * LoRA gradients instead of overwriting them (base gradients are always added onto). layerDone (nullable): told
     * each layer's index as soon as that layer's backward is queued, last layer first (its LoRA gradients are then
     * final on the stream: a data-parallel sum can start while the layers below run).
     */
    public record Gradients(LoraGradients lora, BaseGradients base, Tensor inputEmbeddings, boolean accumulate,
                            IntConsumer layerDone) {
        public Gradients(LoraGradients lora, BaseGradients base, Tensor inputEmbeddings, boolean accumulate) {
            this(lora, base, inputEmbeddings, accumulate, null);
        }

        public static Gradients lora(LoraGradients lora) {
            return new Gradients(lora, null, null, false);
        }
    }

    /**
     * lossSum = Σ_t w_t·CE_t (not scaled), weightSum = Σ_t w_t and counted = number of targets ≥ 0, tokenLosses
     * [batch·seq] = w_t·CE_t per row (0 where ignored).
     */
    public record StepResult(double lossSum, double weightSum, int counted, float[] tokenLosses) {
        /** lossSum / counted (NaN when nothing counted). */
        public double meanLoss() {
            return counted == 0 ? Double.NaN : lossSum / counted;
        }
    }

    private final LlamaWeights weights;
    private final Stream stream;
    private final Options options;
    private final OwnedTensors owned;
    private final Tensor[] layerInputs;   // [nLayers+1] [maxT×dim]: x entering layer l; [nLayers] leaves the last
    private final Tensor ids, positions, targets, lossWeights, segments, losses; // [maxT]
    private final Tensor finalNormed;     // [maxT×dim]
    private final Tensor finalRstd;       // [maxT] F32
    private final Tensor dres;            // [maxT×dim] residual-stream gradient
    private final Tensor logitsChunk;     // [chunk×vocab] F32, gradient in place
    private final Tensor dLogitsChunk;    // [chunk×vocab] weights' dtype (null when F32)
    private LayerActivations[] activations; // [nLayers] or [1] with recompute
    private BackwardScratch scratch;
    private boolean closed;

    private LlamaForwardBackward(LlamaWeights weights, Stream stream, Options options) {
        this.weights = weights;
        this.stream = stream;
        this.options = options;
        LlamaConfig c = weights.config();
        Device dev = stream.device();
        DType dt = weights.dtype();
        int maxT = options.maxTokens();
        int chunk = Math.min(options.lossChunkRows(), maxT);
        owned = new OwnedTensors(dev);
        try {
            layerInputs = new Tensor[c.nLayers() + 1];
            for (int l = 0; l <= c.nLayers(); l++) {
                layerInputs[l] = owned.empty(dt, maxT, c.dim());
            }
            ids = owned.empty(DType.I32, maxT);
            positions = owned.empty(DType.I32, maxT);
            targets = owned.empty(DType.I32, maxT);
            lossWeights = owned.empty(DType.F32, maxT);
            segments = owned.empty(DType.I32, maxT);
            losses = owned.empty(DType.F32, maxT);
            finalNormed = owned.empty(dt, maxT, c.dim());
            finalRstd = owned.empty(DType.F32, maxT);
            dres = owned.empty(dt, maxT, c.dim());
            logitsChunk = owned.empty(DType.F32, chunk, c.vocabSize());
            dLogitsChunk = dt == DType.F32 ? null : owned.empty(dt, chunk, c.vocabSize());
        } catch (RuntimeException e) {
            owned.close();
            throw e;
        }
    }

    /** A workspace for {@code weights} on {@code stream}'s device (the weights' device). */
    public static LlamaForwardBackward create(LlamaWeights weights, Stream stream, Options options) {
        Objects.requireNonNull(weights, "weights");
        Objects.requireNonNull(stream, "stream");
        Objects.requireNonNull(options, "options");
        if (!stream.device().equals(weights.embedding().device())) {
            throw new IllegalArgumentException("LlamaForwardBackward: stream on " + stream.device()
                    + " but weights on " + weights.embedding().device());
        }
        return new LlamaForwardBackward(weights, stream, options);
    }

    /** Forward and loss only (no gradients): evaluation, log-probabilities of given tokens. */
    public StepResult loss(TokenBatch batch, LoraAdapter adapter) {
        return run(batch, adapter, null, 0f);
    }

    /**
     * Forward, loss and backward. {@code lossScale} multiplies the gradient (e.g. 1/counted for a mean); adapter
     * null = the base model (then {@code into.lora()} must be null).
     */
    public StepResult forwardBackward(TokenBatch batch, LoraAdapter adapter, Gradients into, float lossScale) {
        Objects.requireNonNull(into, "gradients");
        if (!Float.isFinite(lossScale)) {
            throw new IllegalArgumentException("lossScale must be finite, got " + lossScale);
        }
        if (into.lora() != null && into.lora().adapter() != adapter) {
            throw new IllegalArgumentException("LoRA gradients belong to another adapter than the one passed");
        }
        return run(batch, adapter, into, lossScale);
    }

    private StepResult run(TokenBatch batch, LoraAdapter adapter, Gradients into, float lossScale) {
        if (closed) {
            throw new IllegalStateException("LlamaForwardBackward is closed");
        }
        Objects.requireNonNull(batch, "batch");
        LlamaConfig c = weights.config();
        int tokens = batch.rows();
        if (tokens > options.maxTokens()) {
            throw new IllegalArgumentException("batch has " + tokens + " rows (" + batch.batch() + "×" + batch.seq()
                    + "), the workspace holds " + options.maxTokens());
        }
        batch.checkVocabulary(c.vocabSize());
        if (into != null && into.inputEmbeddings() != null) {
            Tensor g = into.inputEmbeddings();
            if (g.dtype() != weights.dtype() || g.numel() < (long) tokens * c.dim() || !g.device().equals(stream.device())) {
                throw new IllegalArgumentException("input-embedding gradient must be " + weights.dtype() + " with ≥ "
                        + tokens + "×" + c.dim() + " elements on " + stream.device() + ", got " + g);
            }
        }
        LoraBinding lora = LoraBinding.of(weights, adapter);
        ensureBuffers(lora);
        Tensor segmentRows = null;
        ids.rows(0, tokens).copyFrom(stream, TokenBatch.flatten(batch.tokens()));
        positions.rows(0, tokens).copyFrom(stream, batch.positions());
        targets.rows(0, tokens).copyFrom(stream, TokenBatch.flatten(batch.targets()));
        Tensor weightRows = null;
        if (batch.weights() != null) {
            weightRows = lossWeights.rows(0, tokens);
            weightRows.copyFrom(stream, TokenBatch.flatten(batch.weights()));
        }
        if (batch.segments() != null) {
            segmentRows = segments.rows(0, tokens).view(batch.batch(), batch.seq());
            segmentRows.copyFrom(stream, TokenBatch.flatten(batch.segments()));
        }
        PassShape p = new PassShape(stream, c, batch.batch(), batch.seq(), positions.rows(0, tokens), segmentRows, lora);
        boolean backward = into != null;
        GradientSink sink = backward ? sink(into, lora) : null;

        Ops.embeddingForward(stream, ids.rows(0, tokens), weights.embedding(), layerInputs[0].rows(0, tokens));
        for (int l = 0; l < c.nLayers(); l++) {
            LayerPass.forward(p, l, weights.layers().get(l), layerInputs[l].rows(0, tokens), acts(l).rows(tokens),
                    layerInputs[l + 1].rows(0, tokens));
        }
        Tensor xLast = layerInputs[c.nLayers()].rows(0, tokens);
        Tensor hF = finalNormed.rows(0, tokens), rstdF = finalRstd.rows(0, tokens);
        Ops.rmsnormForward(stream, p.eps(), xLast, weights.finalNorm(), hF, rstdF);
        Tensor dhF = backward ? scratch.rows(tokens).dh() : null;
        lossHead(tokens, hF, weightRows, backward ? lossScale : 0f, dhF, into == null ? null : into.base());
        if (backward) {
            Tensor dx = dres.rows(0, tokens);
            Ops.rmsnormBackward(stream, xLast, weights.finalNorm(), rstdF, dhF, dx,
                    into.base() == null ? null : into.base().finalNorm(), false);
            BackwardScratch.Rows s = scratch.rows(tokens);
            for (int l = c.nLayers() - 1; l >= 0; l--) {
                Tensor xIn = layerInputs[l].rows(0, tokens);
                if (options.recompute()) {
                    LayerPass.forward(p, l, weights.layers().get(l), xIn, acts(l).rows(tokens),
                            layerInputs[l + 1].rows(0, tokens));
                }
                LayerPass.backward(p, l, weights.layers().get(l), xIn, acts(l).rows(tokens), dx, s, sink);
                if (into.layerDone() != null) {
                    into.layerDone().accept(l);
                }
            }
            if (into.inputEmbeddings() != null) {
                Ops.copy(stream, dx, into.inputEmbeddings().view(into.inputEmbeddings().numel() / c.dim(), c.dim())
                        .rows(0, tokens));
            }
            if (into.base() != null) {
                Ops.embeddingBackward(stream, ids.rows(0, tokens), dx, into.base().embedding());
            }
        }
        float[] tokenLosses = losses.rows(0, tokens).toFloatArray(stream); // synchronizes the stream
        return summarize(batch, tokenLosses);
    }

    /** Final-normed rows → logits chunk by chunk → losses; with gradScale ≠ 0 also dh = ∂L/∂hF (and dLmHead). */
    private void lossHead(int tokens, Tensor hF, Tensor weightRows, float gradScale, Tensor dh, BaseGradients base) {
        LlamaConfig c = weights.config();
        int chunk = (int) logitsChunk.dim(0);
        for (int r0 = 0; r0 < tokens; r0 += chunk) {
            int rows = Math.min(chunk, tokens - r0);
            Tensor logits = logitsChunk.rows(0, rows);               // [rows×vocab] F32
            Tensor h = hF.rows(r0, rows);                             // [rows×dim]
            Ops.gemm(stream, false, true, 1f, h, weights.lmHead(), 0f, logits);
            Ops.crossEntropy(stream, logits, targets.rows(r0, rows), weightRows == null ? null
                    : weightRows.rows(r0, rows), gradScale, losses.rows(r0, rows));
            if (dh == null) {
                continue;
            }
            Tensor dl = logits;                                       // ∂L/∂logits [rows×vocab]
            if (dLogitsChunk != null) {
                dl = dLogitsChunk.rows(0, rows);
                Ops.convert(stream, logits, dl);
            }
            Ops.gemm(stream, false, false, 1f, dl, weights.lmHead(), 0f, dh.rows(r0, rows));
            if (base != null) {
                Ops.gemm(stream, true, false, 1f, dl, h, 1f, base.lmHead());
            }
        }
    }

    private StepResult summarize(TokenBatch batch, float[] tokenLosses) {
        double sum = 0, weightSum = 0;
        int counted = 0;
        for (int b = 0; b < batch.batch(); b++) {
            for (int i = 0; i < batch.seq(); i++) {
                if (batch.targets()[b][i] >= 0) {
                    counted++;
                    sum += tokenLosses[b * batch.seq() + i];
                    weightSum += batch.weights() == null ? 1 : batch.weights()[b][i];
                }
            }
        }
        return new StepResult(sum, weightSum, counted, tokenLosses);
    }

    private GradientSink sink(Gradients into, LoraBinding lora) {
        LoraGradients lg = into.lora(); // null: gradients flow through the adapter (dx) but dA, dB are not wanted
        BaseGradients base = into.base();
        return new GradientSink() {
            @Override
            public Tensor loraA(int layer, LoraTarget target) {
                return lg == null ? null : lg.a(layer, target);
            }

            @Override
            public Tensor loraB(int layer, LoraTarget target) {
                return lg == null ? null : lg.b(layer, target);
            }

            @Override
            public boolean accumulate() {
                return into.accumulate();
            }

            @Override
            public BaseGradients.Layer base(int layer) {
                return base == null ? null : base.layer(layer);
            }
        };
    }

    private LayerActivations acts(int layer) {
        return activations[options.recompute() ? 0 : layer];
    }

    /** (Re)allocates the activations and scratch when the adapter's rank or targets need other u / g buffers. */
    private void ensureBuffers(LoraBinding lora) {
        int rank = lora.rank();
        boolean[] adapted = lora.adaptedTargets();
        boolean fits = activations != null && scratch != null && scratch.fits(rank);
        if (fits) {
            for (LayerActivations a : activations) {
                fits &= a.fits(rank, adapted);
            }
        }
        if (fits) {
            return;
        }
        freeBuffers();
        LlamaConfig c = weights.config();
        int sets = options.recompute() ? 1 : c.nLayers();
        LayerActivations[] made = new LayerActivations[sets];
        try {
            for (int i = 0; i < sets; i++) {
                made[i] = new LayerActivations(stream.device(), weights.dtype(), c, options.maxTokens(), rank, adapted);
            }
            scratch = new BackwardScratch(stream.device(), weights.dtype(), c, options.maxTokens(), rank);
            activations = made;
        } catch (RuntimeException e) {
            for (LayerActivations a : made) {
                if (a != null) {
                    a.close();
                }
            }
            throw e;
        }
    }

    private void freeBuffers() {
        if (activations != null) {
            for (LayerActivations a : activations) {
                a.close();
            }
            activations = null;
        }
        if (scratch != null) {
            scratch.close();
            scratch = null;
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            freeBuffers();
            owned.close();
        }
    }
}
