/*
 * lorapar.h — the whole C ABI of the lorapar tensor core.
 *
 * Rules of the boundary (read these before adding a function):
 *  - Plain C types only. Nothing C++ crosses. Every function returns an lp_status (0 = LP_OK).
 *  - On failure a thread-local message is available from lp_last_error() until the next failing
 *    call on the same thread. Successful calls do not clear it.
 *  - A "device" is an int32: LP_DEVICE_CPU (-1) or a CUDA ordinal (0, 1, ...).
 *  - Every op takes a stream; the op runs on the stream's device and all its buffers must live
 *    there. CPU streams execute synchronously. CUDA ops are asynchronous on their stream unless
 *    the function says it synchronizes.
 *  - Matrices are row-major. Shapes are given in comments as [rows×cols].
 *  - Dtypes: LP_F32 and LP_BF16 (bf16 storage, fp32 accumulation). Masks are LP_U8 (0 = inactive,
 *    anything else = active).
 *  - Host pointer arrays (the "many tensors in one launch" ops) live in host memory; the pointers
 *    they hold live on the stream's device.
 */
#ifndef LORAPAR_H
#define LORAPAR_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define LP_API __declspec(dllexport)
#else
#define LP_API __attribute__((visibility("default")))
#endif

#define LP_ABI_VERSION 1

typedef int32_t lp_status;
enum {
    LP_OK = 0,
    LP_ERR_INVALID_ARGUMENT = 1, /* a null pointer, a negative size, a bad enum, a device mismatch */
    LP_ERR_OUT_OF_MEMORY = 2,    /* host or device allocation failed; message says asked/free    */
    LP_ERR_CUDA = 3,             /* a CUDA runtime error; message names the call and the error     */
    LP_ERR_CUBLAS = 4,           /* a cuBLAS / cuBLASLt error                                      */
    LP_ERR_UNSUPPORTED = 5,      /* dtype / mode combination not implemented on this backend       */
    LP_ERR_NO_DEVICE = 6,        /* CUDA asked for but not built in, no driver, or bad ordinal     */
    LP_ERR_INTERNAL = 7,         /* a bug: an invariant of the library itself failed               */
    LP_ERR_COLLECTIVE = 8        /* NCCL missing or failed, a peer failed, or a collective timed out */
};

typedef int32_t lp_dtype;
enum { LP_F32 = 0, LP_BF16 = 1, LP_U8 = 2, LP_I32 = 3, LP_I64 = 4 };

#define LP_DEVICE_CPU (-1)

typedef int32_t lp_copy_kind;
enum { LP_COPY_H2H = 0, LP_COPY_H2D = 1, LP_COPY_D2H = 2, LP_COPY_D2D = 3 };

typedef int32_t lp_mask_mode;
enum {
    LP_MASK_GRADIENT = 0, /* forward and dX use all of A and B; only dA, dB are masked (the method) */
    LP_MASK_FORWARD = 1   /* inactive elements contribute nothing anywhere: truly sparse adapters   */
};

typedef struct lp_stream_s *lp_stream;
typedef struct lp_event_s *lp_event;

/* ---------------------------------------------------------------- library, errors, devices */

LP_API int32_t lp_abi_version(void);
/* Static description of the build: backends compiled in, CUDA archs, compiler. Never NULL. */
LP_API const char *lp_build_info(void);
/* Last error message of this thread ("" when none). Never NULL. */
LP_API const char *lp_last_error(void);
/* Number of CUDA devices usable (0 if CUDA is not built in or no driver is present). */
LP_API lp_status lp_cuda_device_count(int32_t *out_count);
/* Free and total bytes of a device. CPU: physical memory available / total. */
LP_API lp_status lp_mem_info(int32_t device, size_t *out_free, size_t *out_total);
/* Human-readable device name into buf (NUL-terminated, truncated to buf_len). */
LP_API lp_status lp_device_name(int32_t device, char *buf, size_t buf_len);

/* ---------------------------------------------------------------- streams and events */

LP_API lp_status lp_stream_create(int32_t device, lp_stream *out_stream);
LP_API lp_status lp_stream_destroy(lp_stream stream); /* synchronizes first; frees its workspaces */
LP_API lp_status lp_stream_synchronize(lp_stream stream);
LP_API lp_status lp_stream_device(lp_stream stream, int32_t *out_device);
LP_API lp_status lp_event_create(int32_t device, lp_event *out_event);
LP_API lp_status lp_event_destroy(lp_event event);
LP_API lp_status lp_event_record(lp_event event, lp_stream stream);
LP_API lp_status lp_event_synchronize(lp_event event);
LP_API lp_status lp_stream_wait_event(lp_stream stream, lp_event event);
/* Milliseconds between two recorded events (both complete). */
LP_API lp_status lp_event_elapsed_ms(lp_event start, lp_event end, float *out_ms);

