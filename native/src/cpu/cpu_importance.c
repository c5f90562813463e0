/*
 * cpu_importance.c — Taylor importance accumulation / finalisation and the deterministic global L2
 * norm on the CPU. Float arithmetic rounds after every operation (no FMA contraction), in the order
 * written, so the Java reference can reproduce the bits:
 *   accumulate:  p = g · w;  s1 = s1 + p;  s2 = s2 + p · p                        (f32)
 *   finalize:    importance = |s1 − 0.5f · s2| / (float)num_samples               (f32)
 *   global_norm: per chunk of 65,536 elements of one tensor, Σ x² in double (8 interleaved lanes,
 *                lane j takes elements j, j+8, ...; lanes then added 0..7); chunk sums added in
 *                tensor order, chunk order; sqrt in double, then rounded to float.
 */
#include "cpu/cpu_no_contract.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>

#include "cpu/cpu_bf16.h"
#include "cpu/cpu_parallel.h"
#include "cpu/cpu_runtime.h"
#include "internal.h"

#define LP_NORM_CHUNK 65536
#define LP_NORM_LANES 8

static inline __attribute__((always_inline)) float lp_load(const void *base, int64_t i, int is_bf16) {
    return is_bf16 ? lp_bf16_to_f32(((const uint16_t *)base)[i]) : ((const float *)base)[i];
}

static inline __attribute__((always_inline)) void lp_accumulate_typed(int64_t size, const void *grad,
                                                                     const void *param, float *restrict s1,
                                                                     float *restrict s2, int grad_bf16,
                                                                     int param_bf16) {
#pragma omp for schedule(static) nowait
    for (int64_t i = 0; i < size; i++) {
        float p = lp_load(grad, i, grad_bf16) * lp_load(param, i, param_bf16);
        s1[i] = s1[i] + p;
        s2[i] = s2[i] + p * p;
    }
}

static int64_t lp_total_elements(int32_t count, const int64_t *sizes) {
    int64_t total = 0;
    for (int32_t t = 0; t < count; t++) total += sizes[t];
    return total;
}

lp_status lp_cpu_importance_accumulate(lp_stream stream, int32_t count, const int64_t *sizes,
                                       const void *const *grads, lp_dtype grad_dtype, const void *const *params,
                                       lp_dtype param_dtype, float *const *s1, float *const *s2) {
    int grad_bf16 = grad_dtype == LP_BF16, param_bf16 = param_dtype == LP_BF16;
#pragma omp parallel if (lp_total_elements(count, sizes) >= LP_CPU_PARALLEL_MIN_ELEMENTS)
    for (int32_t t = 0; t < count; t++) {
        /* grads[t], params[t], s1[t], s2[t] [sizes[t]]; tensors are independent, so no barrier between them */
        if (!grad_bf16 && !param_bf16)
            lp_accumulate_typed(sizes[t], grads[t], params[t], s1[t], s2[t], 0, 0);
        else if (grad_bf16 && !param_bf16)
            lp_accumulate_typed(sizes[t], grads[t], params[t], s1[t], s2[t], 1, 0);
        else if (!grad_bf16 && param_bf16)
            lp_accumulate_typed(sizes[t], grads[t], params[t], s1[t], s2[t], 0, 1);
        else
            lp_accumulate_typed(sizes[t], grads[t], params[t], s1[t], s2[t], 1, 1);
    }
    return LP_OK;
}

lp_status lp_cpu_importance_finalize(lp_stream stream, int32_t count, const int64_t *sizes, const float *const *s1,
                                     const float *const *s2, float *const *importance, int64_t num_samples) {
    const float samples = (float)num_samples;
#pragma omp parallel if (lp_total_elements(count, sizes) >= LP_CPU_PARALLEL_MIN_ELEMENTS)
    for (int32_t t = 0; t < count; t++) {
        const float *a = s1[t], *b = s2[t]; /* [sizes[t]] */
        float *out = importance[t];         /* [sizes[t]], may alias s1[t] */
#pragma omp for schedule(static) nowait
        for (int64_t i = 0; i < sizes[t]; i++) out[i] = fabsf(a[i] - 0.5f * b[i]) / samples;
    }
    return LP_OK;
}

/* Σ x² of one chunk [len] in double, in the fixed lane order of the file comment. */
static inline __attribute__((always_inline)) double lp_chunk_sum_squares(const void *x, int64_t start, int64_t len,
                                                                        int is_bf16) {
    double lane[LP_NORM_LANES] = {0};
    int64_t i = 0;
    for (; i + LP_NORM_LANES <= len; i += LP_NORM_LANES)
        for (int j = 0; j < LP_NORM_LANES; j++) {
            double v = (double)lp_load(x, start + i + j, is_bf16);
            lane[j] = lane[j] + v * v;
        }
    for (int j = 0; i < len; i++, j++) {
        double v = (double)lp_load(x, start + i, is_bf16);
        lane[j] = lane[j] + v * v;
    }
    double sum = 0.0;
    for (int j = 0; j < LP_NORM_LANES; j++) sum = sum + lane[j];
    return sum;
}

lp_status lp_cpu_global_norm(lp_stream stream, int32_t count, const int64_t *sizes, const void *const *x,
                             lp_dtype dtype, float *out_norm) {
    /* chunks in tensor order; chunk c covers elements [chunk_start[c], +CHUNK) of tensor chunk_tensor[c] */
    int64_t chunks = 0;
    for (int32_t t = 0; t < count; t++) chunks += sizes[t] / LP_NORM_CHUNK + (sizes[t] % LP_NORM_CHUNK != 0);
    if (chunks == 0) {
        *out_norm = 0.0f;
        return LP_OK;
    }
    size_t bytes = (size_t)chunks * (sizeof(double) + 2 * sizeof(int64_t));
    double *partial = lp_cpu_aligned_alloc(bytes); /* [chunks] */
    if (partial == NULL)
        return lp_fail(LP_ERR_OUT_OF_MEMORY, "lp_global_norm: CPU scratch failed, asked %zu bytes", bytes);
    int64_t *chunk_tensor = (int64_t *)(partial + chunks); /* [chunks] */
    int64_t *chunk_start = chunk_tensor + chunks;          /* [chunks] */
    int64_t c_next = 0;
    for (int32_t t = 0; t < count; t++)
        for (int64_t start = 0; start < sizes[t]; start += LP_NORM_CHUNK, c_next++) {
            chunk_tensor[c_next] = t;
            chunk_start[c_next] = start;
        }
    int is_bf16 = dtype == LP_BF16;
#pragma omp parallel for schedule(dynamic, 4) if (chunks > 1)
    for (int64_t c = 0; c < chunks; c++) {
        int64_t t = chunk_tensor[c], start = chunk_start[c];
        int64_t len = sizes[t] - start < LP_NORM_CHUNK ? sizes[t] - start : LP_NORM_CHUNK;
        partial[c] = is_bf16 ? lp_chunk_sum_squares(x[t], start, len, 1) : lp_chunk_sum_squares(x[t], start, len, 0);
    }
    double total = 0.0;
    for (int64_t c = 0; c < chunks; c++) total = total + partial[c];
    free(partial);
    *out_norm = (float)sqrt(total);
    return LP_OK;
}
