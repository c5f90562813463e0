package dev.lorapar.model;

import dev.lorapar.core.CudaGraph;
import dev.lorapar.core.DType;
import dev.lorapar.core.DecodeOps;
import dev.lorapar.core.Device;
import dev.lorapar.core.Ops;
import dev.lorapar.core.Stream;
import dev.lorapar.core.Tensor;
import dev.lorapar.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Batched generation with a KV cache: the prompts (of any lengths) are packed into one prefill pass (segments, RoPE
 * positions restarting per prompt) that fills the cache; then every decode step embeds the batch's last tokens,
 * runs each layer on one row per sequence (decode attention over its cache) and samples on the device. On CUDA
 * the decode step is captured once per {@link #generate} call into a CUDA graph and replayed, so kernel launches
 * do not dominate small batches. Owns its caches and buffers (sized for {@link Options}); not thread-safe.
 */
public final class LlamaGenerator implements AutoCloseable {
    /** maxBatch requests per call; maxLength = prompt + continuation positions per request. */
    public record Options(int maxBatch, int maxLength, boolean cudaGraph) {
        public Options {
            if (maxBatch < 1 || maxLength < 2) {
                throw new IllegalArgumentException("maxBatch must be ≥ 1 and maxLength ≥ 2, got " + maxBatch + ", "
                        + maxLength);
            }
        }

        public static Options of(int maxBatch, int maxLength) {
            return new Options(maxBatch, maxLength, true);
        }
    }

    private final LlamaWeights weights;
    private final Stream stream;
    private final Options options;
    private final Tokenizer tokenizer; // nullable: needed for stop strings only
    private final OwnedTensors owned;
    private final Tensor[] kCache, vCache;  // [layer] [maxBatch×maxLength×nKvHeads×headDim]
    private final Tensor x, next, hFinal;  // [maxBatch×dim]
    private final Tensor rstd;              // [maxBatch] F32
    private final Tensor logits;            // [maxBatch×vocab] F32
    private final Tensor ids;               // [maxBatch] I32: last sampled = next input
    private final Tensor rowInts;           // [3×maxBatch] I32: positions, lengths, cache slots
    private final Tensor temperature, topP; // [maxBatch] F32
    private final Tensor topK;              // [maxBatch] I32
    private final Tensor seed, drawIndex;   // [maxBatch] I64
    private LayerActivations decodeActs;    // maxBatch rows, u buffers for the current adapter's rank
    private boolean closed;

    private LlamaGenerator(LlamaWeights weights, Stream stream, Options options, Tokenizer tokenizer) {
        this.weights = weights;
        this.stream = stream;
        this.options = options;
        this.tokenizer = tokenizer;
        LlamaConfig c = weights.config();
        Device dev = stream.device();
        DType dt = weights.dtype();
        int b = options.maxBatch();
        owned = new OwnedTensors(dev);
        try {
            kCache = new Tensor[c.nLayers()];
            vCache = new Tensor[c.nLayers()];
            for (int l = 0; l < c.nLayers(); l++) {
                kCache[l] = owned.empty(dt, b, options.maxLength(), c.nKvHeads(), c.headDim());
                vCache[l] = owned.empty(dt, b, options.maxLength(), c.nKvHeads(), c.headDim());
            }
            x = owned.empty(dt, b, c.dim());
            next = owned.empty(dt, b, c.dim());
            hFinal = owned.empty(dt, b, c.dim());
            rstd = owned.empty(DType.F32, b);
            logits = owned.empty(DType.F32, b, c.vocabSize());
            ids = owned.empty(DType.I32, b);
            rowInts = owned.empty(DType.I32, 3, b);
            temperature = owned.empty(DType.F32, b);
            topP = owned.empty(DType.F32, b);
            topK = owned.empty(DType.I32, b);
            seed = owned.empty(DType.I64, b);
            drawIndex = owned.empty(DType.I64, b);
        } catch (RuntimeException e) {
            owned.close();
            throw e;
        }
    }

    /** A generator for {@code weights} on {@code stream}'s device; {@code tokenizer} (nullable) decodes stop strings. */
    public static LlamaGenerator create(LlamaWeights weights, Stream stream, Options options, Tokenizer tokenizer) {
        Objects.requireNonNull(weights, "weights");
        Objects.requireNonNull(stream, "stream");
        Objects.requireNonNull(options, "options");
        if (!stream.device().equals(weights.embedding().device())) {
            throw new IllegalArgumentException("LlamaGenerator: stream on " + stream.device() + " but weights on "
                    + weights.embedding().device());
        }
        return new LlamaGenerator(weights, stream, options, tokenizer);
    }

    /** Continues every request with {@code adapter} active (null = disabled); results in request order. */
    public List<GenerationResult> generate(List<GenerationRequest> requests, LoraAdapter adapter) {
        if (closed) {
            throw new IllegalStateException("LlamaGenerator is closed");
        }
        int n = checkRequests(requests);
        LoraBinding lora = LoraBinding.of(weights, adapter);
        ensureDecodeActs(lora);
        uploadSampling(requests, n);
        prefill(requests, n, lora);
        Decoding state = new Decoding(requests, options.maxLength(), tokenizer);
        CudaGraph graph = null;
        try {
            for (int step = 0; ; step++) {
                if (state.accept(ids.rows(0, n).toIntArray(stream))) {
                    break;
                }
                rowInts.copyFromInts(stream, state.rowInts(options.maxBatch()));
                drawIndex.copyFromLongs(stream, state.drawIndices(options.maxBatch()));
                if (graph != null) {
                    graph.launch(stream);
                } else {
                    decodeStep(n, lora);
                    if (step == 0 && options.cudaGraph() && stream.device().isCuda()) {
                        graph = CudaGraph.capture(stream, () -> decodeStep(n, lora)); // after one eager run
                    }
                }
            }
        } finally {
            if (graph != null) {
                graph.close();
            }
        }
        return state.results();
    }

    private int checkRequests(List<GenerationRequest> requests) {
        Objects.requireNonNull(requests, "requests");
        int n = requests.size();
        if (n < 1 || n > options.maxBatch()) {
            throw new IllegalArgumentException("generate: " + n + " requests, the generator holds 1.."
                    + options.maxBatch());
        }
        int vocab = weights.config().vocabSize();
        for (int r = 0; r < n; r++) {
            GenerationRequest q = requests.get(r);
            if (q.prompt().length > options.maxLength()) {
                throw new IllegalArgumentException("generate: request " + r + " has a prompt of " + q.prompt().length
                        + " tokens, maxLength is " + options.maxLength());
            }
            for (int id : q.prompt()) {
                if (id < 0 || id >= vocab) {
                    throw new IllegalArgumentException("generate: request " + r + " has token " + id
                            + " outside the vocabulary [0, " + vocab + ")");
                }
            }
            if (!q.stopStrings().isEmpty() && tokenizer == null) {
                throw new IllegalArgumentException("generate: request " + r + " has stop strings but the generator "
                        + "was made without a tokenizer");
            }
        }
        return n;
    }

    private void uploadSampling(List<GenerationRequest> requests, int n) {
        int b = options.maxBatch();
        float[] t = new float[b], p = new float[b];
        int[] k = new int[b];
        long[] s = new long[b];
        Arrays.fill(p, 1f);
        for (int r = 0; r < n; r++) {
            Sampling sm = requests.get(r).sampling();
            t[r] = sm.temperature();
            k[r] = sm.topK();
            p[r] = sm.topP();
            s[r] = sm.seed();
        }
        temperature.copyFrom(stream, t);
        topP.copyFrom(stream, p);
        topK.copyFromInts(stream, k);
        seed.copyFromLongs(stream, s);
        drawIndex.copyFromLongs(stream, new long[b]);
    }

    /** One packed pass over all prompts: fills the caches and samples each request's first new token into ids. */
    private void prefill(List<GenerationRequest> requests, int n, LoraBinding lora) {
        LlamaConfig c = weights.config();
        int total = 0;
        for (GenerationRequest q : requests) {
            total += q.prompt().length;
        }
        int[] tokenIds = new int[total], positions = new int[total], segments = new int[total], slots = new int[total];
        int[] lastRow = new int[n];
        int row = 0;
        for (int r = 0; r < n; r++) {
            int[] prompt = requests.get(r).prompt();
            for (int i = 0; i < prompt.length; i++, row++) {
                tokenIds[row] = prompt[i];
                positions[row] = i;
                segments[row] = r;
                slots[row] = r * options.maxLength() + i;
            }
            lastRow[r] = row - 1;
        }
        boolean[] adapted = lora.adaptedTargets();
        List<Tensor> scratch = new ArrayList<>();
        Device dev = stream.device();
        try (LayerActivations acts = new LayerActivations(dev, weights.dtype(), c, total, lora.rank(), adapted)) {
            Tensor idT = keep(scratch, Tensor.empty(dev, DType.I32, total));
            Tensor posT = keep(scratch, Tensor.empty(dev, DType.I32, total));
            Tensor segT = keep(scratch, Tensor.empty(dev, DType.I32, 1, total));
            Tensor slotT = keep(scratch, Tensor.empty(dev, DType.I32, total));
            Tensor lastT = keep(scratch, Tensor.empty(dev, DType.I32, n));
            Tensor xa = keep(scratch, Tensor.empty(dev, weights.dtype(), total, c.dim()));
            Tensor xb = keep(scratch, Tensor.empty(dev, weights.dtype(), total, c.dim()));
            idT.copyFromInts(stream, tokenIds);
            posT.copyFromInts(stream, positions);
            segT.copyFromInts(stream, segments);
            slotT.copyFromInts(stream, slots);
            lastT.copyFromInts(stream, lastRow);
            PassShape p = new PassShape(stream, c, 1, total, posT, segT, lora);
            Ops.embeddingForward(stream, idT, weights.embedding(), xa);
            for (int l = 0; l < c.nLayers(); l++) {
                LayerActivations.Rows a = acts.rows(total);
                LayerPass.forward(p, l, weights.layers().get(l), xa, a, xb);
                DecodeOps.kvCacheWrite(stream, a.k().view(total, c.nKvHeads(), c.headDim()),
                        a.v().view(total, c.nKvHeads(), c.headDim()), slotT, kCache[l], vCache[l]);
                Tensor t = xa;
                xa = xb;
                xb = t;
            }
            Ops.embeddingForward(stream, lastT, xa, x.rows(0, n));   // gather each prompt's last row
            headAndSample(n, x.rows(0, n));
            stream.synchronize();
        } finally {
            scratch.forEach(Tensor::close);
        }
    }

    private static Tensor keep(List<Tensor> scratch, Tensor t) {
        scratch.add(t);
        return t;
    }

    /** Final norm, LM head and sampling of rows [n×dim] into ids. */
    private void headAndSample(int n, Tensor rows) {
        LlamaConfig c = weights.config();
        Ops.rmsnormForward(stream, (float) c.normEps(), rows, weights.finalNorm(), hFinal.rows(0, n), rstd.rows(0, n));
        Ops.gemm(stream, false, true, 1f, hFinal.rows(0, n), weights.lmHead(), 0f, logits.rows(0, n));
        DecodeOps.sample(stream, logits.rows(0, n), temperature.rows(0, n), topK.rows(0, n), topP.rows(0, n),
                seed.rows(0, n), drawIndex.rows(0, n), ids.rows(0, n));
    }

    /** One token per sequence: ids → embedding → layers (cache write, decode attention) → head → ids. */
    private void decodeStep(int n, LoraBinding lora) {
        LlamaConfig c = weights.config();
        Tensor positions = rowInts.rows(0, 1).view(options.maxBatch()).rows(0, n);
        Tensor lengths = rowInts.rows(1, 1).view(options.maxBatch()).rows(0, n);
        Tensor slots = rowInts.rows(2, 1).view(options.maxBatch()).rows(0, n);
        float eps = (float) c.normEps(), scale = (float) (1.0 / Math.sqrt(c.headDim()));
        Tensor xa = x.rows(0, n), xb = next.rows(0, n);
        Ops.embeddingForward(stream, ids.rows(0, n), weights.embedding(), xa);
        LayerActivations.Rows a = decodeActs.rows(n);
        for (int l = 0; l < c.nLayers(); l++) {
            LlamaWeights.Layer w = weights.layers().get(l);
            LayerPass.projectQkv(stream, lora, eps, n, c, positions, l, w, xa, a);
            DecodeOps.kvCacheWrite(stream, a.k().view(n, c.nKvHeads(), c.headDim()),
                    a.v().view(n, c.nKvHeads(), c.headDim()), slots, kCache[l], vCache[l]);
            DecodeOps.attentionDecode(stream, scale, a.q().view(n, c.nHeads(), c.headDim()), kCache[l].rows(0, n),
                    vCache[l].rows(0, n), lengths, a.att().view(n, c.nHeads(), c.headDim()));
            LayerPass.finish(stream, lora, eps, l, w, xa, a, xb);
            Tensor t = xa;
            xa = xb;
            xb = t;
        }
        headAndSample(n, xa);
    }

    private void ensureDecodeActs(LoraBinding lora) {
        boolean[] adapted = lora.adaptedTargets();
        if (decodeActs != null && decodeActs.fits(lora.rank(), adapted)) {
            return;
        }
        if (decodeActs != null) {
            decodeActs.close();
            decodeActs = null;
        }
        decodeActs = new LayerActivations(stream.device(), weights.dtype(), weights.config(), options.maxBatch(),
                lora.rank(), adapted);
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            if (decodeActs != null) {
                decodeActs.close();
            }
            owned.close();
        }
    }
}