/* ---------------------------------------------------------------- memory */

/* Device memory (CPU: 64-byte aligned host memory). bytes == 0 gives a valid unique pointer. */
LP_API lp_status lp_malloc(int32_t device, size_t bytes, void **out_ptr);
LP_API lp_status lp_free(int32_t device, void *ptr); /* NULL is a no-op */
/* Page-locked host memory for fast async transfers (plain aligned memory when CUDA is absent). */
LP_API lp_status lp_host_alloc_pinned(size_t bytes, void **out_ptr);
LP_API lp_status lp_host_free_pinned(void *ptr);
/* Copy bytes on the stream. H2D/D2H/D2D need a CUDA stream; H2H works on any stream. */
LP_API lp_status lp_memcpy(lp_stream stream, void *dst, const void *src, size_t bytes, lp_copy_kind kind);
/* dst[0..n) = value, converted to dtype (u8: value must be 0..255; i32/i64: integral). */
LP_API lp_status lp_fill(lp_stream stream, void *dst, lp_dtype dtype, int64_t n, double value);
/* dst[i] = (dst_dtype) src[i], for f32 <-> bf16 (round to nearest even) and same-dtype copies. */
LP_API lp_status lp_convert(lp_stream stream, const void *src, lp_dtype src_dtype, void *dst, lp_dtype dst_dtype, int64_t n);

/* ---------------------------------------------------------------- GEMM */

/*
 * C = alpha · op(A) · op(B) + beta · C, for each of `batch` problems (strides in elements).
 * op(A) is [m×k]: trans_a = 0 → A stored [m×k] (lda ≥ k); trans_a = 1 → A stored [k×m] (lda ≥ m).
 * op(B) is [k×n]: trans_b = 0 → B stored [k×n] (ldb ≥ n); trans_b = 1 → B stored [n×k] (ldb ≥ k).
 * C stored [m×n] (ldc ≥ n). ab_dtype ∈ {F32, BF16}; c_dtype ∈ {F32, ab_dtype}. fp32 accumulation.
 * beta == 0 means C is not read (it may hold NaN). k == 0 gives C = beta·C.
 * CPU: our own cache-blocked OpenMP kernel. CUDA: cuBLASLt.
 */
LP_API lp_status lp_gemm(lp_stream stream, int32_t trans_a, int32_t trans_b,
                         int64_t m, int64_t n, int64_t k, float alpha,
                         const void *a, int64_t lda, int64_t stride_a,
                         const void *b, int64_t ldb, int64_t stride_b,
                         float beta, void *c, int64_t ldc, int64_t stride_c,
                         int64_t batch, lp_dtype ab_dtype, lp_dtype c_dtype);

/* ---------------------------------------------------------------- masked LoRA matmul */

/*
 * Forward of the LoRA path of one linear layer (x, a, b, u, y all of `dtype`, contiguous):
 *   u  = x · (a ⊙ ma)ᵀ                          u  [m×r]  (kept for the backward)
 *   y += scale · u · (b ⊙ mb)ᵀ                   y  [m×n]  (onto the base GEMM's output)
 * x [m×k], a [r×k], b [n×r]; masks [r×k] / [n×r] u8, either may be NULL (= all active).
 * In LP_MASK_GRADIENT mode the masks are ignored here (forward uses all of A and B).
 * r may be 0 (y unchanged, u untouched).
 */
LP_API lp_status lp_lora_forward(lp_stream stream, lp_dtype dtype,
                                 int64_t m, int64_t k, int64_t n, int64_t r, float scale,
                                 const void *x, const void *a, const uint8_t *mask_a,
                                 const void *b, const uint8_t *mask_b, lp_mask_mode mask_mode,
                                 void *u, void *y);

/* Projections a lp_lora_forward_group call takes at most. */
#define LP_LORA_GROUP_MAX 4

/*
 * The LoRA paths of `count` (1..LP_LORA_GROUP_MAX) projections of one input, e.g. q, k and v of a layer: for each
 * i < count, as lp_lora_forward with n = n[i], a = a[i], …:
 *   u[i]  = x · (a[i] ⊙ mask_a[i])ᵀ               u[i] [m×r]
 *   y[i] += scale · u[i] · (b[i] ⊙ mask_b[i])ᵀ     y[i] [m×n[i]]
 * x [m×k]; one rank r, scale and mask mode for all. n, a, b, u, y: host arrays of count entries; mask_a / mask_b:
 * NULL (no masks) or host arrays whose entries may be NULL. The y[i] and u[i] must not overlap each other or x.
 * The CUDA backend runs the few rows of a decode step (m ≤ 128, r ≤ 64) as two launches for the whole group.
 */
