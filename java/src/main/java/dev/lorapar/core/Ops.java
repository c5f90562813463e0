package dev.lorapar.core;

import java.util.List;

/**
 * The tensor-core operations. Every method first validates in Java — the stream is open, every tensor is
 * open ({@link IllegalStateException} otherwise) and on the stream's device, dtypes and shapes — and throws
 * {@link IllegalArgumentException} naming the argument, its shape and the expected one (e.g.
 * {@code "loraForward: a has shape [3, 7], expected [r=3, k=5] (from x [m=4, k=5])"}); a null argument
 * that is not marked nullable throws {@link NullPointerException} naming it. Errors found by the native
 * library throw {@link LoraparException}.
 *
 * <p>On a CPU stream each op has completed when the method returns; on a CUDA stream it is queued
 * (asynchronous) unless documented as synchronizing. Matrices are row-major; shapes are written
 * {@code [rows×cols]}.
 */
public final class Ops {
    private Ops() {
    }

    /**
     * AdamW hyper-parameters.
     *
     * @param lr          learning rate, ≥ 0
     * @param beta1       first-moment decay, in [0, 1)
     * @param beta2       second-moment decay, in [0, 1)
     * @param eps         denominator term, &gt; 0
     * @param weightDecay decoupled weight decay, ≥ 0
     */
    public record AdamW(float lr, float beta1, float beta2, float eps, float weightDecay) {
        /** @throws IllegalArgumentException for a value outside its range (or non-finite) */
        public AdamW {
            requireRange("lr", lr, lr >= 0 && Float.isFinite(lr), ">= 0");
            requireRange("beta1", beta1, beta1 >= 0 && beta1 < 1, "in [0, 1)");
            requireRange("beta2", beta2, beta2 >= 0 && beta2 < 1, "in [0, 1)");
            requireRange("eps", eps, eps > 0 && Float.isFinite(eps), "> 0");
            requireRange("weightDecay", weightDecay, weightDecay >= 0 && Float.isFinite(weightDecay), ">= 0");
        }

        private static void requireRange(String name, float value, boolean ok, String expected) {
            if (!ok) {
                throw new IllegalArgumentException("AdamW: " + name + " = " + value + ", expected a finite value "
                        + expected);
            }
        }
    }

    /**
     * Sizes of the sets made by {@link #partitionMasks}.
     *
     * @param s1Only |set1 \ set2|
     * @param s2Only |set2 \ set1|
     * @param shared |set1 ∩ set2|
     * @param stage1 |stage1 mask| = s1Only + ⌊alpha·shared⌋
     * @param stage2 |stage2 mask| = s2Only + ⌊beta·shared⌋
     */
    public record PartitionCounts(long s1Only, long s2Only, long shared, long stage1, long stage2) {
    }

    // ------------------------------------------------------------------ memory

    /**
     * dst [n] ← src [n], bytes as they are: same dtype and numel, any shapes, any devices. Host-to-host
     * runs on any stream; a copy touching CUDA memory needs a stream of (one of) the CUDA device(s) involved.
     * Asynchronous on CUDA streams (synchronize before reading a host dst or reusing a host src).
     */
    public static void copy(Stream stream, Tensor src, Tensor dst) {
        MemoryOps.copy(stream, src, dst);
    }

    /**
     * dst [n] ← src [n] converted, on the stream's device: same dtype (a copy), or F32 ⇄ BF16 (round to
     * nearest even).
     */
    public static void convert(Stream stream, Tensor src, Tensor dst) {
        MemoryOps.convert(stream, src, dst);
    }

    /**
     * t[i] = value for every element. F32/BF16 take any value (NaN included); U8 needs an integer in
     * 0..255, I32/I64 an integer in their range.
     */
    public static void fill(Stream stream, Tensor t, double value) {
        MemoryOps.fill(stream, t, value);
    }

    // ------------------------------------------------------------------ GEMM

