/* layers.c — public LLaMA layer entry points (embedding, RMSNorm, RoPE, SwiGLU, attention, cross-entropy):
 * validate every argument, then dispatch on the stream's device. Value checks that need the data (ids,
 * targets, positions in range) are the backends' (see lorapar.h: the CPU rejects them, CUDA cannot). */
#include <math.h>
#include <stdint.h>

#include "common/validate.h"

/* a·b·c elements of a rank-3 tensor, overflow-checked (all three ≥ 0 already). */
static lp_status lp_check_product3(const char *fn, const char *name, int64_t a, int64_t b, int64_t c, int64_t *out) {
    int64_t ab;
    LP_TRY(lp_check_product(fn, name, a, b, &ab));
    return lp_check_product(fn, name, ab, c, out);
}

/* A buffer of `elements` elements of `elem_bytes` bytes each, in bytes (elements already overflow-checked
 * against int64; the byte count is checked against size_t). */
static lp_status lp_bytes_of(const char *fn, const char *name, int64_t elements, size_t elem_bytes, size_t *out) {
    if ((uint64_t)elements > SIZE_MAX / elem_bytes)
        return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: %s of %lld elements overflows size_t bytes", fn, name,
                       (long long)elements);
    *out = (size_t)elements * elem_bytes;
    return LP_OK;
}

/* The arguments both embedding ops share: stream, dtype, sizes ≥ 0, ids [tokens]. */
static lp_status lp_check_embedding(const char *fn, lp_stream stream, lp_dtype dtype, int64_t tokens, int64_t vocab,
                                    int64_t dim, const int32_t *ids) {
    LP_TRY(lp_check_stream(fn, stream));
    LP_TRY(lp_check_float_dtype(fn, "dtype", dtype));
    LP_TRY(lp_check_nonnegative(fn, "tokens", tokens));
    LP_TRY(lp_check_nonnegative(fn, "vocab", vocab));
    LP_TRY(lp_check_nonnegative(fn, "dim", dim));
    return lp_check_data(fn, "ids", ids, tokens);
}

lp_status lp_embedding_forward(lp_stream stream, lp_dtype dtype, int64_t tokens, int64_t vocab, int64_t dim,
                               const int32_t *ids, const void *table, void *out) {
    static const char fn[] = "lp_embedding_forward";
    LP_TRY(lp_check_embedding(fn, stream, dtype, tokens, vocab, dim, ids));
    LP_TRY(lp_check_matrix(fn, "table [vocab x dim]", table, vocab, dim));
    LP_TRY(lp_check_matrix(fn, "out [tokens x dim]", out, tokens, dim));
    if (tokens == 0) return LP_OK;
    return LP_DISPATCH(stream, embedding_forward, stream, dtype, tokens, vocab, dim, ids, table, out);
}

lp_status lp_embedding_backward(lp_stream stream, lp_dtype dtype, int64_t tokens, int64_t vocab, int64_t dim,
                                const int32_t *ids, const void *d_out, float *d_table) {
    static const char fn[] = "lp_embedding_backward";
    LP_TRY(lp_check_embedding(fn, stream, dtype, tokens, vocab, dim, ids));
    LP_TRY(lp_check_matrix(fn, "d_out [tokens x dim]", d_out, tokens, dim));
    LP_TRY(lp_check_matrix(fn, "d_table [vocab x dim]", d_table, vocab, dim));
    if (tokens == 0) return LP_OK;
    return LP_DISPATCH(stream, embedding_backward, stream, dtype, tokens, vocab, dim, ids, d_out, d_table);
}

/* rows ≥ 0, dim ≥ 1, rows·dim fits int64. */
static lp_status lp_check_norm_shape(const char *fn, lp_dtype dtype, int64_t rows, int64_t dim) {
    LP_TRY(lp_check_float_dtype(fn, "dtype", dtype));
    LP_TRY(lp_check_nonnegative(fn, "rows", rows));
    if (dim < 1) return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: dim = %lld, expected >= 1", fn, (long long)dim);
    int64_t ignored;
    return lp_check_product(fn, "x [rows x dim]", rows, dim, &ignored);
}