LP_API lp_status lp_lora_forward_group(lp_stream stream, lp_dtype dtype, int64_t count,
                                       int64_t m, int64_t k, const int64_t *n, int64_t r, float scale,
                                       const void *x, const void *const *a, const uint8_t *const *mask_a,
                                       const void *const *b, const uint8_t *const *mask_b,
                                       lp_mask_mode mask_mode, void *const *u, void *const *y);

/*
 * Base linear layer plus LoRA path in one call: y = x · wᵀ (+ beta·y) + scale · (x·(a⊙ma)ᵀ)·(b⊙mb)ᵀ.
 * w [n×k] of `dtype`. u [m×r] as in lp_lora_forward. The CUDA backend may fuse the two.
 */
LP_API lp_status lp_lora_linear_forward(lp_stream stream, lp_dtype dtype,
                                        int64_t m, int64_t k, int64_t n, int64_t r, float scale,
                                        const void *x, const void *w, float beta,
                                        const void *a, const uint8_t *mask_a,
                                        const void *b, const uint8_t *mask_b, lp_mask_mode mask_mode,
                                        void *u, void *y);

/*
 * Backward of the LoRA path. With A' = a⊙ma, B' = b⊙mb in LP_MASK_FORWARD mode and A' = a,
 * B' = b in LP_MASK_GRADIENT mode:
 *   g   = dy · B'                         g  [m×r] (scratch of `dtype`, caller-provided)
 *   dx += scale · g · A'                  dx [m×k] of `dtype`; NULL skips it
 *   da  = scale · (gᵀ · x) ⊙ ma   (+ da)  da [r×k] f32; NULL skips it
 *   db  = scale · (dyᵀ · u) ⊙ mb  (+ db)  db [n×r] f32; NULL skips it
 * accumulate != 0 adds onto da / db (gradient accumulation), else overwrites them.
 * Masked entries of da / db are exactly 0 after the call (when accumulating: unchanged if they were 0).
 */
LP_API lp_status lp_lora_backward(lp_stream stream, lp_dtype dtype,
                                  int64_t m, int64_t k, int64_t n, int64_t r, float scale,
                                  const void *x, const void *a, const uint8_t *mask_a,
                                  const void *b, const uint8_t *mask_b, lp_mask_mode mask_mode,
                                  const void *u, const void *dy, void *g,
                                  void *dx, float *da, float *db, int32_t accumulate);

/*
 * Backward of a whole LoRA linear layer y = x·wᵀ + scale·(x·A'ᵀ)·B'ᵀ (A', B' as in lp_lora_backward):
 *   g   = dy · B'                                        g  [m×r] scratch of `dtype`
 *   dx  = dy · w + scale · g · A' + beta_dx · dx          dx [m×k] of `dtype`; NULL skips dx
 *                                                        (beta_dx == 0: dx is not read; 1: accumulate,
 *                                                        e.g. q, k, v projections sharing one input)
 *   da, db exactly as in lp_lora_backward (masked, accumulate flag).
 * w [n×k] of `dtype`. The CUDA backend folds the LoRA term of dx into the base GEMM's epilogue.
 */
LP_API lp_status lp_lora_linear_backward(lp_stream stream, lp_dtype dtype,
                                         int64_t m, int64_t k, int64_t n, int64_t r, float scale,
                                         const void *x, const void *w, const void *a, const uint8_t *mask_a,
                                         const void *b, const uint8_t *mask_b, lp_mask_mode mask_mode,
                                         const void *u, const void *dy, void *g,
                                         float beta_dx, void *dx, float *da, float *db, int32_t accumulate);

/* x[i] = 0 where mask[i] == 0 (x of dtype F32 or BF16, n elements). */
LP_API lp_status lp_mask_apply(lp_stream stream, lp_dtype dtype, void *x, const uint8_t *mask, int64_t n);

/* ---------------------------------------------------------------- Taylor importance */

/*
 * For each of `count` tensors t (any count: one launch covers many tensors), over its sizes[t]
 * elements, with p = grads[t][i] · params[t][i]:
 *   s1[t][i] += p        s2[t][i] += p²          (f32 accumulators)
 * grads of grad_dtype, params of param_dtype (F32 or BF16 each).
 */
LP_API lp_status lp_importance_accumulate(lp_stream stream, int32_t count, const int64_t *sizes,
                                          const void *const *grads, lp_dtype grad_dtype,
                                          const void *const *params, lp_dtype param_dtype,
                                          float *const *s1, float *const *s2);

/* importance[t][i] = | s1[t][i] − ½·s2[t][i] | / num_samples   (f32; may alias s1). */
LP_API lp_status lp_importance_finalize(lp_stream stream, int32_t count, const int64_t *sizes,
                                        const float *const *s1, const float *const *s2,
                                        float *const *importance, int64_t num_samples);

