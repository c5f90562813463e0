/* lora.c — public masked LoRA entry points: lp_lora_forward, lp_lora_forward_group, lp_lora_linear_forward, lp_lora_backward,
 * lp_lora_linear_backward, lp_mask_apply. Validate everything, then dispatch on the stream's device. */
#include "common/validate.h"

/* Shapes shared by the LoRA ops: m, k, n, r ≥ 0, every product of two of them fits int64. */
static lp_status lp_check_lora_shape(const char *fn, lp_dtype dtype, int64_t m, int64_t k, int64_t n, int64_t r,
                                     float scale, lp_mask_mode mask_mode) {
    LP_TRY(lp_check_float_dtype(fn, "dtype", dtype));
    LP_TRY(lp_check_nonnegative(fn, "m", m));
    LP_TRY(lp_check_nonnegative(fn, "k", k));
    LP_TRY(lp_check_nonnegative(fn, "n", n));
    LP_TRY(lp_check_nonnegative(fn, "r", r));
    LP_TRY(lp_check_finite(fn, "scale", scale));
    LP_TRY(lp_check_mask_mode(fn, mask_mode));
    int64_t ignored;
    LP_TRY(lp_check_product(fn, "x [m x k]", m, k, &ignored));
    LP_TRY(lp_check_product(fn, "y [m x n]", m, n, &ignored));
    LP_TRY(lp_check_product(fn, "a [r x k]", r, k, &ignored));
    LP_TRY(lp_check_product(fn, "b [n x r]", n, r, &ignored));
    LP_TRY(lp_check_product(fn, "u [m x r]", m, r, &ignored));
    LP_TRY(lp_check_product(fn, "w [n x k]", n, k, &ignored));
    return LP_OK;
}

/* The adapter a [r×k], b [n×r] (their masks may be NULL: all active). */
static lp_status lp_check_lora_adapter(const char *fn, int64_t k, int64_t n, int64_t r, const void *a,
                                       const void *b) {
    LP_TRY(lp_check_matrix(fn, "a", a, r, k));
    LP_TRY(lp_check_matrix(fn, "b", b, n, r));
    return LP_OK;
}

lp_status lp_lora_forward(lp_stream stream, lp_dtype dtype, int64_t m, int64_t k, int64_t n, int64_t r, float scale,
                          const void *x, const void *a, const uint8_t *mask_a, const void *b, const uint8_t *mask_b,
                          lp_mask_mode mask_mode, void *u, void *y) {
    static const char fn[] = "lp_lora_forward";
    LP_TRY(lp_check_stream(fn, stream));
    LP_TRY(lp_check_lora_shape(fn, dtype, m, k, n, r, scale, mask_mode));
    LP_TRY(lp_check_matrix(fn, "x", x, m, k));
    LP_TRY(lp_check_lora_adapter(fn, k, n, r, a, b));
    LP_TRY(lp_check_matrix(fn, "u", u, m, r));
    LP_TRY(lp_check_matrix(fn, "y", y, m, n));
    return LP_DISPATCH(stream, lora_forward, stream, dtype, m, k, n, r, scale, x, a, mask_a, b, mask_b, mask_mode, u,
                       y);
}

lp_status lp_lora_forward_group(lp_stream stream, lp_dtype dtype, int64_t count, int64_t m, int64_t k,
                                const int64_t *n, int64_t r, float scale, const void *x, const void *const *a,
                                const uint8_t *const *mask_a, const void *const *b, const uint8_t *const *mask_b,
                                lp_mask_mode mask_mode, void *const *u, void *const *y) {
    static const char fn[] = "lp_lora_forward_group";
    LP_TRY(lp_check_stream(fn, stream));
    if (count < 1 || count > LP_LORA_GROUP_MAX)
        return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: count is %lld, expected 1..%d", fn, (long long)count,
                       LP_LORA_GROUP_MAX);
    if (n == NULL || a == NULL || b == NULL || u == NULL || y == NULL)
        return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: the arrays n, a, b, u and y must not be NULL", fn);
    for (int64_t i = 0; i < count; i++) LP_TRY(lp_check_lora_shape(fn, dtype, m, k, n[i], r, scale, mask_mode));
    LP_TRY(lp_check_matrix(fn, "x", x, m, k));
    for (int64_t i = 0; i < count; i++) {
        LP_TRY(lp_check_lora_adapter(fn, k, n[i], r, a[i], b[i]));
        LP_TRY(lp_check_matrix(fn, "u[i]", u[i], m, r));
        LP_TRY(lp_check_matrix(fn, "y[i]", y[i], m, n[i]));
    }
    return LP_DISPATCH(stream, lora_forward_group, stream, dtype, count, m, k, n, r, scale, x, a, mask_a, b, mask_b,
                       mask_mode, u, y);
}

