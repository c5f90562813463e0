/*
 * cpu_decode.c — the KV-cache ops of token generation on the CPU (the reference the CUDA kernels are
 * tested against): lp_kv_cache_write (row copies into cache slots, every slot checked before anything is
 * written) and lp_attention_decode (one query per sequence against its cache). Decode attention does
 * the arithmetic of cpu_attention.c's forward for its last query (f32 dot products, max-subtracted expf,
 * the softmax sum in double), so it agrees with lp_attention_forward's last row on the same keys.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu_act.h"
#include "cpu/cpu_parallel.h"
#include "internal.h"

lp_status lp_cpu_kv_cache_write(lp_stream stream, lp_dtype dtype, int64_t rows, int64_t n_kv_heads,
                                int64_t head_dim, const void *k, const void *v, const int32_t *slot, void *k_cache,
                                void *v_cache, int64_t cache_slots) {
    for (int64_t t = 0; t < rows; t++)
        if (slot[t] < 0 || slot[t] >= cache_slots)
            return lp_fail(LP_ERR_INVALID_ARGUMENT, "lp_kv_cache_write: slot[%lld] = %d is outside [0, %lld)",
                           (long long)t, (int)slot[t], (long long)cache_slots);
    const size_t row_bytes = (size_t)(n_kv_heads * head_dim) * lp_dtype_size(dtype); /* one [kvH×D] row */
    const char *k_rows = k, *v_rows = v;
    char *k_slots = k_cache, *v_slots = v_cache;
    for (int64_t t = 0; t < rows; t++) { /* in row order: with repeated slots the last row wins */
        memcpy(k_slots + (size_t)slot[t] * row_bytes, k_rows + (size_t)t * row_bytes, row_bytes);
        memcpy(v_slots + (size_t)slot[t] * row_bytes, v_rows + (size_t)t * row_bytes, row_bytes);
    }
    return LP_OK;
}

/* Slots first (nothing is written when one is out of range), then the two rotations and the cache write. */
lp_status lp_cpu_rope_kv_cache_write(lp_stream stream, lp_dtype dtype, int64_t rows, int64_t n_heads,
                                     int64_t n_kv_heads, int64_t head_dim, const int32_t *positions, double theta,
                                     lp_rope_style style, void *q, void *k, const void *v, const int32_t *slot,
                                     void *k_cache, void *v_cache, int64_t cache_slots) {
    for (int64_t t = 0; t < rows; t++)
        if (slot[t] < 0 || slot[t] >= cache_slots)
            return lp_fail(LP_ERR_INVALID_ARGUMENT, "lp_rope_kv_cache_write: slot[%lld] = %d is outside [0, %lld)",
                           (long long)t, (int)slot[t], (long long)cache_slots);
    lp_status status = lp_cpu_rope(stream, dtype, rows, n_heads, head_dim, positions, theta, style, 0, q);
    if (status == LP_OK) status = lp_cpu_rope(stream, dtype, rows, n_kv_heads, head_dim, positions, theta, style, 0, k);
    if (status != LP_OK) return status;
    return lp_cpu_kv_cache_write(stream, dtype, rows, n_kv_heads, head_dim, k, v, slot, k_cache, v_cache,
                                 cache_slots);
}

/* q·k over head_dim elements (f32 accumulation in order, as cpu_attention.c). */
static float lp_decode_dot(const void *a, int64_t ia, const void *b, int64_t ib, int64_t n, int bf) {
    float acc = 0.0f;
    for (int64_t d = 0; d < n; d++) acc += lp_act_load(a, ia + d, bf) * lp_act_load(b, ib + d, bf);
    return acc;
}

lp_status lp_cpu_attention_decode(lp_stream stream, lp_dtype dtype, int64_t batch, int64_t n_heads,
                                  int64_t n_kv_heads, int64_t head_dim, int64_t max_len, float scale, const void *q,
                                  const void *k_cache, const void *v_cache, const int32_t *lengths,
                                  const int32_t *prefix, void *out) {
    for (int64_t b = 0; b < batch; b++) {
        if (lengths[b] < 0 || lengths[b] > max_len)
            return lp_fail(LP_ERR_INVALID_ARGUMENT, "lp_attention_decode: lengths[%lld] = %d is outside [0, %lld]",
                           (long long)b, (int)lengths[b], (long long)max_len);
        if (prefix != NULL && (prefix[2 * b] < 0 || prefix[2 * b] >= batch || prefix[2 * b + 1] < 0 ||
                               prefix[2 * b + 1] > max_len))
            return lp_fail(LP_ERR_INVALID_ARGUMENT,
                           "lp_attention_decode: prefix of sequence %lld is row %d, length %d; expected a row in "
                           "[0, %lld) and a length in [0, %lld]",
                           (long long)b, (int)prefix[2 * b], (int)prefix[2 * b + 1], (long long)batch,
                           (long long)max_len);
    }
    const int bf = dtype == LP_BF16;
    const int64_t group = n_heads / n_kv_heads;
    int failed = 0;
#pragma omp parallel if (batch * n_heads * max_len * head_dim >= LP_CPU_PARALLEL_MIN_ELEMENTS)
    {
        /* per thread: scores [max_len], acc [head_dim] */
        float *scores = malloc((size_t)(max_len + head_dim) * sizeof(float));
        if (scores == NULL) {
#pragma omp atomic write
            failed = 1;
        }
        float *acc = scores == NULL ? NULL : scores + max_len;
#pragma omp for collapse(2) schedule(dynamic, 1)
        for (int64_t b = 0; b < batch; b++)
            for (int64_t h = 0; h < n_heads; h++) {
                if (scores == NULL) continue;
                const int64_t len = lengths[b], kvh = h / group;
                /* keys j < shared are read from cache row src (the sequence's prompt as another row holds it) */
                const int64_t src = prefix != NULL ? prefix[2 * b] : b, shared = prefix != NULL ? prefix[2 * b + 1] : 0;
                const int64_t qi = (b * n_heads + h) * head_dim; /* row of q / out [batch×n_heads×head_dim] */
                if (len == 0) {
                    for (int64_t d = 0; d < head_dim; d++) lp_act_store(out, qi + d, 0.0f, bf);
                    continue;
                }
                /* key j of sequence b: cache row (b·max_len + j, kvh) of [batch×max_len×n_kv_heads×head_dim] */
                float max = -INFINITY;
                for (int64_t j = 0; j < len; j++) {
                    const int64_t kj = (((j < shared ? src : b) * max_len + j) * n_kv_heads + kvh) * head_dim;
                    float s = scale * lp_decode_dot(q, qi, k_cache, kj, head_dim, bf);
                    scores[j] = s;
                    if (s > max) max = s;
                }
                double sum = 0.0;
                for (int64_t d = 0; d < head_dim; d++) acc[d] = 0.0f;
                for (int64_t j = 0; j < len; j++) {
                    float p = expf(scores[j] - max);
                    sum += p;
                    const int64_t vj = (((j < shared ? src : b) * max_len + j) * n_kv_heads + kvh) * head_dim;
                    for (int64_t d = 0; d < head_dim; d++) acc[d] += p * lp_act_load(v_cache, vj + d, bf);
                }
                const float inv = (float)(1.0 / sum);
                for (int64_t d = 0; d < head_dim; d++) lp_act_store(out, qi + d, acc[d] * inv, bf);
            }
        free(scores);
    }
    if (failed)
        return lp_fail(LP_ERR_OUT_OF_MEMORY, "lp_attention_decode: CPU score scratch failed, asked %zu bytes",
                       (size_t)(max_len + head_dim) * sizeof(float));
    return LP_OK;
}