/*
 * out_norm[0] = sqrt(Σ_t Σ_i x[t][i]²) over all tensors, written on the stream's device (a device
 * pointer on CUDA). Deterministic: the same inputs give the same bits on the same backend.
 * dtype F32 or BF16. Used for the importance L2 norm and for gradient clipping.
 */
LP_API lp_status lp_global_norm(lp_stream stream, int32_t count, const int64_t *sizes,
                                const void *const *x, lp_dtype dtype, float *out_norm);

/* ---------------------------------------------------------------- masked AdamW */

/*
 * One AdamW step over `count` fp32 parameter tensors, touching only active elements:
 *   for i with masks[t] == NULL or masks[t][i] != 0:
 *     g  = grads[t][i] · clip                   clip = min(1, max_grad_norm / (grad_norm[0] + 1e-6))
 *                                               when grad_norm != NULL and max_grad_norm > 0, else 1
 *     m  = beta1·m + (1−beta1)·g
 *     v  = beta2·v + (1−beta2)·g²
 *     p  = p − lr·( (m / (1−beta1^step)) / (sqrt(v / (1−beta2^step)) + eps) + weight_decay·p )
 *     param_copies[t][i] = (copy_dtype) p       when param_copies != NULL and param_copies[t] != NULL
 *   masked elements: p, m, v and the copy are not written at all (bit-identical).
 * grads are fp32; grad_norm is a device pointer (one float) on the stream's device or NULL.
 * step ≥ 1 (bias correction).
 */
LP_API lp_status lp_adamw_masked(lp_stream stream, int32_t count, const int64_t *sizes,
                                 float *const *params, const float *const *grads,
                                 float *const *exp_avg, float *const *exp_avg_sq,
                                 const uint8_t *const *masks,
                                 void *const *param_copies, lp_dtype copy_dtype,
                                 float lr, float beta1, float beta2, float eps, float weight_decay,
                                 int64_t step, const float *grad_norm, float max_grad_norm);

/* ---------------------------------------------------------------- partition selection */

/*
 * Top-mass selection. importance [n] f32, finite and ≥ 0 (else LP_ERR_INVALID_ARGUMENT).
 * Order: importance descending, index ascending among equal values.
 * Exact arithmetic, identical on every backend: with max = f·2^em (frexp, f ∈ [0.5, 1); em = 0
 * when max == 0) and en = ⌈log2 n⌉, s = 62 − em − en; each value is quantised to the integer
 * q_i = ⌊v_i · 2^s⌋ (exact in double), Q = Σ q_i < 2^62 (exact in uint64), T = ⌈theta · Q⌉ computed
 * exactly (theta's binary value times Q in 128-bit integers). The selection is the shortest prefix
 * of the order whose Σ q reaches T: the element that crosses the threshold is included; theta = 0
 * (or Q = 0) selects nothing. theta ∈ [0, 1]. mask_out[i] = 1 if selected, else 0.
 * Synchronizes the stream; *out_count (host) = number selected.
 */
LP_API lp_status lp_select_top_mass(lp_stream stream, const float *importance, int64_t n, double theta,
                                    uint8_t *mask_out, int64_t *out_count);

/*
 * Top-k among candidates: from the i with candidates[i] != 0 (candidates NULL = all), select the
 * k first in the order (values descending, index ascending). k > #candidates selects them all.
 * values [n] f32 finite. mask_out [n] u8 ← 1 / 0. Synchronizes; *out_count = number selected.
 */
LP_API lp_status lp_select_top_k(lp_stream stream, const float *values, const uint8_t *candidates, int64_t n,
                                 int64_t k, uint8_t *mask_out, int64_t *out_count);

/*
 * LoRA-PAR partition from two selected sets (u8 [n] each) and the two importance vectors:
 *   s1only = set1 \ set2, s2only = set2 \ set1, shared = set1 ∩ set2
 *   stage1 = s1only ∪ top ⌊alpha·|shared|⌋ of shared ranked by imp1
 *   stage2 = s2only ∪ top ⌊beta ·|shared|⌋ of shared ranked by imp2
 * region_out [n] u8 (may be NULL): 0 none, 1 s1-only, 2 s2-only, 3 shared.
 * out_counts (host, 5 values): |s1only|, |s2only|, |shared|, |stage1|, |stage2|. Synchronizes.
 * alpha, beta ∈ [0, 1].
 */
LP_API lp_status lp_partition_masks(lp_stream stream, int64_t n,
                                    const uint8_t *set1, const uint8_t *set2,
                                    const float *imp1, const float *imp2, double alpha, double beta,
                                    uint8_t *stage1_mask, uint8_t *stage2_mask, uint8_t *region_out,
                                    int64_t *out_counts);