lp_status lp_rmsnorm_forward(lp_stream stream, lp_dtype dtype, int64_t rows, int64_t dim, float eps, const void *x,
                             const void *w, void *y, float *rstd) {
    static const char fn[] = "lp_rmsnorm_forward";
    LP_TRY(lp_check_stream(fn, stream));
    LP_TRY(lp_check_norm_shape(fn, dtype, rows, dim));
    LP_TRY(lp_check_finite(fn, "eps", eps));
    if (eps < 0) return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: eps = %g, expected >= 0", fn, (double)eps);
    LP_TRY(lp_check_matrix(fn, "x [rows x dim]", x, rows, dim));
    LP_TRY(lp_check_data(fn, "w [dim]", w, dim));
    LP_TRY(lp_check_matrix(fn, "y [rows x dim]", y, rows, dim));
    LP_TRY(lp_check_data(fn, "rstd [rows]", rstd, rows));
    size_t bytes = (size_t)(rows * dim) * lp_dtype_size(dtype);
    LP_TRY(lp_check_disjoint(fn, "y", y, bytes, "x", x, bytes));
    if (rows == 0) return LP_OK;
    return LP_DISPATCH(stream, rmsnorm_forward, stream, dtype, rows, dim, eps, x, w, y, rstd);
}

lp_status lp_rmsnorm_backward(lp_stream stream, lp_dtype dtype, int64_t rows, int64_t dim, const void *x,
                              const void *w, const float *rstd, const void *dy, void *dx, float *dw,
                              int32_t accumulate_dx) {
    static const char fn[] = "lp_rmsnorm_backward";
    LP_TRY(lp_check_stream(fn, stream));
    LP_TRY(lp_check_norm_shape(fn, dtype, rows, dim));
    LP_TRY(lp_check_matrix(fn, "x [rows x dim]", x, rows, dim));
    LP_TRY(lp_check_data(fn, "w [dim]", w, dim));
    LP_TRY(lp_check_data(fn, "rstd [rows]", rstd, rows));
    LP_TRY(lp_check_matrix(fn, "dy [rows x dim]", dy, rows, dim));
    if (dw != NULL) {
        size_t x_bytes = (size_t)(rows * dim) * lp_dtype_size(dtype);
        LP_TRY(lp_check_disjoint(fn, "dw", dw, (size_t)dim * sizeof(float), "dy", dy, x_bytes));
    }
    if (rows == 0 || (dx == NULL && dw == NULL)) return LP_OK;
    return LP_DISPATCH(stream, rmsnorm_backward, stream, dtype, rows, dim, x, w, rstd, dy, dx, dw, accumulate_dx);
}

lp_status lp_rope_checks(const char *fn, lp_dtype dtype, int64_t tokens, int64_t heads, int64_t head_dim,
                         const int32_t *positions, double theta, lp_rope_style style, void *x) {
    LP_TRY(lp_check_float_dtype(fn, "dtype", dtype));
    LP_TRY(lp_check_nonnegative(fn, "tokens", tokens));
    LP_TRY(lp_check_nonnegative(fn, "heads", heads));
    if (head_dim < 2 || head_dim % 2 != 0)
        return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: head_dim = %lld, expected an even value >= 2", fn,
                       (long long)head_dim);
    if (!(theta > 0) || !isfinite(theta))
        return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: theta = %g, expected a finite value > 0", fn, theta);
    if (style != LP_ROPE_ADJACENT_PAIRS && style != LP_ROPE_ROTATE_HALF)
        return lp_fail(LP_ERR_INVALID_ARGUMENT,
                       "%s: style = %d, expected LP_ROPE_ADJACENT_PAIRS (0) or LP_ROPE_ROTATE_HALF (1)", fn,
                       (int)style);
    int64_t elements;
    LP_TRY(lp_check_product3(fn, "x [tokens x heads x head_dim]", tokens, heads, head_dim, &elements));
    LP_TRY(lp_check_data(fn, "positions [tokens]", positions, tokens));
    LP_TRY(lp_check_data(fn, "x [tokens x heads x head_dim]", x, elements));
    return LP_OK;
}

