/* gemm.c — public lp_gemm: validates shapes, leading dimensions, strides, dtypes, then dispatches. */
#include "common/validate.h"

/*
 * Elements spanned by `batch` matrices [rows×cols] with row stride ld, `stride` apart:
 * (batch−1)·stride + (rows−1)·ld + cols, or 0 when empty. Fails when that overflows int64 or its
 * byte size overflows size_t.
 */
static lp_status lp_gemm_span(const char *name, int64_t rows, int64_t cols, int64_t ld, int64_t stride,
                              int64_t batch, lp_dtype dtype, int64_t *out_span) {
    *out_span = 0;
    if (rows == 0 || cols == 0 || batch == 0) return LP_OK;
    int64_t span = 0;
    if (rows - 1 > 0 && ld > (INT64_MAX - cols) / (rows - 1)) goto overflow;
    span = (rows - 1) * ld + cols;
    if (batch - 1 > 0 && stride > (INT64_MAX - span) / (batch - 1)) goto overflow;
    span += (batch - 1) * stride;
    if ((uint64_t)span > SIZE_MAX / lp_dtype_size(dtype)) goto overflow;
    *out_span = span;
    return LP_OK;
overflow:
    return lp_fail(LP_ERR_INVALID_ARGUMENT,
                   "lp_gemm: %s spans more elements than int64 / size_t can address (rows %lld, cols %lld, ld %lld, "
                   "stride %lld, batch %lld)",
                   name, (long long)rows, (long long)cols, (long long)ld, (long long)stride, (long long)batch);
}

lp_status lp_gemm(lp_stream stream, int32_t trans_a, int32_t trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                  const void *a, int64_t lda, int64_t stride_a, const void *b, int64_t ldb, int64_t stride_b,
                  float beta, void *c, int64_t ldc, int64_t stride_c, int64_t batch, lp_dtype ab_dtype,
                  lp_dtype c_dtype) {
    static const char fn[] = "lp_gemm";
    LP_TRY(lp_check_stream(fn, stream));
    if (trans_a != 0 && trans_a != 1)
        return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: trans_a = %d must be 0 or 1", fn, (int)trans_a);
    if (trans_b != 0 && trans_b != 1)
        return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: trans_b = %d must be 0 or 1", fn, (int)trans_b);
    LP_TRY(lp_check_nonnegative(fn, "m", m));
    LP_TRY(lp_check_nonnegative(fn, "n", n));
    LP_TRY(lp_check_nonnegative(fn, "k", k));
    LP_TRY(lp_check_nonnegative(fn, "batch", batch));
    LP_TRY(lp_check_float_dtype(fn, "ab_dtype", ab_dtype));
    if (c_dtype != LP_F32 && c_dtype != ab_dtype)
        return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: c_dtype = %d (%s) must be LP_F32 or ab_dtype (%s)", fn,
                       (int)c_dtype, lp_dtype_name(c_dtype), lp_dtype_name(ab_dtype));
    LP_TRY(lp_check_finite(fn, "alpha", alpha));
    LP_TRY(lp_check_finite(fn, "beta", beta));

    /* stored shapes: A [a_rows×a_cols], B [b_rows×b_cols], C [m×n] */
    int64_t a_rows = trans_a ? k : m, a_cols = trans_a ? m : k;
    int64_t b_rows = trans_b ? n : k, b_cols = trans_b ? k : n;
    if (lda < a_cols)
        return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: lda = %lld < %s = %lld (A stored [%lld x %lld], trans_a = %d)", fn,
                       (long long)lda, trans_a ? "m" : "k", (long long)a_cols, (long long)a_rows, (long long)a_cols,
                       (int)trans_a);
    if (ldb < b_cols)
        return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: ldb = %lld < %s = %lld (B stored [%lld x %lld], trans_b = %d)", fn,
                       (long long)ldb, trans_b ? "k" : "n", (long long)b_cols, (long long)b_rows, (long long)b_cols,
                       (int)trans_b);
    if (ldc < n) return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: ldc = %lld < n = %lld", fn, (long long)ldc, (long long)n);
    LP_TRY(lp_check_nonnegative(fn, "stride_a", stride_a));
    LP_TRY(lp_check_nonnegative(fn, "stride_b", stride_b));
    LP_TRY(lp_check_nonnegative(fn, "stride_c", stride_c));

    int64_t span_a, span_b, span_c;
    LP_TRY(lp_gemm_span("A", a_rows, a_cols, lda, stride_a, batch, ab_dtype, &span_a));
    LP_TRY(lp_gemm_span("B", b_rows, b_cols, ldb, stride_b, batch, ab_dtype, &span_b));
    LP_TRY(lp_gemm_span("C", m, n, ldc, stride_c, batch, c_dtype, &span_c));
    int64_t c_one = m > 0 && n > 0 ? (m - 1) * ldc + n : 0; /* elements of one C */
    if (batch > 1 && stride_c < c_one)
        return lp_fail(LP_ERR_INVALID_ARGUMENT,
                       "%s: stride_c = %lld < %lld elements of one C: the %lld problems would write over each other",
                       fn, (long long)stride_c, (long long)c_one, (long long)batch);
    /* C is written when it is not empty; A and B must be valid whenever k > 0, even with alpha == 0
     * (the CPU backend then skips reading them, a backend may still pass them to its library) */
    int computes = m > 0 && n > 0 && batch > 0;
    int reads_ab = computes && k > 0;
    if (computes && c == NULL) return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: c is NULL", fn);
    if (reads_ab && a == NULL) return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: a is NULL", fn);
    if (reads_ab && b == NULL) return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: b is NULL", fn);
    if (!computes) return LP_OK;
    return LP_DISPATCH(stream, gemm, stream, trans_a, trans_b, m, n, k, alpha, a, lda, stride_a, b, ldb, stride_b,
                       beta, c, ldc, stride_c, batch, ab_dtype, c_dtype);
}