/* ---------------------------------------------------------------- LLaMA layer ops */
/*
 * Shapes: tokens = batch · seq rows, each sequence contiguous. Activations of `dtype` (F32 or BF16,
 * fp32 arithmetic inside); statistics saved for the backward are f32.
 */

typedef int32_t lp_rope_style;
enum {
    LP_ROPE_ADJACENT_PAIRS = 0, /* rotates (x[2i], x[2i+1]): llama2.c, GGUF (llama.cpp), Meta */
    LP_ROPE_ROTATE_HALF = 1     /* rotates (x[i], x[i + d/2]): Hugging Face checkpoints        */
};

/* out [tokens×dim] = table [vocab×dim] rows ids [tokens] (i32). An id outside [0, vocab) is
 * LP_ERR_INVALID_ARGUMENT on the CPU backend; on CUDA its row is written as zeros (callers check ids on
 * the host, where they come from). */
LP_API lp_status lp_embedding_forward(lp_stream stream, lp_dtype dtype, int64_t tokens, int64_t vocab, int64_t dim,
                                      const int32_t *ids, const void *table, void *out);

/* d_table [vocab×dim] f32 += Σ_t (row ids[t] of) d_out [tokens×dim] (dtype). Deterministic on both backends
 * (the same inputs give the same bits: no unordered float atomics). */
LP_API lp_status lp_embedding_backward(lp_stream stream, lp_dtype dtype, int64_t tokens, int64_t vocab, int64_t dim,
                                       const int32_t *ids, const void *d_out, float *d_table);

/* RMSNorm over rows of x [rows×dim]: rstd[i] = 1 / sqrt(mean_j x[i,j]² + eps) (f32 [rows]),
 * y[i,j] = x[i,j] · rstd[i] · w[j]. w [dim] of dtype. y may not alias x. */
LP_API lp_status lp_rmsnorm_forward(lp_stream stream, lp_dtype dtype, int64_t rows, int64_t dim, float eps,
                                    const void *x, const void *w, void *y, float *rstd);

/* With x̂ = x·rstd and g = dy ⊙ w:  dx = rstd · (g − x̂ · mean_j(g ⊙ x̂))  (+ dx when accumulate_dx),
 * dw [dim] f32 += Σ_rows dy ⊙ x̂ (deterministic; NULL skips it). dx [rows×dim] of dtype, NULL skips it. */
LP_API lp_status lp_rmsnorm_backward(lp_stream stream, lp_dtype dtype, int64_t rows, int64_t dim,
                                     const void *x, const void *w, const float *rstd, const void *dy,
                                     void *dx, float *dw, int32_t accumulate_dx);

/*
 * Rotary position embedding, in place on x [tokens×heads×head_dim] (head_dim even): for pair p of a
 * head (p < head_dim/2), angle = positions[t] · theta^(−2p/head_dim) (computed in double, then cos/sin
 * in fp32), the pair (a, b) → (a·cos − b·sin, a·sin + b·cos). The pair of p is (2p, 2p+1) in
 * LP_ROPE_ADJACENT_PAIRS and (p, p + head_dim/2) in LP_ROPE_ROTATE_HALF. inverse != 0 rotates by −angle:
 * the backward of the forward rotation (dx = Rᵀ·dy). positions [tokens] i32 ≥ 0.
 */
LP_API lp_status lp_rope(lp_stream stream, lp_dtype dtype, int64_t tokens, int64_t heads, int64_t head_dim,
                         const int32_t *positions, double theta, lp_rope_style style, int32_t inverse, void *x);

/* SwiGLU: out = silu(gate) ⊙ up, silu(z) = z / (1 + e^−z); gate, up, out [n] of dtype. out may alias up. */
LP_API lp_status lp_swiglu_forward(lp_stream stream, lp_dtype dtype, int64_t n, const void *gate, const void *up,
                                   void *out);

/* d_gate = d_out ⊙ up ⊙ silu'(gate), d_up = d_out ⊙ silu(gate); silu'(z) = σ(z)·(1 + z·(1 − σ(z))).
 * d_gate / d_up [n] of dtype may alias gate / up respectively (each element is read before it is written). */
LP_API lp_status lp_swiglu_backward(lp_stream stream, lp_dtype dtype, int64_t n, const void *gate, const void *up,
                                    const void *d_out, void *d_gate, void *d_up);

/*
 * Causal grouped-query attention over `batch` sequences of `seq` tokens each:
 *   q [tokens×n_heads×head_dim], k, v [tokens×n_kv_heads×head_dim], out [tokens×n_heads×head_dim],
 *   query head h reads kv head h / (n_heads / n_kv_heads).
 *   For query i of a sequence: keys j ≤ i of the same sequence, and when segment_ids [tokens] (i32) is not
 *   NULL only keys with segment_ids[j] == segment_ids[i] (packed samples never attend across each other).
 *   s_ij = scale · q_i·k_j; p = softmax_j(s); out_i = Σ_j p_ij v_j; lse [batch×n_heads×seq] f32 =
 *   log Σ_j e^{s_ij} (saved for the backward). The CUDA backend never materialises a seq×seq matrix.
 */