lp_status lp_rope(lp_stream stream, lp_dtype dtype, int64_t tokens, int64_t heads, int64_t head_dim,
                  const int32_t *positions, double theta, lp_rope_style style, int32_t inverse, void *x) {
    static const char fn[] = "lp_rope";
    LP_TRY(lp_check_stream(fn, stream));
    LP_TRY(lp_rope_checks(fn, dtype, tokens, heads, head_dim, positions, theta, style, x));
    if (tokens == 0 || heads == 0) return LP_OK;
    return LP_DISPATCH(stream, rope, stream, dtype, tokens, heads, head_dim, positions, theta, style, inverse, x);
}

lp_status lp_swiglu_forward(lp_stream stream, lp_dtype dtype, int64_t n, const void *gate, const void *up,
                            void *out) {
    static const char fn[] = "lp_swiglu_forward";
    LP_TRY(lp_check_stream(fn, stream));
    LP_TRY(lp_check_float_dtype(fn, "dtype", dtype));
    LP_TRY(lp_check_nonnegative(fn, "n", n));
    LP_TRY(lp_check_data(fn, "gate", gate, n));
    LP_TRY(lp_check_data(fn, "up", up, n));
    LP_TRY(lp_check_data(fn, "out", out, n));
    if (n == 0) return LP_OK;
    return LP_DISPATCH(stream, swiglu_forward, stream, dtype, n, gate, up, out);
}

lp_status lp_swiglu_backward(lp_stream stream, lp_dtype dtype, int64_t n, const void *gate, const void *up,
                             const void *d_out, void *d_gate, void *d_up) {
    static const char fn[] = "lp_swiglu_backward";
    LP_TRY(lp_check_stream(fn, stream));
    LP_TRY(lp_check_float_dtype(fn, "dtype", dtype));
    LP_TRY(lp_check_nonnegative(fn, "n", n));
    LP_TRY(lp_check_data(fn, "gate", gate, n));
    LP_TRY(lp_check_data(fn, "up", up, n));
    LP_TRY(lp_check_data(fn, "d_out", d_out, n));
    LP_TRY(lp_check_data(fn, "d_gate", d_gate, n));
    LP_TRY(lp_check_data(fn, "d_up", d_up, n));
    if (n == 0) return LP_OK;
    size_t bytes = (size_t)n * lp_dtype_size(dtype);
    LP_TRY(lp_check_disjoint(fn, "d_gate", d_gate, bytes, "d_up", d_up, bytes));
    return LP_DISPATCH(stream, swiglu_backward, stream, dtype, n, gate, up, d_out, d_gate, d_up);
}

/* Byte sizes of the attention buffers, after the shape checks. */
typedef struct {
    size_t q, kv, lse;
} lp_attention_bytes;

/* batch, seq ≥ 0; n_heads ≥ 1 a multiple of n_kv_heads ≥ 1; head_dim ≥ 1; scale finite; q, k, v,
 * segment_ids (optional), out, lse present for their sizes. */
