/* decode.c — public entry points of token generation (KV-cache write, decode attention, sampling) and of
 * CUDA graph capture: validate every argument, then dispatch on the stream's device. Value checks that
 * need the data (slots, lengths, per-row sampling parameters, NaN logits) are the backends' (lorapar.h:
 * the CPU rejects bad values, CUDA skips / clamps / writes −1 as documented there). */
#include <stdlib.h>

#include "common/validate.h"

/* a·b·c, overflow-checked (all three ≥ 0 already). */
static lp_status lp_decode_product3(const char *fn, const char *name, int64_t a, int64_t b, int64_t c,
                                    int64_t *out) {
    int64_t ab;
    LP_TRY(lp_check_product(fn, name, a, b, &ab));
    return lp_check_product(fn, name, ab, c, out);
}

/* Bytes of `elements` elements of dtype (elements ≤ INT64_MAX already; the byte count must fit size_t). */
static lp_status lp_decode_bytes(const char *fn, const char *name, int64_t elements, lp_dtype dtype, size_t *out) {
    const size_t elem = lp_dtype_size(dtype);
    if ((uint64_t)elements > SIZE_MAX / elem)
        return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: %s of %lld elements overflows size_t bytes", fn, name,
                       (long long)elements);
    *out = (size_t)elements * elem;
    return LP_OK;
}

/* n_heads ≥ 1 a multiple of n_kv_heads ≥ 1. */
static lp_status lp_decode_heads(const char *fn, int64_t n_heads, int64_t n_kv_heads) {
    if (n_heads < 1 || n_kv_heads < 1 || n_heads % n_kv_heads != 0)
        return lp_fail(LP_ERR_INVALID_ARGUMENT,
                       "%s: n_heads = %lld, n_kv_heads = %lld: both must be >= 1 and n_kv_heads must divide n_heads",
                       fn, (long long)n_heads, (long long)n_kv_heads);
    return LP_OK;
}

/* Everything lp_kv_cache_write checks, under the name fn. */
static lp_status lp_kv_cache_write_checks(const char *fn, lp_stream stream, lp_dtype dtype, int64_t rows,
                                          int64_t n_kv_heads, int64_t head_dim, const void *k, const void *v,
                                          const int32_t *slot, void *k_cache, void *v_cache, int64_t cache_slots) {
    LP_TRY(lp_check_stream(fn, stream));
    LP_TRY(lp_check_float_dtype(fn, "dtype", dtype));
    LP_TRY(lp_check_nonnegative(fn, "rows", rows));
    LP_TRY(lp_check_nonnegative(fn, "cache_slots", cache_slots));
    if (n_kv_heads < 1 || head_dim < 1)
        return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: n_kv_heads = %lld, head_dim = %lld, expected both >= 1", fn,
                       (long long)n_kv_heads, (long long)head_dim);
    int64_t kv_elements, cache_elements;
    LP_TRY(lp_decode_product3(fn, "k [rows x n_kv_heads x head_dim]", rows, n_kv_heads, head_dim, &kv_elements));
    LP_TRY(lp_decode_product3(fn, "k_cache [cache_slots x n_kv_heads x head_dim]", cache_slots, n_kv_heads, head_dim,
                              &cache_elements));
    LP_TRY(lp_check_data(fn, "k [rows x n_kv_heads x head_dim]", k, kv_elements));
    LP_TRY(lp_check_data(fn, "v [rows x n_kv_heads x head_dim]", v, kv_elements));
    LP_TRY(lp_check_data(fn, "slot [rows]", slot, rows));
    LP_TRY(lp_check_data(fn, "k_cache [cache_slots x n_kv_heads x head_dim]", k_cache, cache_elements));
    LP_TRY(lp_check_data(fn, "v_cache [cache_slots x n_kv_heads x head_dim]", v_cache, cache_elements));
    if (rows > 0 && cache_slots == 0)
        return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: %lld rows to write but the caches have 0 slots", fn,
                       (long long)rows);
    size_t kv_bytes = 0, cache_bytes = 0;
    LP_TRY(lp_decode_bytes(fn, "k", kv_elements, dtype, &kv_bytes));
    LP_TRY(lp_decode_bytes(fn, "k_cache", cache_elements, dtype, &cache_bytes));
    LP_TRY(lp_check_disjoint(fn, "k_cache", k_cache, cache_bytes, "v_cache", v_cache, cache_bytes));
    const char *cache_names[] = {"k_cache", "v_cache"};
    const void *caches[] = {k_cache, v_cache};
    for (int c = 0; c < 2; c++) {
        LP_TRY(lp_check_disjoint(fn, cache_names[c], caches[c], cache_bytes, "k", k, kv_bytes));
        LP_TRY(lp_check_disjoint(fn, cache_names[c], caches[c], cache_bytes, "v", v, kv_bytes));
        LP_TRY(lp_check_disjoint(fn, cache_names[c], caches[c], cache_bytes, "slot", slot,
                                 (size_t)rows * sizeof(int32_t)));
    }
    return LP_OK;
}

