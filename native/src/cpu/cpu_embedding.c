/*
 * cpu_embedding.c — token embedding gather and its deterministic scatter-add backward on the CPU.
 * Backward: tokens are bucketed by id with a stable counting sort, then each row of d_table is owned by
 * one thread, which adds its tokens' gradient rows in token order (same bits for any thread count).
 */
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu_act.h"
#include "cpu/cpu_parallel.h"
#include "cpu/cpu_runtime.h"
#include "internal.h"

/* Every ids[t] [tokens] in [0, vocab), else LP_ERR_INVALID_ARGUMENT naming the first bad one. */
static lp_status lp_check_ids(const char *fn, int64_t tokens, int64_t vocab, const int32_t *ids) {
    for (int64_t t = 0; t < tokens; t++)
        if (ids[t] < 0 || ids[t] >= vocab)
            return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: ids[%lld] = %d is outside [0, vocab = %lld)", fn,
                           (long long)t, (int)ids[t], (long long)vocab);
    return LP_OK;
}

lp_status lp_cpu_embedding_forward(lp_stream stream, lp_dtype dtype, int64_t tokens, int64_t vocab, int64_t dim,
                                   const int32_t *ids, const void *table, void *out) {
    lp_status st = lp_check_ids("lp_embedding_forward", tokens, vocab, ids);
    if (st != LP_OK) return st;
    const size_t row_bytes = (size_t)dim * lp_dtype_size(dtype); /* one row of table [vocab×dim] / out [tokens×dim] */
    const char *src = (const char *)table;
    char *dst = (char *)out;
#pragma omp parallel for schedule(static) if (tokens * dim >= LP_CPU_PARALLEL_MIN_ELEMENTS)
    for (int64_t t = 0; t < tokens; t++)
        memcpy(dst + (size_t)t * row_bytes, src + (size_t)ids[t] * row_bytes, row_bytes);
    return LP_OK;
}

lp_status lp_cpu_embedding_backward(lp_stream stream, lp_dtype dtype, int64_t tokens, int64_t vocab, int64_t dim,
                                    const int32_t *ids, const void *d_out, float *d_table) {
    static const char fn[] = "lp_embedding_backward";
    lp_status st = lp_check_ids(fn, tokens, vocab, ids);
    if (st != LP_OK) return st;
    /* one scratch block: start [vocab+1] first slot of each id in order; next [vocab] fill cursor per id;
     * order [tokens] token indices grouped by id, ascending within an id (a stable counting sort) */
    size_t bytes = (size_t)(2 * vocab + 1 + tokens) * sizeof(int64_t);
    int64_t *start = lp_cpu_aligned_alloc(bytes);
    if (start == NULL)
        return lp_fail(LP_ERR_OUT_OF_MEMORY, "%s: CPU bucket scratch failed, asked %zu bytes", fn, bytes);
    int64_t *next = start + vocab + 1, *order = next + vocab;
    memset(start, 0, (size_t)(vocab + 1) * sizeof(int64_t));
    for (int64_t t = 0; t < tokens; t++) start[ids[t] + 1]++;
    for (int64_t v = 0; v < vocab; v++) start[v + 1] += start[v];
    memcpy(next, start, (size_t)vocab * sizeof(int64_t));
    for (int64_t t = 0; t < tokens; t++) order[next[ids[t]]++] = t;
    const int is_bf16 = dtype == LP_BF16;
#pragma omp parallel for schedule(dynamic, 16) if (tokens * dim >= LP_CPU_PARALLEL_MIN_ELEMENTS)
    for (int64_t v = 0; v < vocab; v++) {
        float *row = d_table + v * dim; /* [dim], owned by this iteration */
        for (int64_t s = start[v]; s < start[v + 1]; s++) {
            const int64_t base = order[s] * dim; /* row order[s] of d_out [tokens×dim] */
            for (int64_t j = 0; j < dim; j++) row[j] += lp_act_load(d_out, base + j, is_bf16);
        }
    }
    free(start);
    return LP_OK;
}
