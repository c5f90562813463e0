package dev.lorapar.core;

import dev.lorapar.core.ffi.LpNative;
import java.lang.foreign.MemorySegment;

/**
 * The native ops of token generation with a KV cache: writing new keys / values into cache slots,
 * decode attention (one query per sequence against its cache) and on-device sampling. Shapes and dtypes
 * are checked here (IllegalArgumentException / NullPointerException naming the argument); values that
 * live in tensors (slots, lengths, per-row sampling parameters, NaN logits) are checked by the CPU backend
 * (LoraparException INVALID_ARGUMENT) and handled on CUDA as {@code lorapar.h} documents.
 *
 * <p>A cache is laid out [batch×maxLen×nKvHeads×headDim] (or flat [cacheSlots×nKvHeads×headDim]): position
 * pos of sequence b is slot b·maxLen + pos. Every per-row parameter is a device tensor, so a captured
 * {@link CudaGraph} replays these ops with new values copied into the same tensors.
 */
public final class DecodeOps {
    private DecodeOps() {
    }

    private static void arg(String op, String name, Tensor t, Stream stream, DType dtype, String[] labels, long[] dims,
                            String from) {
        Check.onStream(op, name, t, stream);
        Check.dtype(op, name, t, dtype);
        Check.shape(op, name, t, labels, dims, from);
    }

    /** Cache slots of a cache tensor [batch×maxLen×nKvHeads×headDim] or [cacheSlots×nKvHeads×headDim]. */
    private static long cacheSlots(String op, String name, Tensor cache, Stream stream, DType dtype, long nKvHeads,
                                   long headDim, String from) {
        Check.onStream(op, name, cache, stream);
        Check.dtype(op, name, cache, dtype);
        if (cache.rank() == 4) {
            Check.shape(op, name, cache, new String[] {"batch", "maxLen", "nKvHeads", "headDim"},
                    new long[] {-1, -1, nKvHeads, headDim}, from);
            return Math.multiplyExact(cache.dim(0), cache.dim(1));
        }
        Check.shape(op, name, cache, new String[] {"cacheSlots", "nKvHeads", "headDim"},
                new long[] {-1, nKvHeads, headDim}, from);
        return cache.dim(0);
    }

    /**
     * kCache[slot[t]] = k[t], vCache[slot[t]] = v[t]. k, v [rows×nKvHeads×headDim] (F32 or BF16, one dtype);
     * slot [rows] I32; kCache, vCache of k's dtype, [batch×maxLen×nKvHeads×headDim] or
     * [cacheSlots×nKvHeads×headDim], the same shape. A slot outside [0, cacheSlots) is a LoraparException on the
     * CPU and a skipped row on CUDA. Slots should be distinct.
     */
    public static void kvCacheWrite(Stream stream, Tensor k, Tensor v, Tensor slot, Tensor kCache, Tensor vCache) {
        final String op = "kvCacheWrite";
        Check.stream(op, stream);
        Check.onStream(op, "k", k, stream);
        Check.dtype(op, "k", k, DType.F32, DType.BF16);
        Check.shape(op, "k", k, new String[] {"rows", "nKvHeads", "headDim"}, new long[] {-1, -1, -1}, "");
        long rows = k.dim(0);
        long nKvHeads = k.dim(1);
        long headDim = k.dim(2);
        String from = "from k [rows=" + rows + ", nKvHeads=" + nKvHeads + ", headDim=" + headDim + "]";
        if (nKvHeads < 1 || headDim < 1) {
            throw new IllegalArgumentException(op + ": k has nKvHeads = " + nKvHeads + ", headDim = " + headDim
                    + ", expected both >= 1");
        }
        arg(op, "v", v, stream, k.dtype(), new String[] {"rows", "nKvHeads", "headDim"},
                new long[] {rows, nKvHeads, headDim}, from);
        arg(op, "slot", slot, stream, DType.I32, new String[] {"rows"}, new long[] {rows}, from);
        long slots = cacheSlots(op, "kCache", kCache, stream, k.dtype(), nKvHeads, headDim, from);
        Check.onStream(op, "vCache", vCache, stream);
        Check.dtype(op, "vCache", vCache, k.dtype());
        Check.shape(op, "vCache", vCache, shapeLabels(kCache), kCache.shape(), "the shape of kCache");
        if (kCache == vCache) {
            throw new IllegalArgumentException(op + ": kCache and vCache are the same tensor");
        }
        LpNative.kvCacheWrite(stream.handle(), k.dtype().code(), rows, nKvHeads, headDim, k.segment(), v.segment(),
                slot.segment(), kCache.segment(), vCache.segment(), slots);
    }