    /**
     * c = alpha·op(a)·op(b) + beta·c with fp32 accumulation. 2-D: op(a) [m×k] (a stored [m×k], or [k×m] when
     * transA), op(b) [k×n] (b stored [k×n], or [n×k] when transB), c [m×n]. 3-D: a strided batch, all three
     * [batch×rows×cols] with equal batch, or a 2-D a shared by every matrix of a 3-D b and c (batch stride 0: e.g.
     * x·W{q,k,v}ᵀ over stacked weights in one call). a and b F32 or BF16 (the same); c F32 or a's dtype. beta = 0 means
     * c is not read. c must not be a or b.
     */
    public static void gemm(Stream stream, boolean transA, boolean transB, float alpha, Tensor a, Tensor b,
                            float beta, Tensor c) {
        GemmOp.gemm(stream, transA, transB, alpha, a, b, beta, c);
    }

    // ------------------------------------------------------------------ masked LoRA

    /**
     * LoRA forward: u = x·(a⊙maskA)ᵀ [m×r]; y += scale·u·(b⊙maskB)ᵀ [m×n]. In {@link MaskMode#GRADIENT} mode
     * the masks are ignored here. x [m×k], a [r×k], maskA [r×k] U8 nullable (all active), b [n×r], maskB
     * [n×r] U8 nullable, u [m×r], y [m×n]; x, a, b, u, y one dtype (F32 or BF16).
     */
    public static void loraForward(Stream stream, float scale, Tensor x, Tensor a, Tensor maskA, Tensor b,
                                   Tensor maskB, MaskMode mode, Tensor u, Tensor y) {
        LoraOps.forward(stream, scale, x, a, maskA, b, maskB, mode, u, y);
    }

    /**
     * The LoRA paths of up to 4 projections of one input (e.g. q, k, v of a layer): for each i, as
     * {@link #loraForward} with a[i], maskA[i], b[i], maskB[i], u[i], y[i]; one rank for all. maskA / maskB null
     * (no masks) or arrays with null entries. On CUDA a decode step's few rows (m ≤ 128, r ≤ 64) run as two launches
     * for the whole group. u and y tensors must be distinct, none of them x.
     */
    public static void loraForwardGroup(Stream stream, float scale, Tensor x, Tensor[] a, Tensor[] maskA, Tensor[] b,
                                        Tensor[] maskB, MaskMode mode, Tensor[] u, Tensor[] y) {
        LoraOps.forwardGroup(stream, scale, x, a, maskA, b, maskB, mode, u, y);
    }

    /**
     * Base linear layer plus LoRA path: y = x·wᵀ + beta·y + scale·(x·(a⊙maskA)ᵀ)·(b⊙maskB)ᵀ, with u [m×r] as in
     * {@link #loraForward}. w [n×k] of x's dtype; other arguments as in {@link #loraForward}.
     */
    public static void loraLinearForward(Stream stream, float scale, Tensor x, Tensor w, float beta, Tensor a,
                                         Tensor maskA, Tensor b, Tensor maskB, MaskMode mode, Tensor u, Tensor y) {
        LoraOps.linearForward(stream, scale, x, w, beta, a, maskA, b, maskB, mode, u, y);
    }

    /**
     * LoRA backward, with A' = a⊙maskA, B' = b⊙maskB in FORWARD mode and A' = a, B' = b in GRADIENT mode:
     * g = dy·B' [m×r]; dx += scale·g·A' [m×k]; da = scale·(gᵀ·x)⊙maskA [r×k]; db = scale·(dyᵀ·u)⊙maskB [n×r]
     * (accumulate adds onto da/db instead of overwriting them). dy [m×n] and g [m×r] (scratch) of x's
     * dtype; dx [m×k] of x's dtype, nullable (skipped); da [r×k] F32 nullable; db [n×r] F32 nullable.
     */
    public static void loraBackward(Stream stream, float scale, Tensor x, Tensor a, Tensor maskA, Tensor b,
                                    Tensor maskB, MaskMode mode, Tensor u, Tensor dy, Tensor g, Tensor dx, Tensor da,
                                    Tensor db, boolean accumulate) {
        LoraOps.backward(stream, scale, x, a, maskA, b, maskB, mode, u, dy, g, dx, da, db, accumulate);
    }