lp_status lp_lora_linear_forward(lp_stream stream, lp_dtype dtype, int64_t m, int64_t k, int64_t n, int64_t r,
                                 float scale, const void *x, const void *w, float beta, const void *a,
                                 const uint8_t *mask_a, const void *b, const uint8_t *mask_b, lp_mask_mode mask_mode,
                                 void *u, void *y) {
    static const char fn[] = "lp_lora_linear_forward";
    LP_TRY(lp_check_stream(fn, stream));
    LP_TRY(lp_check_lora_shape(fn, dtype, m, k, n, r, scale, mask_mode));
    LP_TRY(lp_check_finite(fn, "beta", beta));
    LP_TRY(lp_check_matrix(fn, "x", x, m, k));
    LP_TRY(lp_check_matrix(fn, "w", w, n, k));
    LP_TRY(lp_check_lora_adapter(fn, k, n, r, a, b));
    LP_TRY(lp_check_matrix(fn, "u", u, m, r));
    LP_TRY(lp_check_matrix(fn, "y", y, m, n));
    return LP_DISPATCH(stream, lora_linear_forward, stream, dtype, m, k, n, r, scale, x, w, beta, a, mask_a, b, mask_b,
                       mask_mode, u, y);
}

lp_status lp_lora_backward(lp_stream stream, lp_dtype dtype, int64_t m, int64_t k, int64_t n, int64_t r, float scale,
                           const void *x, const void *a, const uint8_t *mask_a, const void *b, const uint8_t *mask_b,
                           lp_mask_mode mask_mode, const void *u, const void *dy, void *g, void *dx, float *da,
                           float *db, int32_t accumulate) {
    static const char fn[] = "lp_lora_backward";
    LP_TRY(lp_check_stream(fn, stream));
    LP_TRY(lp_check_lora_shape(fn, dtype, m, k, n, r, scale, mask_mode));
    LP_TRY(lp_check_matrix(fn, "x", x, m, k));
    LP_TRY(lp_check_lora_adapter(fn, k, n, r, a, b));
    LP_TRY(lp_check_matrix(fn, "u", u, m, r));
    LP_TRY(lp_check_matrix(fn, "dy", dy, m, n));
    if (dx != NULL || da != NULL) LP_TRY(lp_check_matrix(fn, "g (needed for dx / da)", g, m, r));
    return LP_DISPATCH(stream, lora_backward, stream, dtype, m, k, n, r, scale, x, a, mask_a, b, mask_b, mask_mode, u,
                       dy, g, dx, da, db, accumulate);
}

lp_status lp_lora_linear_backward(lp_stream stream, lp_dtype dtype, int64_t m, int64_t k, int64_t n, int64_t r,
                                  float scale, const void *x, const void *w, const void *a, const uint8_t *mask_a,
                                  const void *b, const uint8_t *mask_b, lp_mask_mode mask_mode, const void *u,
                                  const void *dy, void *g, float beta_dx, void *dx, float *da, float *db,
                                  int32_t accumulate) {
    static const char fn[] = "lp_lora_linear_backward";
    LP_TRY(lp_check_stream(fn, stream));
    LP_TRY(lp_check_lora_shape(fn, dtype, m, k, n, r, scale, mask_mode));
    LP_TRY(lp_check_finite(fn, "beta_dx", beta_dx));
    LP_TRY(lp_check_matrix(fn, "x", x, m, k));
    if (dx != NULL) LP_TRY(lp_check_matrix(fn, "w (needed for dx)", w, n, k));
    LP_TRY(lp_check_lora_adapter(fn, k, n, r, a, b));
    LP_TRY(lp_check_matrix(fn, "u", u, m, r));
    LP_TRY(lp_check_matrix(fn, "dy", dy, m, n));
    if (dx != NULL || da != NULL) LP_TRY(lp_check_matrix(fn, "g (needed for dx / da)", g, m, r));
    return LP_DISPATCH(stream, lora_linear_backward, stream, dtype, m, k, n, r, scale, x, w, a, mask_a, b, mask_b,
                       mask_mode, u, dy, g, beta_dx, dx, da, db, accumulate);
}

lp_status lp_mask_apply(lp_stream stream, lp_dtype dtype, void *x, const uint8_t *mask, int64_t n) {
    static const char fn[] = "lp_mask_apply";
    LP_TRY(lp_check_stream(fn, stream));
    LP_TRY(lp_check_float_dtype(fn, "dtype", dtype));
    LP_TRY(lp_check_nonnegative(fn, "n", n));
    LP_TRY(lp_check_data(fn, "x", x, n));
    LP_TRY(lp_check_data(fn, "mask", mask, n));
    if (n == 0) return LP_OK;
    return LP_DISPATCH(stream, mask_apply, stream, dtype, x, mask, n);
}
