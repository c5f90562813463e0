package dev.lorapar.model;

import dev.lorapar.core.DType;
import dev.lorapar.core.DecodeOps;
import dev.lorapar.core.Device;
import dev.lorapar.core.Ops;
import dev.lorapar.core.Stream;
import dev.lorapar.core.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The device side of KV-cache decoding shared by {@link LlamaGenerator} (one batch run to completion) and
 * {@link ContinuousDecoder} (sequences joining and leaving): the caches of {@code rows} sequences × {@code maxLength}
 * positions, the per-row decode buffers and sampling parameters, the packed prefill and the one-token decode step.
 * Row r of a decode step reads cache row r (decode attention), so a sequence's row and cache row are the same.
 * Owns its tensors; not thread-safe.
 */
final class KvDecodeBuffers implements AutoCloseable {
    /** Per-row sampling parameters, all [rows] on the device, in the layout of {@link DecodeOps#sample}. */
    record SamplingRows(Tensor temperature, // [rows] F32
                        Tensor topK,        // [rows] I32
                        Tensor topP,        // [rows] F32
                        Tensor seed,        // [rows] I64
                        Tensor step,        // [rows] I64 draw index
                        Tensor ids) {       // [rows] I32 sampled ids (out)
        SamplingRows rows(int n) {
            return new SamplingRows(temperature.rows(0, n), topK.rows(0, n), topP.rows(0, n), seed.rows(0, n),
                    step.rows(0, n), ids.rows(0, n));
        }

        static SamplingRows allocate(OwnedTensors owned, int rows) {
            return new SamplingRows(owned.empty(DType.F32, rows), owned.empty(DType.I32, rows),
                    owned.empty(DType.F32, rows), owned.empty(DType.I64, rows), owned.empty(DType.I64, rows),
                    owned.empty(DType.I32, rows));
        }

        /** Uploads settings[i] into row i (rows past settings.length: greedy, seed 0) and zero draw indices. */
        void upload(Stream stream, Sampling[] settings) {
            int rows = (int) temperature.dim(0);
            float[] t = new float[rows], p = new float[rows];
            int[] k = new int[rows];
            long[] s = new long[rows];
            Arrays.fill(p, 1f);
            for (int r = 0; r < settings.length; r++) {
                Sampling sm = settings[r];
                if (sm != null) {
                    t[r] = sm.temperature();
                    k[r] = sm.topK();
                    p[r] = sm.topP();
                    s[r] = sm.seed();
                }
            }
            temperature.copyFrom(stream, t);
            topP.copyFrom(stream, p);
            topK.copyFromInts(stream, k);
            seed.copyFromLongs(stream, s);
            step.copyFromLongs(stream, new long[rows]);
        }
    }

    private final LlamaWeights weights;
    private final Stream stream;
    private final int rows, maxLength, keptActivations;
    private final OwnedTensors owned;
    private final Tensor[] kCache, vCache;  // [layer] [rows×maxLength×nKvHeads×headDim]
    private final Tensor x, hFinal;         // [rows×dim]
    private final Tensor rstd;              // [rows] F32
    private final Tensor logits;            // [rows×vocab] F32
    final Tensor rowInts;                   // [3×rows] I32: positions, lengths, cache slots
    final Tensor prefix;                    // [rows×2] I32: (cache row holding the row's prompt, its length)
    final SamplingRows sampling;            // [rows] each; ids = last sampled = next input
    private final Map<String, LayerActivations> activations = new LinkedHashMap<>(); // by rank + targets, LRU order

    /** keptActivations: how many decode workspaces (one per adapter rank / target set) stay allocated. */
    KvDecodeBuffers(LlamaWeights weights, Stream stream, int rows, int maxLength, int keptActivations) {
        this.weights = weights;
        this.stream = stream;
        this.rows = rows;
        this.maxLength = maxLength;
        this.keptActivations = keptActivations;
        LlamaConfig c = weights.config();
        DType dt = weights.dtype();
        owned = new OwnedTensors(stream.device());
        try {
            kCache = new Tensor[c.nLayers()];
            vCache = new Tensor[c.nLayers()];
            for (int l = 0; l < c.nLayers(); l++) {
                kCache[l] = owned.empty(dt, rows, maxLength, c.nKvHeads(), c.headDim());
                vCache[l] = owned.empty(dt, rows, maxLength, c.nKvHeads(), c.headDim());
            }
            x = owned.empty(dt, rows, c.dim());
            hFinal = owned.empty(dt, rows, c.dim());
            rstd = owned.empty(DType.F32, rows);
            logits = owned.empty(DType.F32, rows, c.vocabSize());
            rowInts = owned.empty(DType.I32, 3, rows);
            prefix = owned.empty(DType.I32, rows, 2);
            sampling = SamplingRows.allocate(owned, rows);
        } catch (RuntimeException e) {
            owned.close();
            throw e;
        }
    }

    int rows() {
        return rows;
    }

