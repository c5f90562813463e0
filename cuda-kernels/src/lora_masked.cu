/*
 * lora_masked.cu — the masked LoRA path of a linear layer, on the cuBLASLt GEMM entry:
 *   lp_cuda_lora_forward, lp_cuda_lora_linear_forward, lp_cuda_lora_backward, lp_cuda_mask_apply.
 * Shapes: x [m×k], a [r×k], b [n×r], u [m×r], y / dy [m×n], g [m×r], dx [m×k], da [r×k] f32,
 * db [n×r] f32; masks u8 of the shape of what they mask; all row-major and contiguous.
 * LP_MASK_FORWARD: A' = a⊙ma and B' = b⊙mb are materialised into the stream's scratch by a masked
 * copy; LP_MASK_GRADIENT: A' = a, B' = b. The dA / dB masks are applied in both modes.
 */
#include "cuda_common.cuh"
#include "gemm.cuh"

/* ------------------------------------------------------------------------------------------ kernels */

/* dst[i] = mask[i] ? src[i] : 0, on element bits W (uint32_t for f32, uint16_t for bf16: +0.0 is 0). */
template <class W> __global__ void lp_masked_copy_kernel(W *dst, const W *src, const uint8_t *mask, int64_t n) {
    for (int64_t i = lp_thread_index(); i < n; i += lp_grid_stride()) dst[i] = mask[i] != 0 ? src[i] : (W)0;
}

/* x[i] = 0 where mask[i] == 0; active elements are not written. */
template <class W> __global__ void lp_mask_apply_kernel(W *x, const uint8_t *mask, int64_t n) {
    for (int64_t i = lp_thread_index(); i < n; i += lp_grid_stride())
        if (mask[i] == 0) x[i] = (W)0;
}

/* ----------------------------------------------------------------------------------------- launchers */

static lp_status lp_masked_copy(lp_stream stream, lp_dtype dtype, void *dst, const void *src, const uint8_t *mask,
                                int64_t n) {
    if (n == 0) return LP_OK;
    const unsigned int grid = lp_cuda_grid(stream, n);
    cudaStream_t cuda_stream = lp_cuda_stream_of(stream);
    if (dtype == LP_F32)
        lp_masked_copy_kernel<uint32_t><<<grid, LP_THREADS, 0, cuda_stream>>>(
            static_cast<uint32_t *>(dst), static_cast<const uint32_t *>(src), mask, n);
    else
        lp_masked_copy_kernel<uint16_t><<<grid, LP_THREADS, 0, cuda_stream>>>(
            static_cast<uint16_t *>(dst), static_cast<const uint16_t *>(src), mask, n);
    LP_CUDA_CHECK_LAUNCH("lp_masked_copy_kernel");
    return LP_OK;
}

static lp_status lp_mask_apply_run(lp_stream stream, lp_dtype dtype, void *x, const uint8_t *mask, int64_t n) {
    if (n == 0) return LP_OK;
    const unsigned int grid = lp_cuda_grid(stream, n);
    cudaStream_t cuda_stream = lp_cuda_stream_of(stream);
    if (dtype == LP_F32)
        lp_mask_apply_kernel<uint32_t><<<grid, LP_THREADS, 0, cuda_stream>>>(static_cast<uint32_t *>(x), mask, n);
    else if (dtype == LP_BF16)
        lp_mask_apply_kernel<uint16_t><<<grid, LP_THREADS, 0, cuda_stream>>>(static_cast<uint16_t *>(x), mask, n);
    else
        return lp_fail(LP_ERR_UNSUPPORTED, "lp_mask_apply: dtype %s is not supported", lp_dtype_name(dtype));
    LP_CUDA_CHECK_LAUNCH("lp_mask_apply_kernel");
    return LP_OK;
}

static lp_status lp_check_lora_dtype(const char *op, lp_dtype dtype) {
    if (dtype == LP_F32 || dtype == LP_BF16) return LP_OK;
    return lp_fail(LP_ERR_UNSUPPORTED, "%s: dtype %s is not supported (F32 or BF16)", op, lp_dtype_name(dtype));
}

/* The adapters the matmuls use: A' [r×k], B' [n×r]. In LP_MASK_FORWARD mode with a mask, a masked copy
 * in the stream's scratch (valid until the next op on the stream); otherwise a / b themselves. */