lp_status lp_kv_cache_write(lp_stream stream, lp_dtype dtype, int64_t rows, int64_t n_kv_heads, int64_t head_dim,
                            const void *k, const void *v, const int32_t *slot, void *k_cache, void *v_cache,
                            int64_t cache_slots) {
    static const char fn[] = "lp_kv_cache_write";
    LP_TRY(lp_kv_cache_write_checks(fn, stream, dtype, rows, n_kv_heads, head_dim, k, v, slot, k_cache, v_cache,
                                    cache_slots));
    if (rows == 0) return LP_OK;
    return LP_DISPATCH(stream, kv_cache_write, stream, dtype, rows, n_kv_heads, head_dim, k, v, slot, k_cache,
                       v_cache, cache_slots);
}

lp_status lp_rope_kv_cache_write(lp_stream stream, lp_dtype dtype, int64_t rows, int64_t n_heads, int64_t n_kv_heads,
                                 int64_t head_dim, const int32_t *positions, double theta, lp_rope_style style,
                                 void *q, void *k, const void *v, const int32_t *slot, void *k_cache, void *v_cache,
                                 int64_t cache_slots) {
    static const char fn[] = "lp_rope_kv_cache_write";
    LP_TRY(lp_kv_cache_write_checks(fn, stream, dtype, rows, n_kv_heads, head_dim, k, v, slot, k_cache, v_cache,
                                    cache_slots));
    if (n_heads < 1)
        return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: n_heads = %lld, expected >= 1", fn, (long long)n_heads);
    LP_TRY(lp_rope_checks(fn, dtype, rows, n_heads, head_dim, positions, theta, style, q));
    LP_TRY(lp_rope_checks(fn, dtype, rows, n_kv_heads, head_dim, positions, theta, style, k));
    int64_t q_elements, kv_elements;
    LP_TRY(lp_decode_product3(fn, "q [rows x n_heads x head_dim]", rows, n_heads, head_dim, &q_elements));
    LP_TRY(lp_decode_product3(fn, "k [rows x n_kv_heads x head_dim]", rows, n_kv_heads, head_dim, &kv_elements));
    size_t q_bytes = 0, kv_bytes = 0, cache_bytes = 0;
    LP_TRY(lp_decode_bytes(fn, "q", q_elements, dtype, &q_bytes));
    LP_TRY(lp_decode_bytes(fn, "k", kv_elements, dtype, &kv_bytes));
    LP_TRY(lp_decode_bytes(fn, "k_cache", cache_slots * n_kv_heads * head_dim, dtype, &cache_bytes));
    /* q and k are written: nothing else may share their bytes */
    LP_TRY(lp_check_disjoint(fn, "q", q, q_bytes, "k", k, kv_bytes));
    LP_TRY(lp_check_disjoint(fn, "q", q, q_bytes, "v", v, kv_bytes));
    LP_TRY(lp_check_disjoint(fn, "k", k, kv_bytes, "v", v, kv_bytes));
    LP_TRY(lp_check_disjoint(fn, "q", q, q_bytes, "k_cache", k_cache, cache_bytes));
    LP_TRY(lp_check_disjoint(fn, "q", q, q_bytes, "v_cache", v_cache, cache_bytes));
    LP_TRY(lp_check_disjoint(fn, "q", q, q_bytes, "positions", positions, (size_t)rows * sizeof(int32_t)));
    LP_TRY(lp_check_disjoint(fn, "k", k, kv_bytes, "positions", positions, (size_t)rows * sizeof(int32_t)));
    LP_TRY(lp_check_disjoint(fn, "q", q, q_bytes, "slot", slot, (size_t)rows * sizeof(int32_t)));
    LP_TRY(lp_check_disjoint(fn, "k", k, kv_bytes, "slot", slot, (size_t)rows * sizeof(int32_t)));
    if (rows == 0) return LP_OK;
    return LP_DISPATCH(stream, rope_kv_cache_write, stream, dtype, rows, n_heads, n_kv_heads, head_dim, positions,
                       theta, style, q, k, v, slot, k_cache, v_cache, cache_slots);
}