    /**
     * A decode step's {@link Ops#rope} of q [rows×nHeads×headDim] and k [rows×nKvHeads×headDim] (forward, in place, at
     * positions [rows] I32) followed by {@link #kvCacheWrite} of the rotated k and of v: the same values as those three
     * calls, in one kernel on CUDA; the same slot rules (on the CPU a bad slot is refused before anything is written).
     * q of k's dtype; q, k, v, the caches distinct.
     */
    public static void ropeKvCacheWrite(Stream stream, Tensor q, Tensor k, Tensor v, Tensor positions, double theta,
                                        Ops.RopeKind kind, Tensor slot, Tensor kCache, Tensor vCache) {
        final String op = "ropeKvCacheWrite";
        Check.stream(op, stream);
        java.util.Objects.requireNonNull(kind, op + ": kind is null");
        Check.onStream(op, "k", k, stream);
        Check.dtype(op, "k", k, DType.F32, DType.BF16);
        Check.shape(op, "k", k, new String[] {"rows", "nKvHeads", "headDim"}, new long[] {-1, -1, -1}, "");
        long rows = k.dim(0), nKvHeads = k.dim(1), headDim = k.dim(2);
        String from = "from k [rows=" + rows + ", nKvHeads=" + nKvHeads + ", headDim=" + headDim + "]";
        if (nKvHeads < 1 || headDim < 2 || headDim % 2 != 0) {
            throw new IllegalArgumentException(op + ": k has nKvHeads = " + nKvHeads + ", headDim = " + headDim
                    + ", expected nKvHeads >= 1 and an even headDim >= 2");
        }
        if (!(theta > 0) || !Double.isFinite(theta)) {
            throw new IllegalArgumentException(op + ": theta = " + theta + ", expected a finite value > 0");
        }
        Check.onStream(op, "q", q, stream);
        Check.dtype(op, "q", q, k.dtype());
        Check.shape(op, "q", q, new String[] {"rows", "nHeads", "headDim"}, new long[] {rows, -1, headDim}, from);
        if (q.dim(1) < 1) {
            throw new IllegalArgumentException(op + ": q has nHeads = " + q.dim(1) + ", expected >= 1");
        }
        arg(op, "v", v, stream, k.dtype(), new String[] {"rows", "nKvHeads", "headDim"},
                new long[] {rows, nKvHeads, headDim}, from);
        arg(op, "positions", positions, stream, DType.I32, new String[] {"rows"}, new long[] {rows}, from);
        arg(op, "slot", slot, stream, DType.I32, new String[] {"rows"}, new long[] {rows}, from);
        long slots = cacheSlots(op, "kCache", kCache, stream, k.dtype(), nKvHeads, headDim, from);
        Check.onStream(op, "vCache", vCache, stream);
        Check.dtype(op, "vCache", vCache, k.dtype());
        Check.shape(op, "vCache", vCache, shapeLabels(kCache), kCache.shape(), "the shape of kCache");
        Tensor[] distinct = {q, k, v, kCache, vCache};
        for (int i = 0; i < distinct.length; i++) {
            for (int j = i + 1; j < distinct.length; j++) {
                if (distinct[i] == distinct[j]) {
                    throw new IllegalArgumentException(op + ": q, k, v, kCache and vCache must be distinct tensors");
                }
            }
        }
        LpNative.ropeKvCacheWrite(stream.handle(), k.dtype().code(), rows, q.dim(1), nKvHeads, headDim,
                positions.segment(), theta, kind.code(), q.segment(), k.segment(), v.segment(), slot.segment(),
                kCache.segment(), vCache.segment(), slots);
    }

    private static String[] shapeLabels(Tensor cache) {
        return cache.rank() == 4 ? new String[] {"batch", "maxLen", "nKvHeads", "headDim"}
                : new String[] {"cacheSlots", "nKvHeads", "headDim"};
    }

    /**
     * Decode attention: query b attends keys 0..lengths[b]−1 of its cache (GQA: head h reads kv head
     * h / (nHeads / nKvHeads)); out = softmax(scale·q·kᵀ)·v, fp32 statistics. q, out [batch×nHeads×headDim];
     * kCache, vCache [batch×maxLen×nKvHeads×headDim] of q's dtype (F32 or BF16); lengths [batch] I32 with
     * values in [0, maxLen] (0: the output row is zeros).
     */
    public static void attentionDecode(Stream stream, float scale, Tensor q, Tensor kCache, Tensor vCache,
                                       Tensor lengths, Tensor out) {
        attentionDecode(stream, scale, q, kCache, vCache, lengths, null, out);
    }