static lp_status lp_effective_adapters(lp_stream stream, lp_dtype dtype, int64_t k, int64_t n, int64_t r,
                                       const void *a, const uint8_t *mask_a, const void *b, const uint8_t *mask_b,
                                       lp_mask_mode mask_mode, const void **out_a, const void **out_b) {
    *out_a = a;
    *out_b = b;
    const bool mask_a_used = mask_mode == LP_MASK_FORWARD && mask_a != NULL && r * k > 0;
    const bool mask_b_used = mask_mode == LP_MASK_FORWARD && mask_b != NULL && n * r > 0;
    if (!mask_a_used && !mask_b_used) return LP_OK;
    const size_t elem = lp_dtype_size(dtype);
    lp_scratch_layout layout;
    const size_t offset_a = mask_a_used ? layout.add((size_t)(r * k) * elem) : 0; /* A' [r×k] */
    const size_t offset_b = mask_b_used ? layout.add((size_t)(n * r) * elem) : 0; /* B' [n×r] */
    void *base = NULL;
    LP_CHECK(lp_cuda_scratch(stream, layout.bytes, &base));
    if (mask_a_used) {
        void *masked_a = static_cast<char *>(base) + offset_a;
        LP_CHECK(lp_masked_copy(stream, dtype, masked_a, a, mask_a, r * k));
        *out_a = masked_a;
    }
    if (mask_b_used) {
        void *masked_b = static_cast<char *>(base) + offset_b;
        LP_CHECK(lp_masked_copy(stream, dtype, masked_b, b, mask_b, n * r));
        *out_b = masked_b;
    }
    return LP_OK;
}

/* Row-major C = alpha · op(A) · op(B) + beta · C for one contiguous problem (ld = row lengths). */
static lp_status lp_matmul(lp_stream stream, int32_t trans_a, int32_t trans_b, int64_t m, int64_t n, int64_t k,
                           float alpha, const void *a, const void *b, float beta, void *c, lp_dtype ab_dtype,
                           lp_dtype c_dtype) {
    lp_gemm_args args;
    args.trans_a = trans_a;
    args.trans_b = trans_b;
    args.m = m;
    args.n = n;
    args.k = k;
    args.alpha = alpha;
    args.a = a;
    args.lda = trans_a ? m : k; /* A stored [k×m] or [m×k] */
    args.stride_a = 0;
    args.b = b;
    args.ldb = trans_b ? k : n; /* B stored [n×k] or [k×n] */
    args.stride_b = 0;
    args.beta = beta;
    args.c = c;
    args.ldc = n;
    args.stride_c = 0;
    args.batch = 1;
    args.ab_dtype = ab_dtype;
    args.c_dtype = c_dtype;
    /* cuBLASLt wants ld ≥ 1 even for an empty operand; empty problems never reach it */
    if (args.lda == 0) args.lda = 1;
    if (args.ldb == 0) args.ldb = 1;
    if (args.ldc == 0) args.ldc = 1;
    return lp_cuda_gemm_run(stream, &args);
}

/* u = x · A'ᵀ, y += scale · u · B'ᵀ (device current, dtype checked). */
static lp_status lp_lora_path(lp_stream stream, lp_dtype dtype, int64_t m, int64_t k, int64_t n, int64_t r,
                              float scale, const void *x, const void *a, const uint8_t *mask_a, const void *b,
                              const uint8_t *mask_b, lp_mask_mode mask_mode, void *u, void *y) {
    if (r == 0) return LP_OK;
    const void *a_eff = NULL, *b_eff = NULL;
    LP_CHECK(lp_effective_adapters(stream, dtype, k, n, r, a, mask_a, b, mask_b, mask_mode, &a_eff, &b_eff));
    if (lp_cuda_thin_down_applies(m, r)) { /* a decode step's few rows: the thin kernels, a group of one */
        lp_thin_group g = {};
        g.a[0] = a_eff;
        g.b[0] = b_eff;
        g.u[0] = u;
        g.y[0] = y;
        g.n[0] = n;
        g.count = 1;
        return lp_cuda_thin_lora_group(stream, dtype, m, k, r, scale, x, g);
    }
    /* u [m×r] = x [m×k] · A'ᵀ (A' stored [r×k]) */
    LP_CHECK(lp_matmul(stream, 0, 1, m, r, k, 1.0f, x, a_eff, 0.0f, u, dtype, dtype));
    /* y [m×n] += scale · u [m×r] · B'ᵀ (B' stored [n×r]) */
    return lp_matmul(stream, 0, 1, m, n, r, scale, u, b_eff, 1.0f, y, dtype, dtype);
}

