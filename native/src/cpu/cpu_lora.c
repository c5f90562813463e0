/*
 * cpu_lora.c — masked LoRA forward / linear forward / backward / linear backward on the CPU, built on
 * lp_cpu_gemm. The linear variants run the base GEMM first, then the LoRA op adds onto its output.
 * In LP_MASK_FORWARD mode the masked operands A' = a ⊙ ma and B' = b ⊙ mb are materialised into
 * scratch buffers of `dtype`; u and g are stored in `dtype` (rounded once after f32 accumulation, as a
 * GPU stores them); da / db are masked after their GEMM (accumulation = GEMM with beta = 1).
 */
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu_runtime.h"
#include "internal.h"

/* *out = src ⊙ mask (a fresh buffer of `elements` of dtype, free with free()) or src itself when no
 * masking applies (*owned = NULL). */
static lp_status lp_lora_masked_operand(const char *fn, const char *name, lp_dtype dtype, const void *src,
                                        const uint8_t *mask, int64_t elements, int use_mask, const void **out,
                                        void **owned) {
    *out = src;
    *owned = NULL;
    if (!use_mask || mask == NULL || elements == 0) return LP_OK;
    size_t bytes = (size_t)elements * lp_dtype_size(dtype);
    void *copy = lp_cpu_aligned_alloc(bytes);
    if (copy == NULL)
        return lp_fail(LP_ERR_OUT_OF_MEMORY, "%s: CPU scratch for masked %s failed, asked %zu bytes", fn, name, bytes);
    memcpy(copy, src, bytes);
    lp_status status = lp_cpu_mask_apply(NULL, dtype, copy, mask, elements);
    if (status != LP_OK) {
        free(copy);
        return status;
    }
    *out = copy;
    *owned = copy;
    return LP_OK;
}

/* u = x · A'ᵀ then y += scale · u · B'ᵀ, with A' / B' already masked as the mode requires. */
static lp_status lp_lora_forward_core(lp_stream stream, lp_dtype dtype, int64_t m, int64_t k, int64_t n, int64_t r,
                                      float scale, const void *x, const void *a_eff, const void *b_eff, void *u,
                                      void *y) {
    /* u [m×r] = x [m×k] · a_eff [r×k]ᵀ */
    lp_status status = lp_cpu_gemm(stream, 0, 1, m, r, k, 1.0f, x, k, 0, a_eff, k, 0, 0.0f, u, r, 0, 1, dtype, dtype);
    if (status != LP_OK) return status;
    /* y [m×n] += scale · u [m×r] · b_eff [n×r]ᵀ */
    return lp_cpu_gemm(stream, 0, 1, m, n, r, scale, u, r, 0, b_eff, r, 0, 1.0f, y, n, 0, 1, dtype, dtype);
}

lp_status lp_cpu_lora_forward(lp_stream stream, lp_dtype dtype, int64_t m, int64_t k, int64_t n, int64_t r,
                              float scale, const void *x, const void *a, const uint8_t *mask_a, const void *b,
                              const uint8_t *mask_b, lp_mask_mode mask_mode, void *u, void *y) {
    static const char fn[] = "lp_lora_forward";
    if (r == 0) return LP_OK; /* y unchanged, u untouched */
    int masked = mask_mode == LP_MASK_FORWARD;
    const void *a_eff, *b_eff;
    void *a_owned, *b_owned;
    lp_status status = lp_lora_masked_operand(fn, "a", dtype, a, mask_a, r * k, masked, &a_eff, &a_owned);
    if (status != LP_OK) return status;
    status = lp_lora_masked_operand(fn, "b", dtype, b, mask_b, n * r, masked, &b_eff, &b_owned);
    if (status == LP_OK) status = lp_lora_forward_core(stream, dtype, m, k, n, r, scale, x, a_eff, b_eff, u, y);
    free(a_owned);
    free(b_owned);
    return status;
}

lp_status lp_cpu_lora_forward_group(lp_stream stream, lp_dtype dtype, int64_t count, int64_t m, int64_t k,
                                    const int64_t *n, int64_t r, float scale, const void *x, const void *const *a,
                                    const uint8_t *const *mask_a, const void *const *b, const uint8_t *const *mask_b,
                                    lp_mask_mode mask_mode, void *const *u, void *const *y) {
    for (int64_t i = 0; i < count; i++) {
        lp_status status = lp_cpu_lora_forward(stream, dtype, m, k, n[i], r, scale, x, a[i],
                                               mask_a == NULL ? NULL : mask_a[i], b[i],
                                               mask_b == NULL ? NULL : mask_b[i], mask_mode, u[i], y[i]);
        if (status != LP_OK) return status;
    }
    return LP_OK;
}

lp_status lp_cpu_lora_linear_forward(lp_stream stream, lp_dtype dtype, int64_t m, int64_t k, int64_t n, int64_t r,
                                     float scale, const void *x, const void *w, float beta, const void *a,
                                     const uint8_t *mask_a, const void *b, const uint8_t *mask_b,
                                     lp_mask_mode mask_mode, void *u, void *y) {
    /* y [m×n] = x [m×k] · w [n×k]ᵀ + beta · y */
    lp_status status = lp_cpu_gemm(stream, 0, 1, m, n, k, 1.0f, x, k, 0, w, k, 0, beta, y, n, 0, 1, dtype, dtype);
    if (status != LP_OK) return status;
    return lp_cpu_lora_forward(stream, dtype, m, k, n, r, scale, x, a, mask_a, b, mask_b, mask_mode, u, y);
}