LP_API lp_status lp_attention_forward(lp_stream stream, lp_dtype dtype, int64_t batch, int64_t seq, int64_t n_heads,
                                      int64_t n_kv_heads, int64_t head_dim, float scale, const void *q, const void *k,
                                      const void *v, const int32_t *segment_ids, void *out, float *lse);

/* Backward of lp_attention_forward given out, lse and d_out: dq [like q], dk, dv [like k] of dtype,
 * overwritten (GQA: the query heads of a group sum into their kv head; deterministic). */
LP_API lp_status lp_attention_backward(lp_stream stream, lp_dtype dtype, int64_t batch, int64_t seq, int64_t n_heads,
                                       int64_t n_kv_heads, int64_t head_dim, float scale, const void *q,
                                       const void *k, const void *v, const int32_t *segment_ids, const void *out,
                                       const float *lse, const void *d_out, void *dq, void *dk, void *dv);

/*
 * Softmax cross-entropy over logits [tokens×vocab] of dtype with targets [tokens] i32 (negative = ignored,
 * e.g. prompt tokens of answer-only loss) and optional per-token weights [tokens] f32 (NULL = 1):
 *   losses[t] = w_t · (logsumexp(logits_t) − logits_t[target_t])   (f32 [tokens]; 0 for ignored rows)
 * When grad_scale != 0 the logits are overwritten IN PLACE by their gradient
 *   d logits_t = grad_scale · w_t · (softmax(logits_t) − onehot(target_t))   (0 rows where ignored),
 * so no second [tokens×vocab] buffer exists (callers chunk tokens to bound the logits buffer).
 * A target ≥ vocab is LP_ERR_INVALID_ARGUMENT on CPU; on CUDA its row is treated as ignored and its loss
 * is NaN (callers check targets on the host).
 */
LP_API lp_status lp_cross_entropy(lp_stream stream, lp_dtype dtype, int64_t tokens, int64_t vocab, void *logits,
                                  const int32_t *targets, const float *weights, float grad_scale, float *losses);

/* ---------------------------------------------------------------- KV-cache generation */
/*
 * Decoding one token per sequence against a KV cache. The caller lays a cache out as
 * [cache_slots×n_kv_heads×head_dim] with cache_slots = batch·max_len: position pos of sequence b lives
 * in slot b·max_len + pos. All per-row parameters live on the stream's device (CUDA: device memory), so
 * a captured CUDA graph can be replayed after new values are copied into the same buffers.
 */

/*
 * k_cache[slot[t]] = k[t], v_cache[slot[t]] = v[t] for each row t: k, v [rows×n_kv_heads×head_dim],
 * slot [rows] i32, caches [cache_slots×n_kv_heads×head_dim], all of dtype (F32 or BF16) except slot.
 * A slot outside [0, cache_slots) is LP_ERR_INVALID_ARGUMENT on the CPU backend (checked before anything
 * is written); on CUDA its row is skipped (callers check slots on the host, where they come from).
 * Slots should be distinct (CPU: the last row wins; CUDA: unspecified which row wins).
 */
LP_API lp_status lp_kv_cache_write(lp_stream stream, lp_dtype dtype, int64_t rows, int64_t n_kv_heads,
                                   int64_t head_dim, const void *k, const void *v, const int32_t *slot,
                                   void *k_cache, void *v_cache, int64_t cache_slots);

/*
 * A decode step's rotary embedding and cache write in one call: lp_rope (forward, in place) on
 * q [rows×n_heads×head_dim] and k [rows×n_kv_heads×head_dim] at positions [rows], then lp_kv_cache_write
 * of the rotated k and of v. The same values as those three calls, with lp_kv_cache_write's slot rules (the
 * CPU backend checks every slot before it writes anything); the CUDA backend runs one kernel. q, k, v and
 * the caches must not overlap.
 */
LP_API lp_status lp_rope_kv_cache_write(lp_stream stream, lp_dtype dtype, int64_t rows, int64_t n_heads,
                                        int64_t n_kv_heads, int64_t head_dim, const int32_t *positions,
                                        double theta, lp_rope_style style, void *q, void *k, const void *v,
                                        const int32_t *slot, void *k_cache, void *v_cache, int64_t cache_slots);