/* ---------------------------------------------------------------------------------------- entries */

extern "C" lp_status lp_cuda_lora_forward(lp_stream stream, lp_dtype dtype, int64_t m, int64_t k, int64_t n,
                                          int64_t r, float scale, const void *x, const void *a,
                                          const uint8_t *mask_a, const void *b, const uint8_t *mask_b,
                                          lp_mask_mode mask_mode, void *u, void *y) {
    LP_CHECK(lp_cuda_use_device(stream->device));
    LP_CHECK(lp_check_lora_dtype("lp_lora_forward", dtype));
    return lp_lora_path(stream, dtype, m, k, n, r, scale, x, a, mask_a, b, mask_b, mask_mode, u, y);
}

/* A group with no forward masks in use runs its decode rows as one thin group (two launches); anything else one
 * projection at a time. */
extern "C" lp_status lp_cuda_lora_forward_group(lp_stream stream, lp_dtype dtype, int64_t count, int64_t m, int64_t k,
                                                const int64_t *n, int64_t r, float scale, const void *x,
                                                const void *const *a, const uint8_t *const *mask_a,
                                                const void *const *b, const uint8_t *const *mask_b,
                                                lp_mask_mode mask_mode, void *const *u, void *const *y) {
    LP_CHECK(lp_cuda_use_device(stream->device));
    LP_CHECK(lp_check_lora_dtype("lp_lora_forward_group", dtype));
    bool forward_masks = false;
    for (int64_t i = 0; i < count; i++)
        forward_masks |= mask_mode == LP_MASK_FORWARD &&
                         ((mask_a != NULL && mask_a[i] != NULL) || (mask_b != NULL && mask_b[i] != NULL));
    if (r > 0 && !forward_masks && lp_cuda_thin_down_applies(m, r)) {
        lp_thin_group g = {};
        for (int64_t i = 0; i < count; i++) {
            g.a[i] = a[i];
            g.b[i] = b[i];
            g.u[i] = u[i];
            g.y[i] = y[i];
            g.n[i] = n[i];
        }
        g.count = (int)count;
        return lp_cuda_thin_lora_group(stream, dtype, m, k, r, scale, x, g);
    }
    for (int64_t i = 0; i < count; i++)
        LP_CHECK(lp_lora_path(stream, dtype, m, k, n[i], r, scale, x, a[i], mask_a == NULL ? NULL : mask_a[i], b[i],
                              mask_b == NULL ? NULL : mask_b[i], mask_mode, u[i], y[i]));
    return LP_OK;
}

/*
 * The base GEMM, then the LoRA path accumulating onto y (a thin GEMM with beta = 1). Measured on an H200
 * (benchmarks/RESULTS.md): the other order — LoRA term first, base GEMM with beta = 1 reading it back in
 * its epilogue — was slower (cuBLASLt's beta = 1 kernels cost more than the extra pass over y).
 */
extern "C" lp_status lp_cuda_lora_linear_forward(lp_stream stream, lp_dtype dtype, int64_t m, int64_t k, int64_t n,
                                                 int64_t r, float scale, const void *x, const void *w, float beta,
                                                 const void *a, const uint8_t *mask_a, const void *b,
                                                 const uint8_t *mask_b, lp_mask_mode mask_mode, void *u, void *y) {
    LP_CHECK(lp_cuda_use_device(stream->device));
    LP_CHECK(lp_check_lora_dtype("lp_lora_linear_forward", dtype));
    /* y [m×n] = x [m×k] · wᵀ (w stored [n×k]) + beta · y */
    LP_CHECK(lp_matmul(stream, 0, 1, m, n, k, 1.0f, x, w, beta, y, dtype, dtype));
    return lp_lora_path(stream, dtype, m, k, n, r, scale, x, a, mask_a, b, mask_b, mask_mode, u, y);
}