static lp_status lp_check_attention(const char *fn, lp_dtype dtype, int64_t batch, int64_t seq, int64_t n_heads,
                                    int64_t n_kv_heads, int64_t head_dim, float scale, const void *q,
                                    const void *k, const void *v, const int32_t *segment_ids, const void *out,
                                    const float *lse, lp_attention_bytes *bytes) {
    LP_TRY(lp_check_float_dtype(fn, "dtype", dtype));
    LP_TRY(lp_check_nonnegative(fn, "batch", batch));
    LP_TRY(lp_check_nonnegative(fn, "seq", seq));
    if (n_heads < 1 || n_kv_heads < 1 || n_heads % n_kv_heads != 0)
        return lp_fail(LP_ERR_INVALID_ARGUMENT,
                       "%s: n_heads = %lld, n_kv_heads = %lld: both must be >= 1 and n_kv_heads must divide n_heads",
                       fn, (long long)n_heads, (long long)n_kv_heads);
    if (head_dim < 1)
        return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: head_dim = %lld, expected >= 1", fn, (long long)head_dim);
    LP_TRY(lp_check_finite(fn, "scale", scale));
    int64_t tokens, q_elements, kv_elements, lse_elements;
    LP_TRY(lp_check_product(fn, "tokens = batch x seq", batch, seq, &tokens));
    LP_TRY(lp_check_product3(fn, "q [tokens x n_heads x head_dim]", tokens, n_heads, head_dim, &q_elements));
    LP_TRY(lp_check_product3(fn, "k [tokens x n_kv_heads x head_dim]", tokens, n_kv_heads, head_dim, &kv_elements));
    LP_TRY(lp_check_product(fn, "lse [batch x n_heads x seq]", tokens, n_heads, &lse_elements));
    LP_TRY(lp_check_data(fn, "q [tokens x n_heads x head_dim]", q, q_elements));
    LP_TRY(lp_check_data(fn, "k [tokens x n_kv_heads x head_dim]", k, kv_elements));
    LP_TRY(lp_check_data(fn, "v [tokens x n_kv_heads x head_dim]", v, kv_elements));
    if (segment_ids != NULL) LP_TRY(lp_check_data(fn, "segment_ids [tokens]", segment_ids, tokens));
    LP_TRY(lp_check_data(fn, "out [tokens x n_heads x head_dim]", out, q_elements));
    LP_TRY(lp_check_data(fn, "lse [batch x n_heads x seq]", lse, lse_elements));
    size_t elem = lp_dtype_size(dtype);
    LP_TRY(lp_bytes_of(fn, "q", q_elements, elem, &bytes->q));
    LP_TRY(lp_bytes_of(fn, "k", kv_elements, elem, &bytes->kv));
    LP_TRY(lp_bytes_of(fn, "lse", lse_elements, sizeof(float), &bytes->lse));
    return LP_OK;
}

lp_status lp_attention_forward(lp_stream stream, lp_dtype dtype, int64_t batch, int64_t seq, int64_t n_heads,
                               int64_t n_kv_heads, int64_t head_dim, float scale, const void *q, const void *k,
                               const void *v, const int32_t *segment_ids, void *out, float *lse) {
    static const char fn[] = "lp_attention_forward";
    LP_TRY(lp_check_stream(fn, stream));
    lp_attention_bytes b;
    LP_TRY(lp_check_attention(fn, dtype, batch, seq, n_heads, n_kv_heads, head_dim, scale, q, k, v, segment_ids, out,
                              lse, &b));
    LP_TRY(lp_check_disjoint(fn, "out", out, b.q, "q", q, b.q));
    LP_TRY(lp_check_disjoint(fn, "out", out, b.q, "k", k, b.kv));
    LP_TRY(lp_check_disjoint(fn, "out", out, b.q, "v", v, b.kv));
    if (batch == 0 || seq == 0) return LP_OK;
    return LP_DISPATCH(stream, attention_forward, stream, dtype, batch, seq, n_heads, n_kv_heads, head_dim, scale, q,
                       k, v, segment_ids, out, lse);
}