/*
 * Decode attention: one new query per sequence against that sequence's cache (GQA as in
 * lp_attention_forward: query head h reads kv head h / (n_heads / n_kv_heads)).
 *   q, out [batch×n_heads×head_dim]; k_cache, v_cache [batch×max_len×n_kv_heads×head_dim]; lengths [batch] i32.
 *   Query b attends keys 0..lengths[b]−1 of its cache (the new token's k, v already written at position
 *   lengths[b]−1): s_j = scale·q·k_j, out = Σ_j softmax(s)_j v_j (fp32 softmax statistics and accumulation).
 *   lengths[b] == 0 means a finished / padded slot: its output rows are zeros.
 *   prefix (nullable) [batch×2] i32: keys j < prefix[2b+1] of sequence b are read from cache row prefix[2b]
 *   instead of row b — sequences that share a prompt (G completions of one prompt) read one copy of it, so
 *   on CUDA the repeats' reads of it are served from L2 while the sequences run side by side.
 * lengths[b] outside [0, max_len] is LP_ERR_INVALID_ARGUMENT on the CPU; on CUDA it is clamped to [0, max_len].
 * A prefix row outside [0, batch) or prefix length outside [0, max_len] likewise (CUDA: the row's own keys).
 * CUDA: split-K over the sequence (several blocks per sequence and kv head, then a combine kernel); the
 * grid depends on max_len, never on the lengths, and the partial results live in the stream's scratch
 * arena, so the call is capturable in a CUDA graph (see lp_graph_begin_capture).
 */
LP_API lp_status lp_attention_decode(lp_stream stream, lp_dtype dtype, int64_t batch, int64_t n_heads,
                                     int64_t n_kv_heads, int64_t head_dim, int64_t max_len, float scale,
                                     const void *q, const void *k_cache, const void *v_cache,
                                     const int32_t *lengths, const int32_t *prefix, void *out);

/*
 * Token sampling, one row at a time: logits [batch×vocab] of dtype (F32 or BF16), per-row parameters on the
 * stream's device: temperature [batch] f32, top_k [batch] i32 (0 = off), top_p [batch] f32 (1 = off),
 * seed [batch] u64, step [batch] i64; out_ids [batch] i32.
 *  - temperature ≤ 0: greedy, the argmax of the logits (ties → the lowest id).
 *  - otherwise, with mx = max logit, every token gets the integer weight
 *      w_i = ⌊2^31 · e^((logit_i − mx)·(1/T))⌋   (u32; e^x from one fixed sequence of fp32 roundings and
 *                                                 FMAs, native/src/common/sample_math.h, identical on every backend)
 *    top_k > 0 keeps the w_i ≥ t_k, t_k the top_k-th largest weight (ties at t_k all kept; top_k ≥ vocab: off);
 *    of the kept mass M, top_p < 1 then keeps the w_i ≥ t_p, t_p the largest value with Σ_{w_i ≥ t_p} w_i ≥
 *    ⌈top_p·M⌉ (exact integer arithmetic; elements tied at t_p are all kept). With K = Σ kept w_i,
 *    u = ⌊r·K / 2^64⌋ for the 64-bit counter-based random r = lp_sample_random(seed, step) (splitmix64),
 *    and the token is the first id in index order whose running sum of kept weights exceeds u.
 *    Tokens below 2^−31 of the most likely one have weight 0 and are never drawn.
 * Valid rows: no NaN or +Inf logit, at least one logit > −Inf, temperature not NaN, top_k ≥ 0,
 * top_p ∈ (0, 1]. The CPU backend rejects an invalid row with LP_ERR_INVALID_ARGUMENT (naming it);
 * CUDA writes out_ids[b] = −1 for it (callers that cannot rule such rows out check for −1).
 * CPU and CUDA draw the same ids for the same F32 logits and parameters. vocab ≤ 2^31 − 1.
 */
LP_API lp_status lp_sample(lp_stream stream, lp_dtype dtype, int64_t batch, int64_t vocab, const void *logits,
                           const float *temperature, const int32_t *top_k, const float *top_p,
                           const uint64_t *seed, const int64_t *step, int32_t *out_ids);

/* ---------------------------------------------------------------- CUDA graphs */
/*
 * Capture the work queued on one CUDA stream into a graph, then replay it with one launch:
 *   lp_graph_begin_capture(s); ...ops on s...; lp_graph_end_capture(s, &g); lp_graph_launch(g, s) ...
 * Ops queued during the capture are recorded, not run. A CPU stream gives LP_ERR_UNSUPPORTED ("graphs need
 * a CUDA stream"). The capture is thread-local (cudaStreamCaptureModeThreadLocal): only the capturing
 * thread is restricted. Capture-safe ops (no host synchronisation, no allocation): lp_fill, lp_convert,
 * lp_memcpy D2D, lp_gemm, lp_lora_forward, lp_lora_linear_forward, the LLaMA layer ops, lp_kv_cache_write,
 * lp_attention_decode, lp_sample. The selection functions (lp_select_*, lp_partition_masks) synchronize
 * and fail (the capture is then invalidated, and lp_graph_end_capture reports it). An op whose
 * temporaries need a larger stream scratch arena than the stream holds fails during capture
 * (LP_ERR_UNSUPPORTED, message says so): run the same op sequence once on the stream before capturing.
 * A graph keeps its capture stream's workspaces (scratch arena, cuBLASLt workspace) alive until it is
 * destroyed, even past lp_stream_destroy; replays use those workspaces, so replays on a stream other than
 * the capture stream must be ordered against the capture stream's own work (events).
 * lp_graph_end_capture always ends the capture: on failure (an op invalidated it) *out_graph is NULL and
 * the stream is usable again.
 */