lp_status lp_attention_decode(lp_stream stream, lp_dtype dtype, int64_t batch, int64_t n_heads, int64_t n_kv_heads,
                              int64_t head_dim, int64_t max_len, float scale, const void *q, const void *k_cache,
                              const void *v_cache, const int32_t *lengths, const int32_t *prefix, void *out) {
    static const char fn[] = "lp_attention_decode";
    LP_TRY(lp_check_stream(fn, stream));
    LP_TRY(lp_check_float_dtype(fn, "dtype", dtype));
    LP_TRY(lp_check_nonnegative(fn, "batch", batch));
    LP_TRY(lp_decode_heads(fn, n_heads, n_kv_heads));
    if (head_dim < 1)
        return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: head_dim = %lld, expected >= 1", fn, (long long)head_dim);
    if (max_len < 1 || max_len > INT32_MAX)
        return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: max_len = %lld, expected 1..2^31-1", fn, (long long)max_len);
    LP_TRY(lp_check_finite(fn, "scale", scale));
    int64_t q_elements, slots, cache_elements;
    LP_TRY(lp_decode_product3(fn, "q [batch x n_heads x head_dim]", batch, n_heads, head_dim, &q_elements));
    LP_TRY(lp_check_product(fn, "cache slots = batch x max_len", batch, max_len, &slots));
    LP_TRY(lp_decode_product3(fn, "k_cache [batch x max_len x n_kv_heads x head_dim]", slots, n_kv_heads, head_dim,
                              &cache_elements));
    LP_TRY(lp_check_data(fn, "q [batch x n_heads x head_dim]", q, q_elements));
    LP_TRY(lp_check_data(fn, "k_cache [batch x max_len x n_kv_heads x head_dim]", k_cache, cache_elements));
    LP_TRY(lp_check_data(fn, "v_cache [batch x max_len x n_kv_heads x head_dim]", v_cache, cache_elements));
    LP_TRY(lp_check_data(fn, "lengths [batch]", lengths, batch));
    LP_TRY(lp_check_data(fn, "out [batch x n_heads x head_dim]", out, q_elements));
    size_t q_bytes, cache_bytes;
    LP_TRY(lp_decode_bytes(fn, "q", q_elements, dtype, &q_bytes));
    LP_TRY(lp_decode_bytes(fn, "k_cache", cache_elements, dtype, &cache_bytes));
    LP_TRY(lp_check_disjoint(fn, "out", out, q_bytes, "q", q, q_bytes));
    LP_TRY(lp_check_disjoint(fn, "out", out, q_bytes, "k_cache", k_cache, cache_bytes));
    LP_TRY(lp_check_disjoint(fn, "out", out, q_bytes, "v_cache", v_cache, cache_bytes));
    LP_TRY(lp_check_disjoint(fn, "out", out, q_bytes, "lengths", lengths, (size_t)batch * sizeof(int32_t)));
    if (prefix != NULL)
        LP_TRY(lp_check_disjoint(fn, "out", out, q_bytes, "prefix", prefix, (size_t)batch * 2 * sizeof(int32_t)));
    if (batch == 0) return LP_OK;
    return LP_DISPATCH(stream, attention_decode, stream, dtype, batch, n_heads, n_kv_heads, head_dim, max_len, scale, q,
                       k_cache, v_cache, lengths, prefix, out);
}