    /**
     * {@link #attentionDecode(Stream, float, Tensor, Tensor, Tensor, Tensor, Tensor)} where sequences share a prompt
     * held by another cache row: prefix [batch×2] I32 (nullable), row b = (cache row r, length n): keys j &lt; n of
     * sequence b are read from row r instead of row b. The G completions of one prompt then read one copy of it
     * (on CUDA mostly from L2, as they run side by side). r outside [0, batch) or n outside [0, maxLen] is a
     * LoraparException on the CPU; on CUDA that sequence reads its own keys.
     */
    public static void attentionDecode(Stream stream, float scale, Tensor q, Tensor kCache, Tensor vCache,
                                       Tensor lengths, Tensor prefix, Tensor out) {
        final String op = "attentionDecode";
        Check.stream(op, stream);
        Check.onStream(op, "q", q, stream);
        Check.dtype(op, "q", q, DType.F32, DType.BF16);
        String[] qLabels = {"batch", "nHeads", "headDim"};
        Check.shape(op, "q", q, qLabels, new long[] {-1, -1, -1}, "");
        long batch = q.dim(0);
        long nHeads = q.dim(1);
        long headDim = q.dim(2);
        String fromQ = "from q [batch=" + batch + ", nHeads=" + nHeads + ", headDim=" + headDim + "]";
        if (nHeads < 1 || headDim < 1) {
            throw new IllegalArgumentException(op + ": q has nHeads = " + nHeads + ", headDim = " + headDim
                    + ", expected both >= 1");
        }
        String[] cacheLabels = {"batch", "maxLen", "nKvHeads", "headDim"};
        arg(op, "kCache", kCache, stream, q.dtype(), cacheLabels, new long[] {batch, -1, -1, headDim}, fromQ);
        long maxLen = kCache.dim(1);
        long nKvHeads = kCache.dim(2);
        if (maxLen < 1 || nKvHeads < 1 || nHeads % nKvHeads != 0) {
            throw new IllegalArgumentException(op + ": kCache has maxLen = " + maxLen + ", nKvHeads = " + nKvHeads
                    + ", expected maxLen >= 1 and a divisor of nHeads = " + nHeads + " (" + fromQ + ")");
        }
        arg(op, "vCache", vCache, stream, q.dtype(), cacheLabels, kCache.shape(), "the shape of kCache");
        arg(op, "lengths", lengths, stream, DType.I32, new String[] {"batch"}, new long[] {batch}, fromQ);
        arg(op, "out", out, stream, q.dtype(), qLabels, new long[] {batch, nHeads, headDim}, fromQ);
        if (prefix != null) {
            arg(op, "prefix", prefix, stream, DType.I32, new String[] {"batch", "2"}, new long[] {batch, 2}, fromQ);
        }
        if (!Float.isFinite(scale)) {
            throw new IllegalArgumentException(op + ": scale = " + scale + ", expected a finite value");
        }
        LpNative.attentionDecode(stream.handle(), q.dtype().code(), batch, nHeads, nKvHeads, headDim, maxLen, scale,
                q.segment(), kCache.segment(), vCache.segment(), lengths.segment(),
                prefix == null ? MemorySegment.NULL : prefix.segment(), out.segment());
    }

    /**
     * Draws one token id per row of logits [batch×vocab] (F32 or BF16) into outIds [batch] I32. Per-row
     * parameters, all [batch] tensors on the stream's device: temperature F32 (≤ 0: greedy argmax, ties → the
     * lowest id), topK I32 (0 = off), topP F32 in (0, 1] (1 = off), seed I64 (read as unsigned 64 bits), step
     * I64 (the draw counter: the same seed and step give the same draw). The exact rule (integer weights,
     * thresholds with ties kept, counter-based random numbers) is {@code lp_sample} in {@code lorapar.h}; the
     * CPU and CUDA backends draw identical ids for F32 logits. A bad row (NaN / +Inf logit, all −Inf, NaN
     * temperature, negative topK, topP outside (0, 1]) is a LoraparException on the CPU; on CUDA its id is −1.
     */
    public static void sample(Stream stream, Tensor logits, Tensor temperature, Tensor topK, Tensor topP, Tensor seed,
                              Tensor step, Tensor outIds) {
        final String op = "sample";
        Check.stream(op, stream);
        Check.onStream(op, "logits", logits, stream);
        Check.dtype(op, "logits", logits, DType.F32, DType.BF16);
        Check.shape(op, "logits", logits, new String[] {"batch", "vocab"}, new long[] {-1, -1}, "");
        long batch = logits.dim(0);
        long vocab = logits.dim(1);
        if (vocab < 1 || vocab > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(op + ": logits has vocab = " + vocab + ", expected 1..2^31-1");
        }
        String from = "from logits [batch=" + batch + ", vocab=" + vocab + "]";
        String[] rowLabel = {"batch"};
        long[] rows = {batch};
        arg(op, "temperature", temperature, stream, DType.F32, rowLabel, rows, from);
        arg(op, "topK", topK, stream, DType.I32, rowLabel, rows, from);
        arg(op, "topP", topP, stream, DType.F32, rowLabel, rows, from);
        arg(op, "seed", seed, stream, DType.I64, rowLabel, rows, from);
        arg(op, "step", step, stream, DType.I64, rowLabel, rows, from);
        arg(op, "outIds", outIds, stream, DType.I32, rowLabel, rows, from);
        LpNative.sample(stream.handle(), logits.dtype().code(), batch, vocab, logits.segment(), temperature.segment(),
                topK.segment(), topP.segment(), seed.segment(), step.segment(), outIds.segment());
    }
}