typedef struct lp_graph_s *lp_graph;

LP_API lp_status lp_graph_begin_capture(lp_stream stream);
LP_API lp_status lp_graph_end_capture(lp_stream stream, lp_graph *out_graph);
/* Replays the graph on a CUDA stream of the graph's device (asynchronous, like any op). */
LP_API lp_status lp_graph_launch(lp_graph graph, lp_stream stream);
/* NULL is a no-op. */
LP_API lp_status lp_graph_destroy(lp_graph graph);

/* ---------------------------------------------------------------- NCCL collectives (CUDA only) */
/*
 * Data parallelism over GPUs through NCCL. libnccl.so.2 is opened (dlopen) at the first lp_nccl_* call, so
 * neither the build nor CPU-only runs need NCCL; without it (or without the CUDA backend) every call fails
 * with LP_ERR_COLLECTIVE / LP_ERR_NO_DEVICE and a message saying so. NCCL_NVLS_ENABLE=0 (NVLink multicast
 * off) and NCCL_COMM_BLOCKING=0 (non-blocking communicators, so that every wait has a deadline) are set in
 * the environment before the first communicator is made, unless already set.
 * Usage: rank 0 makes an id (lp_nccl_get_unique_id) and hands it to every rank (threads of this process, or
 * processes through a rendezvous); each rank calls lp_nccl_comm_init with it (this waits for all ranks, up to
 * timeout_s), then queues collectives on a CUDA stream of its device and waits with lp_nccl_wait. A wait
 * that passes its deadline, or a communicator error (a peer died: ncclRemoteError, …), aborts the
 * communicator and returns LP_ERR_COLLECTIVE naming the call; the communicator is then only good for
 * lp_nccl_comm_destroy.
 */
#define LP_NCCL_UNIQUE_ID_BYTES 128
typedef int32_t lp_nccl_type;
enum { LP_NCCL_F32 = 0, LP_NCCL_F64 = 1, LP_NCCL_I64 = 2, LP_NCCL_U8 = 3 };
typedef struct lp_nccl_comm_s *lp_nccl_comm;

/* The NCCL version code (e.g. 22703 for 2.27.3); loads the library. */
LP_API lp_status lp_nccl_version(int32_t *out_version);
/* Writes LP_NCCL_UNIQUE_ID_BYTES bytes. */
LP_API lp_status lp_nccl_get_unique_id(uint8_t *out_id);
/* Rank `rank` of `world_size` on CUDA device `device`; returns when all ranks joined (or fails after timeout_s). */
LP_API lp_status lp_nccl_comm_init(int32_t device, int32_t world_size, int32_t rank, const uint8_t *id,
                                   double timeout_s, lp_nccl_comm *out_comm);
/* Queues an in-place sum of `count` elements at device pointer data over all ranks on `stream`. */
LP_API lp_status lp_nccl_all_reduce_sum(lp_nccl_comm comm, lp_stream stream, void *data, int64_t count,
                                        lp_nccl_type type);
/* Queues a broadcast of `bytes` bytes at device pointer data from rank `root` on `stream`. */
LP_API lp_status lp_nccl_broadcast(lp_nccl_comm comm, lp_stream stream, void *data, int64_t bytes, int32_t root);
/* Brackets several queued collectives into one fused launch (ncclGroupStart / ncclGroupEnd); group_end waits
 * (≤ timeout_s) until they are queued. */
LP_API lp_status lp_nccl_group_start(void);
LP_API lp_status lp_nccl_group_end(lp_nccl_comm comm, double timeout_s);
/* Waits until the stream's queued work is done, polling the communicator for errors; timeout → abort. */
LP_API lp_status lp_nccl_wait(lp_nccl_comm comm, lp_stream stream, double timeout_s);
/* Aborts the communicator (pending collectives of the other ranks then fail); idempotent. */
LP_API lp_status lp_nccl_comm_abort(lp_nccl_comm comm);
/* Destroys (or, after an abort or error, frees) the communicator; NULL is a no-op. */
LP_API lp_status lp_nccl_comm_destroy(lp_nccl_comm comm);

#ifdef __cplusplus
}
#endif
#endif /* LORAPAR_H */