/* The GEMMs of the backward, with A' / B' already masked as the mode requires. */
static lp_status lp_lora_backward_core(lp_stream stream, lp_dtype dtype, int64_t m, int64_t k, int64_t n, int64_t r,
                                       float scale, const void *x, const void *a_eff, const uint8_t *mask_a,
                                       const void *b_eff, const uint8_t *mask_b, const void *u, const void *dy,
                                       void *g, void *dx, float *da, float *db, int32_t accumulate) {
    lp_status status = LP_OK;
    float acc_beta = accumulate ? 1.0f : 0.0f;
    if (dx != NULL || da != NULL) {
        /* g [m×r] = dy [m×n] · b_eff [n×r]   (stored in dtype) */
        status = lp_cpu_gemm(stream, 0, 0, m, r, n, 1.0f, dy, n, 0, b_eff, r, 0, 0.0f, g, r, 0, 1, dtype, dtype);
        if (status != LP_OK) return status;
    }
    if (dx != NULL) {
        /* dx [m×k] += scale · g [m×r] · a_eff [r×k] */
        status = lp_cpu_gemm(stream, 0, 0, m, k, r, scale, g, r, 0, a_eff, k, 0, 1.0f, dx, k, 0, 1, dtype, dtype);
        if (status != LP_OK) return status;
    }
    if (da != NULL) {
        /* da [r×k] = scale · g [m×r]ᵀ · x [m×k] (+ da), then ⊙ ma */
        status = lp_cpu_gemm(stream, 1, 0, r, k, m, scale, g, r, 0, x, k, 0, acc_beta, da, k, 0, 1, dtype, LP_F32);
        if (status != LP_OK) return status;
        if (mask_a != NULL) status = lp_cpu_mask_apply(stream, LP_F32, da, mask_a, r * k);
        if (status != LP_OK) return status;
    }
    if (db != NULL) {
        /* db [n×r] = scale · dy [m×n]ᵀ · u [m×r] (+ db), then ⊙ mb */
        status = lp_cpu_gemm(stream, 1, 0, n, r, m, scale, dy, n, 0, u, r, 0, acc_beta, db, r, 0, 1, dtype, LP_F32);
        if (status != LP_OK) return status;
        if (mask_b != NULL) status = lp_cpu_mask_apply(stream, LP_F32, db, mask_b, n * r);
    }
    return status;
}

lp_status lp_cpu_lora_backward(lp_stream stream, lp_dtype dtype, int64_t m, int64_t k, int64_t n, int64_t r,
                               float scale, const void *x, const void *a, const uint8_t *mask_a, const void *b,
                               const uint8_t *mask_b, lp_mask_mode mask_mode, const void *u, const void *dy, void *g,
                               void *dx, float *da, float *db, int32_t accumulate) {
    static const char fn[] = "lp_lora_backward";
    int masked = mask_mode == LP_MASK_FORWARD;
    const void *a_eff, *b_eff;
    void *a_owned, *b_owned;
    /* A' is needed only for dx, B' only for g */
    lp_status status =
        lp_lora_masked_operand(fn, "a", dtype, a, mask_a, r * k, masked && dx != NULL, &a_eff, &a_owned);
    if (status != LP_OK) return status;
    status = lp_lora_masked_operand(fn, "b", dtype, b, mask_b, n * r, masked && (dx != NULL || da != NULL), &b_eff,
                                    &b_owned);
    if (status == LP_OK)
        status = lp_lora_backward_core(stream, dtype, m, k, n, r, scale, x, a_eff, mask_a, b_eff, mask_b, u, dy, g, dx,
                                       da, db, accumulate);
    free(a_owned);
    free(b_owned);
    return status;
}

lp_status lp_cpu_lora_linear_backward(lp_stream stream, lp_dtype dtype, int64_t m, int64_t k, int64_t n, int64_t r,
                                      float scale, const void *x, const void *w, const void *a,
                                      const uint8_t *mask_a, const void *b, const uint8_t *mask_b,
                                      lp_mask_mode mask_mode, const void *u, const void *dy, void *g, float beta_dx,
                                      void *dx, float *da, float *db, int32_t accumulate) {
    if (dx != NULL) {
        /* dx [m×k] = dy [m×n] · w [n×k] + beta_dx · dx   (beta_dx == 0: dx not read) */
        lp_status status =
            lp_cpu_gemm(stream, 0, 0, m, k, n, 1.0f, dy, n, 0, w, k, 0, beta_dx, dx, k, 0, 1, dtype, dtype);
        if (status != LP_OK) return status;
    }
    /* dx += scale · g · A', da, db */
    return lp_cpu_lora_backward(stream, dtype, m, k, n, r, scale, x, a, mask_a, b, mask_b, mask_mode, u, dy, g, dx, da,
                                db, accumulate);
}