    /**
     * Backward of a whole LoRA linear layer y = x·wᵀ + scale·(x·A'ᵀ)·B'ᵀ (A', B' as in {@link #loraBackward}):
     * g = dy·B' [m×r]; dx = dy·w + scale·g·A' + betaDx·dx [m×k]; da, db exactly as in {@link #loraBackward}
     * (masked; accumulate adds onto them). betaDx = 0 means dx is not read (it may hold NaN); 1 accumulates
     * (e.g. q, k, v projections sharing one input); it must be finite ({@link LoraparException} otherwise).
     * w [n×k] of x's dtype, required; other arguments as in {@link #loraBackward} (dx, da, db nullable).
     */
    public static void loraLinearBackward(Stream stream, float scale, Tensor x, Tensor w, Tensor a, Tensor maskA,
                                          Tensor b, Tensor maskB, MaskMode mode, Tensor u, Tensor dy, Tensor g,
                                          float betaDx, Tensor dx, Tensor da, Tensor db, boolean accumulate) {
        LoraOps.linearBackward(stream, scale, x, w, a, maskA, b, maskB, mode, u, dy, g, betaDx, dx, da, db,
                accumulate);
    }

    /** x[i] = 0 where mask[i] == 0; x F32 or BF16 [n], mask U8 with the same numel. */
    public static void maskApply(Stream stream, Tensor x, Tensor mask) {
        MemoryOps.maskApply(stream, x, mask);
    }

    // ------------------------------------------------------------------ Taylor importance

    /**
     * For each tensor t, with p = grads[t][i]·params[t][i]: s1[t][i] += p, s2[t][i] += p², in one launch.
     * Equal list sizes, element-wise equal numel; grads all one dtype and params all one dtype (F32 or BF16);
     * s1, s2 F32.
     */
    public static void importanceAccumulate(Stream stream, List<Tensor> grads, List<Tensor> params, List<Tensor> s1,
                                            List<Tensor> s2) {
        MultiTensorOps.importanceAccumulate(stream, grads, params, s1, s2);
    }

    /**
     * importance[t][i] = |s1[t][i] − ½·s2[t][i]| / numSamples, all F32 with element-wise equal numel
     * (importance may be the s1 tensors themselves). numSamples ≥ 1.
     */
    public static void importanceFinalize(Stream stream, List<Tensor> s1, List<Tensor> s2, List<Tensor> importance,
                                          long numSamples) {
        MultiTensorOps.importanceFinalize(stream, s1, s2, importance, numSamples);
    }

    /**
     * out[0] = sqrt(Σ_t Σ_i xs[t][i]²), deterministic, written on the stream's device. xs one dtype (F32 or
     * BF16); out F32 with numel 1.
     */
    public static void globalNorm(Stream stream, List<Tensor> xs, Tensor out) {
        MultiTensorOps.globalNorm(stream, xs, out);
    }

    // ------------------------------------------------------------------ masked AdamW

    /**
     * One AdamW step (bias-corrected with {@code step} ≥ 1) over F32 params, grads, expAvg, expAvgSq
     * (equal list sizes, element-wise equal numel), touching only elements whose mask is non-zero: masked
     * elements of params, moments and copies stay bit-identical. masks: nullable list (all active), entries
     * nullable, U8 with the param's numel. copies: nullable list, entries nullable, all one dtype (BF16 or
     * F32): each updated parameter is also written there. Gradients are scaled by
     * min(1, maxGradNorm / (gradNorm[0] + 1e-6)) when gradNorm (F32, numel 1, nullable) is given and
     * maxGradNorm &gt; 0.
     */
    public static void adamwMasked(Stream stream, AdamW hp, long step, List<Tensor> params, List<Tensor> grads,
                                   List<Tensor> expAvg, List<Tensor> expAvgSq, List<Tensor> masks,
                                   List<Tensor> copies, Tensor gradNorm, float maxGradNorm) {
        MultiTensorOps.adamwMasked(stream, hp, step, params, grads, expAvg, expAvgSq, masks, copies, gradNorm,
                maxGradNorm);
    }

    // ------------------------------------------------------------------ partition selection