    /** The logits [n×vocab] F32 of the last head pass (prefill: one row per prompt; decode: one per row). */
    Tensor logits(int n) {
        return logits.rows(0, n);
    }

    /** The decode workspace for {@code lora}'s rank and targets, allocated on first use (least recent evicted). */
    LayerActivations activations(LoraBinding lora) {
        boolean[] adapted = lora.adaptedTargets();
        String key = lora.rank() == 0 ? "base" : lora.rank() + Arrays.toString(adapted);
        LayerActivations acts = activations.remove(key);
        if (acts == null || !acts.fits(lora.rank(), adapted)) {
            if (acts != null) {
                acts.close();
            }
            while (activations.size() >= keptActivations) {
                String oldest = activations.keySet().iterator().next();
                activations.remove(oldest).close();
            }
            acts = new LayerActivations(stream.device(), weights.dtype(), weights.config(), rows, lora.rank(), adapted);
        }
        activations.put(key, acts);
        return acts;
    }

    /**
     * One packed pass over {@code prompts} (RoPE positions restarting per prompt): writes prompt i into cache row
     * cacheRows[i] and samples its first new token with {@code params} rows [0, prompts.size()) into params.ids.
     * A prompt that repeats an earlier one of the call is not run again: the earlier one's cache positions are copied
     * into its row, and its first token is sampled from the same last row with its own settings. Synchronizes the
     * stream. Returns, per prompt, the index of the first prompt of the call equal to it (itself when first).
     */
    int[] prefill(List<int[]> prompts, int[] cacheRows, SamplingRows params, LoraBinding lora) {
        LlamaConfig c = weights.config();
        int n = prompts.size();
        SharedPrompts shared = SharedPrompts.of(prompts, cacheRows, maxLength);
        int total = 0;
        for (int[] p : shared.unique()) {
            total += p.length;
        }
        int[] tokenIds = new int[total], positions = new int[total], segments = new int[total], slots = new int[total];
        int[] lastRow = new int[n];
        int row = 0, segment = 0;
        for (int r = 0; r < n; r++) {
            if (shared.source()[r] != r) {
                lastRow[r] = lastRow[shared.source()[r]];
                continue;
            }
            int[] prompt = prompts.get(r);
            for (int i = 0; i < prompt.length; i++, row++) {
                tokenIds[row] = prompt[i];
                positions[row] = i;
                segments[row] = segment;
                slots[row] = cacheRows[r] * maxLength + i;
            }
            segment++;
            lastRow[r] = row - 1;
        }
        int copied = shared.copyFrom().length;
        List<Tensor> scratch = new ArrayList<>();
        Device dev = stream.device();
        try (LayerActivations acts = new LayerActivations(dev, weights.dtype(), c, total, lora.rank(),
                lora.adaptedTargets())) {
            Tensor idT = keep(scratch, Tensor.empty(dev, DType.I32, total));
            Tensor posT = keep(scratch, Tensor.empty(dev, DType.I32, total));
            Tensor segT = keep(scratch, Tensor.empty(dev, DType.I32, 1, total));
            Tensor slotT = keep(scratch, Tensor.empty(dev, DType.I32, total));
            Tensor lastT = keep(scratch, Tensor.empty(dev, DType.I32, n));
            Tensor xa = keep(scratch, Tensor.empty(dev, weights.dtype(), total, c.dim()));
            Tensor xb = keep(scratch, Tensor.empty(dev, weights.dtype(), total, c.dim()));
            Tensor copyFrom = copied == 0 ? null : keep(scratch, Tensor.empty(dev, DType.I32, copied));
            Tensor copyTo = copied == 0 ? null : keep(scratch, Tensor.empty(dev, DType.I32, copied));
            idT.copyFromInts(stream, tokenIds);
            posT.copyFromInts(stream, positions);
            segT.copyFromInts(stream, segments);
            slotT.copyFromInts(stream, slots);
            lastT.copyFromInts(stream, lastRow);
            if (copied > 0) {
                copyFrom.copyFromInts(stream, shared.copyFrom());
                copyTo.copyFromInts(stream, shared.copyTo());
            }
            PassShape p = new PassShape(stream, c, 1, total, posT, segT, lora);
            Ops.embeddingForward(stream, idT, weights.embedding(), xa);
            for (int l = 0; l < c.nLayers(); l++) {
                LayerActivations.Rows a = acts.rows(total);
                LayerPass.forward(p, l, weights.layers().get(l), xa, a, xb);
                DecodeOps.kvCacheWrite(stream, a.k().view(total, c.nKvHeads(), c.headDim()),
                        a.v().view(total, c.nKvHeads(), c.headDim()), slotT, kCache[l], vCache[l]);
                if (copied > 0) {
                    copyCachePositions(l, copyFrom, copyTo, a.k(), a.v());
                }
                Tensor t = xa;
                xa = xb;
                xb = t;
            }
            Ops.embeddingForward(stream, lastT, xa, x.rows(0, n));   // gather each request's last prompt row
            headAndSample(n, x.rows(0, n), params);
            stream.synchronize();
            return shared.source();
        } finally {
            scratch.forEach(Tensor::close);
        }
    }