lp_status lp_sample(lp_stream stream, lp_dtype dtype, int64_t batch, int64_t vocab, const void *logits,
                    const float *temperature, const int32_t *top_k, const float *top_p, const uint64_t *seed,
                    const int64_t *step, int32_t *out_ids) {
    static const char fn[] = "lp_sample";
    LP_TRY(lp_check_stream(fn, stream));
    LP_TRY(lp_check_float_dtype(fn, "dtype", dtype));
    LP_TRY(lp_check_nonnegative(fn, "batch", batch));
    if (vocab < 1 || vocab > INT32_MAX)
        return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: vocab = %lld, expected 1..2^31-1", fn, (long long)vocab);
    LP_TRY(lp_check_matrix(fn, "logits [batch x vocab]", logits, batch, vocab));
    LP_TRY(lp_check_data(fn, "temperature [batch]", temperature, batch));
    LP_TRY(lp_check_data(fn, "top_k [batch]", top_k, batch));
    LP_TRY(lp_check_data(fn, "top_p [batch]", top_p, batch));
    LP_TRY(lp_check_data(fn, "seed [batch]", seed, batch));
    LP_TRY(lp_check_data(fn, "step [batch]", step, batch));
    LP_TRY(lp_check_data(fn, "out_ids [batch]", out_ids, batch));
    size_t logit_bytes;
    LP_TRY(lp_decode_bytes(fn, "logits", batch * vocab, dtype, &logit_bytes));
    LP_TRY(lp_check_disjoint(fn, "out_ids", out_ids, (size_t)batch * sizeof(int32_t), "logits", logits, logit_bytes));
    if (batch == 0) return LP_OK;
    return LP_DISPATCH(stream, sample, stream, dtype, batch, vocab, logits, temperature, top_k, top_p, seed, step,
                       out_ids);
}

/* ------------------------------------------------------------------------------------ CUDA graphs */

/* stream valid and on a CUDA device. */
static lp_status lp_graph_check_stream(const char *fn, lp_stream stream) {
    LP_TRY(lp_check_stream(fn, stream));
    if (stream->device == LP_DEVICE_CPU)
        return lp_fail(LP_ERR_UNSUPPORTED, "%s: graphs need a CUDA stream (this stream is on the CPU)", fn);
    return LP_OK;
}

lp_status lp_graph_begin_capture(lp_stream stream) {
    LP_TRY(lp_graph_check_stream("lp_graph_begin_capture", stream));
    return lp_cuda_graph_begin_capture(stream);
}

lp_status lp_graph_end_capture(lp_stream stream, lp_graph *out_graph) {
    static const char fn[] = "lp_graph_end_capture";
    LP_TRY(lp_graph_check_stream(fn, stream));
    LP_TRY(lp_check_not_null(fn, "out_graph", out_graph));
    *out_graph = NULL;
    lp_graph graph = calloc(1, sizeof *graph);
    /* The capture must end even without host memory for the handle: end it, then report. */
    struct lp_graph_s scratch_handle = {0};
    lp_status st = lp_cuda_graph_end_capture(stream, graph != NULL ? graph : &scratch_handle);
    if (graph == NULL) {
        if (st == LP_OK) (void)lp_cuda_graph_release(&scratch_handle);
        return lp_fail(LP_ERR_OUT_OF_MEMORY, "%s: no host memory for the graph handle (%zu bytes)", fn,
                       sizeof *graph);
    }
    if (st != LP_OK) {
        free(graph);
        return st;
    }
    *out_graph = graph;
    return LP_OK;
}

lp_status lp_graph_launch(lp_graph graph, lp_stream stream) {
    static const char fn[] = "lp_graph_launch";
    LP_TRY(lp_check_not_null(fn, "graph", graph));
    LP_TRY(lp_graph_check_stream(fn, stream));
    if (stream->device != graph->device)
        return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: the graph was captured on cuda:%d but the stream is on cuda:%d",
                       fn, (int)graph->device, (int)stream->device);
    return lp_cuda_graph_launch(graph, stream);
}

lp_status lp_graph_destroy(lp_graph graph) {
    if (graph == NULL) return LP_OK;
    lp_status st = lp_cuda_graph_release(graph);
    free(graph);
    return st;
}