    /**
     * Top-mass selection over importance (F32, any shape, flattened; finite, ≥ 0): the shortest prefix of
     * the order (value descending, index ascending) whose mass reaches theta ∈ [0, 1] of the total, with the
     * exact arithmetic of lorapar.h. maskOut (U8, same numel) ← 1 selected / 0 not. Synchronizes the
     * stream; returns the number selected.
     */
    public static long selectTopMass(Stream stream, Tensor importance, double theta, Tensor maskOut) {
        return SelectionOps.selectTopMass(stream, importance, theta, maskOut);
    }

    /**
     * Top-k: among the i with candidates[i] != 0 (candidates U8 nullable = all), the k ≥ 0 first by values
     * (F32, finite; descending, index ascending). maskOut (U8, same numel) ← 1 / 0. Synchronizes; returns
     * the number selected (min(k, #candidates)).
     */
    public static long selectTopK(Stream stream, Tensor values, Tensor candidates, long k, Tensor maskOut) {
        return SelectionOps.selectTopK(stream, values, candidates, k, maskOut);
    }

    /**
     * LoRA-PAR partition of two selected sets set1, set2 (U8 [n]) with importances imp1, imp2 (F32 [n]):
     * stage1 ← (set1 \ set2) ∪ top ⌊alpha·|shared|⌋ of the shared by imp1; stage2 ← (set2 \ set1) ∪ top
     * ⌊beta·|shared|⌋ of the shared by imp2 (stage masks U8 [n]); region (U8 [n], nullable) ← 0 none,
     * 1 set1-only, 2 set2-only, 3 shared. alpha, beta ∈ [0, 1]. Synchronizes; returns the counts.
     */
    public static PartitionCounts partitionMasks(Stream stream, Tensor set1, Tensor set2, Tensor imp1, Tensor imp2,
                                                 double alpha, double beta, Tensor stage1, Tensor stage2,
                                                 Tensor region) {
        return SelectionOps.partitionMasks(stream, set1, set2, imp1, imp2, alpha, beta, stage1, stage2, region);
    }

    // ------------------------------------------------------------------ LLaMA layer ops

    /** Which elements of a head RoPE rotates together (the {@code lp_rope_style} codes of lorapar.h). */
    public enum RopeKind {
        /** Pairs (x[2i], x[2i+1]): llama2.c, GGUF (llama.cpp) and Meta checkpoints. */
        ADJACENT_PAIRS(0),
        /** Pairs (x[i], x[i + headDim/2]): Hugging Face checkpoints. */
        ROTATE_HALF(1);

        private final int code;

        RopeKind(int code) {
            this.code = code;
        }

        /** The native {@code lp_rope_style} value. */
        public int code() {
            return code;
        }
    }

    /**
     * Embedding gather: out [tokens×dim] = rows ids[t] of table [vocab×dim]. ids I32 [tokens]; table F32 or
     * BF16, out of table's dtype. An id outside [0, vocab) throws {@link LoraparException} on the CPU; on CUDA
     * its row is zeros (check ids on the host).
     */
    public static void embeddingForward(Stream stream, Tensor ids, Tensor table, Tensor out) {
        LayerOps.embeddingForward(stream, ids, table, out);
    }

    /**
     * Embedding backward: dTable [vocab×dim] F32 += Σ_t (row ids[t] of) dOut [tokens×dim] (F32 or BF16); ids
     * I32 [tokens]. Deterministic on every backend.
     */
    public static void embeddingBackward(Stream stream, Tensor ids, Tensor dOut, Tensor dTable) {
        LayerOps.embeddingBackward(stream, ids, dOut, dTable);
    }

    /**
     * RMSNorm over rows: rstd[i] = 1/sqrt(mean_j x[i,j]² + eps), y = x·rstd·w. x [rows×dim] F32 or BF16 (dim ≥
     * 1), w [dim] and y [rows×dim] of x's dtype (y must not overlap x), rstd [rows] F32; eps ≥ 0.
     */
    public static void rmsnormForward(Stream stream, float eps, Tensor x, Tensor w, Tensor y, Tensor rstd) {
        LayerOps.rmsnormForward(stream, eps, x, w, y, rstd);
    }