lp_status lp_attention_backward(lp_stream stream, lp_dtype dtype, int64_t batch, int64_t seq, int64_t n_heads,
                                int64_t n_kv_heads, int64_t head_dim, float scale, const void *q, const void *k,
                                const void *v, const int32_t *segment_ids, const void *out, const float *lse,
                                const void *d_out, void *dq, void *dk, void *dv) {
    static const char fn[] = "lp_attention_backward";
    LP_TRY(lp_check_stream(fn, stream));
    lp_attention_bytes b;
    LP_TRY(lp_check_attention(fn, dtype, batch, seq, n_heads, n_kv_heads, head_dim, scale, q, k, v, segment_ids, out,
                              lse, &b));
    int64_t tokens = batch * seq;
    int64_t q_elements = tokens * n_heads * head_dim, kv_elements = tokens * n_kv_heads * head_dim;
    LP_TRY(lp_check_data(fn, "d_out [tokens x n_heads x head_dim]", d_out, q_elements));
    LP_TRY(lp_check_data(fn, "dq [tokens x n_heads x head_dim]", dq, q_elements));
    LP_TRY(lp_check_data(fn, "dk [tokens x n_kv_heads x head_dim]", dk, kv_elements));
    LP_TRY(lp_check_data(fn, "dv [tokens x n_kv_heads x head_dim]", dv, kv_elements));
    /* The gradients are written while the inputs are still read: no output may overlap an input or another output. */
    const char *in_names[] = {"q", "k", "v", "out", "d_out"};
    const void *in_ptrs[] = {q, k, v, out, d_out};
    const size_t in_bytes[] = {b.q, b.kv, b.kv, b.q, b.q};
    const char *out_names[] = {"dq", "dk", "dv"};
    const void *out_ptrs[] = {dq, dk, dv};
    const size_t out_bytes[] = {b.q, b.kv, b.kv};
    for (int o = 0; o < 3; o++) {
        for (int i = 0; i < 5; i++)
            LP_TRY(lp_check_disjoint(fn, out_names[o], out_ptrs[o], out_bytes[o], in_names[i], in_ptrs[i],
                                     in_bytes[i]));
        for (int p = o + 1; p < 3; p++)
            LP_TRY(lp_check_disjoint(fn, out_names[o], out_ptrs[o], out_bytes[o], out_names[p], out_ptrs[p],
                                     out_bytes[p]));
    }
    if (batch == 0 || seq == 0) return LP_OK;
    return LP_DISPATCH(stream, attention_backward, stream, dtype, batch, seq, n_heads, n_kv_heads, head_dim, scale, q,
                       k, v, segment_ids, out, lse, d_out, dq, dk, dv);
}

lp_status lp_cross_entropy(lp_stream stream, lp_dtype dtype, int64_t tokens, int64_t vocab, void *logits,
                           const int32_t *targets, const float *weights, float grad_scale, float *losses) {
    static const char fn[] = "lp_cross_entropy";
    LP_TRY(lp_check_stream(fn, stream));
    LP_TRY(lp_check_float_dtype(fn, "dtype", dtype));
    LP_TRY(lp_check_nonnegative(fn, "tokens", tokens));
    if (vocab < 1) return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: vocab = %lld, expected >= 1", fn, (long long)vocab);
    LP_TRY(lp_check_finite(fn, "grad_scale", grad_scale));
    LP_TRY(lp_check_matrix(fn, "logits [tokens x vocab]", logits, tokens, vocab));
    LP_TRY(lp_check_data(fn, "targets [tokens]", targets, tokens));
    if (weights != NULL) LP_TRY(lp_check_data(fn, "weights [tokens]", weights, tokens));
    LP_TRY(lp_check_data(fn, "losses [tokens]", losses, tokens));
    if (tokens == 0) return LP_OK;
    size_t logit_bytes = (size_t)(tokens * vocab) * lp_dtype_size(dtype);
    LP_TRY(lp_check_disjoint(fn, "losses", losses, (size_t)tokens * sizeof(float), "logits", logits, logit_bytes));
    return LP_DISPATCH(stream, cross_entropy, stream, dtype, tokens, vocab, logits, targets, weights, grad_scale,
                       losses);
}