/* da [r×k] = scale · gᵀ·x (+ da) ⊙ ma and db [n×r] = scale · dyᵀ·u (+ db) ⊙ mb; NULL skips either. */
static lp_status lp_lora_adapter_grads(lp_stream stream, lp_dtype dtype, int64_t m, int64_t k, int64_t n, int64_t r,
                                       float scale, const void *x, const uint8_t *mask_a, const uint8_t *mask_b,
                                       const void *u, const void *dy, const void *g, float *da, float *db,
                                       int32_t accumulate) {
    const float grad_beta = accumulate ? 1.0f : 0.0f;
    if (da != NULL) {
        /* da [r×k] = scale · gᵀ (g stored [m×r]) · x [m×k] (+ da), then ⊙ ma */
        LP_CHECK(lp_matmul(stream, 1, 0, r, k, m, scale, g, x, grad_beta, da, dtype, LP_F32));
        if (mask_a != NULL) LP_CHECK(lp_mask_apply_run(stream, LP_F32, da, mask_a, r * k));
    }
    if (db != NULL) {
        /* db [n×r] = scale · dyᵀ (dy stored [m×n]) · u [m×r] (+ db), then ⊙ mb */
        LP_CHECK(lp_matmul(stream, 1, 0, n, r, m, scale, dy, u, grad_beta, db, dtype, LP_F32));
        if (mask_b != NULL) LP_CHECK(lp_mask_apply_run(stream, LP_F32, db, mask_b, n * r));
    }
    return LP_OK;
}

/* As the forward: the base GEMM dx = dy·w + beta_dx·dx, then the LoRA path (dx += scale·g·A', da, db). */
extern "C" lp_status lp_cuda_lora_linear_backward(lp_stream stream, lp_dtype dtype, int64_t m, int64_t k, int64_t n,
                                                  int64_t r, float scale, const void *x, const void *w, const void *a,
                                                  const uint8_t *mask_a, const void *b, const uint8_t *mask_b,
                                                  lp_mask_mode mask_mode, const void *u, const void *dy, void *g,
                                                  float beta_dx, void *dx, float *da, float *db, int32_t accumulate) {
    LP_CHECK(lp_cuda_use_device(stream->device));
    LP_CHECK(lp_check_lora_dtype("lp_lora_linear_backward", dtype));
    /* dx [m×k] = dy [m×n] · w [n×k] + beta_dx · dx */
    if (dx != NULL) LP_CHECK(lp_matmul(stream, 0, 0, m, k, n, 1.0f, dy, w, beta_dx, dx, dtype, dtype));
    return lp_cuda_lora_backward(stream, dtype, m, k, n, r, scale, x, a, mask_a, b, mask_b, mask_mode, u, dy, g, dx,
                                 da, db, accumulate);
}

extern "C" lp_status lp_cuda_lora_backward(lp_stream stream, lp_dtype dtype, int64_t m, int64_t k, int64_t n,
                                           int64_t r, float scale, const void *x, const void *a,
                                           const uint8_t *mask_a, const void *b, const uint8_t *mask_b,
                                           lp_mask_mode mask_mode, const void *u, const void *dy, void *g, void *dx,
                                           float *da, float *db, int32_t accumulate) {
    LP_CHECK(lp_cuda_use_device(stream->device));
    LP_CHECK(lp_check_lora_dtype("lp_lora_backward", dtype));
    if (r == 0) return LP_OK; /* g, da, db are empty and dx += 0 */
    const void *a_eff = NULL, *b_eff = NULL;
    LP_CHECK(lp_effective_adapters(stream, dtype, k, n, r, a, mask_a, b, mask_b, mask_mode, &a_eff, &b_eff));
    /* g [m×r] = dy [m×n] · B' [n×r] */
    if (dx != NULL || da != NULL) LP_CHECK(lp_matmul(stream, 0, 0, m, r, n, 1.0f, dy, b_eff, 0.0f, g, dtype, dtype));
    if (dx != NULL) /* dx [m×k] += scale · g [m×r] · A' [r×k] */
        LP_CHECK(lp_matmul(stream, 0, 0, m, k, r, scale, g, a_eff, 1.0f, dx, dtype, dtype));
    return lp_lora_adapter_grads(stream, dtype, m, k, n, r, scale, x, mask_a, mask_b, u, dy, g, da, db, accumulate);
}

extern "C" lp_status lp_cuda_mask_apply(lp_stream stream, lp_dtype dtype, void *x, const uint8_t *mask, int64_t n) {
    LP_CHECK(lp_cuda_use_device(stream->device));
    return lp_mask_apply_run(stream, dtype, x, mask, n);
}