    /**
     * RMSNorm backward with x̂ = x·rstd, g = dy⊙w: dx = rstd·(g − x̂·mean_j(g⊙x̂)) (added onto dx when
     * accumulateDx); dw [dim] F32 += Σ_rows dy⊙x̂ (deterministic). x, dy, dx [rows×dim] and w [dim] of one dtype,
     * rstd [rows] F32 from {@link #rmsnormForward}; dx and dw nullable (skipped).
     */
    public static void rmsnormBackward(Stream stream, Tensor x, Tensor w, Tensor rstd, Tensor dy, Tensor dx,
                                       Tensor dw, boolean accumulateDx) {
        LayerOps.rmsnormBackward(stream, x, w, rstd, dy, dx, dw, accumulateDx);
    }

    /**
     * Rotary position embedding in place on x [tokens×heads×headDim] (F32 or BF16, headDim even): pair p of
     * every head turns by positions[t]·theta^(−2p/headDim); {@code inverse} turns by the opposite angle (the
     * backward). positions I32 [tokens], ≥ 0 ({@link LoraparException} on the CPU otherwise); theta &gt; 0.
     */
    public static void rope(Stream stream, Tensor x, Tensor positions, double theta, RopeKind kind, boolean inverse) {
        LayerOps.rope(stream, x, positions, theta, kind, inverse);
    }

    /** SwiGLU: out = silu(gate)⊙up; gate, up, out one dtype (F32 or BF16), equal numel; out may be up. */
    public static void swigluForward(Stream stream, Tensor gate, Tensor up, Tensor out) {
        LayerOps.swigluForward(stream, gate, up, out);
    }

    /**
     * SwiGLU backward: dGate = dOut⊙up⊙silu'(gate), dUp = dOut⊙silu(gate); all one dtype and numel. dGate may be
     * gate and dUp may be up (in place).
     */
    public static void swigluBackward(Stream stream, Tensor gate, Tensor up, Tensor dOut, Tensor dGate, Tensor dUp) {
        LayerOps.swigluBackward(stream, gate, up, dOut, dGate, dUp);
    }

    /**
     * Causal grouped-query attention: q [batch×seq×nHeads×headDim], k, v [batch×seq×nKvHeads×headDim] (nKvHeads
     * divides nHeads; query head h reads kv head h/(nHeads/nKvHeads)), out like q, all one dtype (F32 or BF16);
     * lse [batch×nHeads×seq] F32 receives log Σ_j e^{s_ij}. Query i sees keys j ≤ i of its sequence, and with
     * segmentIds [batch×seq] I32 (nullable) only those of its own segment (packed samples).
     * s_ij = scale·q_i·k_j.
     */
    public static void attentionForward(Stream stream, float scale, Tensor q, Tensor k, Tensor v, Tensor segmentIds,
                                        Tensor out, Tensor lse) {
        LayerOps.attentionForward(stream, scale, q, k, v, segmentIds, out, lse);
    }

    /**
     * Backward of {@link #attentionForward} from its out, lse and dOut [like q]: dq [like q], dk, dv [like k]
     * overwritten (the query heads of a group sum into their kv head; deterministic). No gradient may overlap
     * an input or another gradient ({@link LoraparException}).
     */
    public static void attentionBackward(Stream stream, float scale, Tensor q, Tensor k, Tensor v, Tensor segmentIds,
                                         Tensor out, Tensor lse, Tensor dOut, Tensor dq, Tensor dk, Tensor dv) {
        LayerOps.attentionBackward(stream, scale, q, k, v, segmentIds, out, lse, dOut, dq, dk, dv);
    }

    /**
     * Softmax cross-entropy: losses[t] = w_t·(logsumexp(logits_t) − logits_t[target_t]) (F32 [tokens]; 0 where
     * targets[t] &lt; 0, ignored). When gradScale != 0, logits [tokens×vocab] (F32 or BF16) are overwritten IN
     * PLACE by gradScale·w_t·(softmax(logits_t) − onehot(target_t)) (zero rows where ignored). targets I32
     * [tokens] (≥ vocab: {@link LoraparException} on the CPU); weights F32 [tokens], nullable (all 1).
     */
    public static void crossEntropy(Stream stream, Tensor logits, Tensor targets, Tensor weights, float gradScale,
                                    Tensor losses) {
        LayerOps.crossEntropy(stream, logits, targets, weights, gradScale, losses);
    }
}