    /**
     * Layer l's cache slots from[i] → to[i], in chunks through kScratch, vScratch [≥1 × kvDim] (the layer's k and v,
     * already written to the cache): a row gather from the cache, then a cache write.
     */
    private void copyCachePositions(int l, Tensor from, Tensor to, Tensor kScratch, Tensor vScratch) {
        LlamaConfig c = weights.config();
        int kvDim = c.nKvHeads() * c.headDim();
        long slotsTotal = kCache[l].numel() / kvDim;
        Tensor kTable = kCache[l].view(slotsTotal, kvDim), vTable = vCache[l].view(slotsTotal, kvDim);
        Tensor kRows = kScratch.view(kScratch.numel() / kvDim, kvDim), vRows = vScratch.view(vScratch.numel() / kvDim,
                kvDim);
        long copied = from.dim(0), chunk = kRows.dim(0);
        for (long off = 0; off < copied; off += chunk) {
            long m = Math.min(chunk, copied - off);
            Tensor k = kRows.rows(0, m), v = vRows.rows(0, m); // [m×kvDim]
            Ops.embeddingForward(stream, from.rows(off, m), kTable, k);
            Ops.embeddingForward(stream, from.rows(off, m), vTable, v);
            DecodeOps.kvCacheWrite(stream, k.view(m, c.nKvHeads(), c.headDim()), v.view(m, c.nKvHeads(), c.headDim()),
                    to.rows(off, m), kCache[l], vCache[l]);
        }
    }

    private static Tensor keep(List<Tensor> scratch, Tensor t) {
        scratch.add(t);
        return t;
    }

    /** Final norm, LM head and sampling of rows [n×dim] into params.ids. */
    private void headAndSample(int n, Tensor rowsIn, SamplingRows params) {
        LlamaConfig c = weights.config();
        Ops.rmsnormForward(stream, (float) c.normEps(), rowsIn, weights.finalNorm(), hFinal.rows(0, n),
                rstd.rows(0, n));
        Ops.gemm(stream, false, true, 1f, hFinal.rows(0, n), weights.lmHead(), 0f, logits.rows(0, n));
        SamplingRows p = params.rows(n);
        DecodeOps.sample(stream, logits.rows(0, n), p.temperature(), p.topK(), p.topP(), p.seed(), p.step(), p.ids());
    }

    /**
     * One token for rows [0, n): sampling.ids → embedding → layers (cache write at rowInts' slots, decode attention
     * over rowInts' lengths) → head → sampling.ids. Launches work only (capturable into a CUDA graph).
     * sharedPrompts: decode attention reads each row's prompt from the cache row {@link #prefix} names (rows that
     * repeat a prompt then read one copy; the rows named must hold their prompts for the whole call).
     */
    void decodeStep(int n, LoraBinding lora, LayerActivations acts, boolean sharedPrompts) {
        LlamaConfig c = weights.config();
        Tensor positions = rowInts.rows(0, 1).view(rows).rows(0, n);
        Tensor lengths = rowInts.rows(1, 1).view(rows).rows(0, n);
        Tensor slots = rowInts.rows(2, 1).view(rows).rows(0, n);
        Tensor prefixRows = sharedPrompts ? prefix.rows(0, n) : null; // [n×2]
        float eps = (float) c.normEps(), scale = (float) (1.0 / Math.sqrt(c.headDim()));
        Tensor xa = x.rows(0, n); // [n×dim] the residual stream, updated in place layer by layer
        Ops.embeddingForward(stream, sampling.ids().rows(0, n), weights.embedding(), xa);
        LayerActivations.Rows a = acts.rows(n);
        for (int l = 0; l < c.nLayers(); l++) {
            LlamaWeights.Layer w = weights.layers().get(l);
            LayerPass.projectQkvUnrotated(stream, lora, eps, l, w, xa, a);
            DecodeOps.ropeKvCacheWrite(stream, a.q().view(n, c.nHeads(), c.headDim()),
                    a.k().view(n, c.nKvHeads(), c.headDim()), a.v().view(n, c.nKvHeads(), c.headDim()), positions,
                    c.ropeTheta(), LayerPass.ropeKind(c), slots, kCache[l], vCache[l]);
            DecodeOps.attentionDecode(stream, scale, a.q().view(n, c.nHeads(), c.headDim()), kCache[l].rows(0, n),
                    vCache[l].rows(0, n), lengths, prefixRows, a.att().view(n, c.nHeads(), c.headDim()));
            LayerPass.finishInPlace(stream, lora, eps, l, w, xa, a);
        }
        headAndSample(n, xa, sampling);
    }

    /** Closes and forgets every decode workspace (their addresses change: captured graphs must be dropped first). */
    void dropActivations() {
        activations.values().forEach(LayerActivations::close);
        activations.clear();
    }

    @Override
    public void close() {
        dropActivations();
        owned.close();
    }
}
