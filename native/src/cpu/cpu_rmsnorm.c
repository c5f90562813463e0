/*
 * cpu_rmsnorm.c — RMSNorm forward and backward on the CPU. Element arithmetic in f32; the row reductions
 * (Σ x², Σ g·x̂) accumulate in double. dw is deterministic: rows are cut into fixed chunks (a function of
 * rows only), each chunk sums its rows in order into its own f32 partial [dim], and the partials are added
 * in chunk order (in double) onto dw.
 */
#include <math.h>
#include <stdlib.h>

#include "cpu/cpu_act.h"
#include "cpu/cpu_parallel.h"
#include "cpu/cpu_runtime.h"
#include "internal.h"

#define LP_RMSNORM_MAX_CHUNKS 256
#define LP_RMSNORM_MIN_CHUNK_ROWS 16

lp_status lp_cpu_rmsnorm_forward(lp_stream stream, lp_dtype dtype, int64_t rows, int64_t dim, float eps,
                                 const void *x, const void *w, void *y, float *rstd) {
    const int bf = dtype == LP_BF16;
#pragma omp parallel for schedule(static) if (rows * dim >= LP_CPU_PARALLEL_MIN_ELEMENTS)
    for (int64_t i = 0; i < rows; i++) {
        const int64_t base = i * dim; /* row i of x, y [rows×dim] */
        double sum_sq = 0.0;
        for (int64_t j = 0; j < dim; j++) {
            float xv = lp_act_load(x, base + j, bf);
            sum_sq += (double)xv * (double)xv;
        }
        float r = 1.0f / sqrtf((float)(sum_sq / (double)dim) + eps);
        rstd[i] = r;
        for (int64_t j = 0; j < dim; j++)
            lp_act_store(y, base + j, lp_act_load(x, base + j, bf) * r * lp_act_load(w, j, bf), bf);
    }
    return LP_OK;
}

/* One row i: dx row (when dx) and, when part != NULL, part [dim] += dy ⊙ x̂ of the row. */
static void lp_rmsnorm_backward_row(int64_t i, int64_t dim, int bf, const void *x, const void *w, const float *rstd,
                                    const void *dy, void *dx, float *part, int32_t accumulate_dx) {
    const int64_t base = i * dim; /* row i of x, dy, dx [rows×dim] */
    const float r = rstd[i];
    double dot = 0.0; /* Σ_j g_j · x̂_j */
    for (int64_t j = 0; j < dim; j++) {
        float g = lp_act_load(dy, base + j, bf) * lp_act_load(w, j, bf);
        dot += (double)g * (double)(lp_act_load(x, base + j, bf) * r);
    }
    const float mean = (float)(dot / (double)dim);
    for (int64_t j = 0; j < dim; j++) {
        float dyv = lp_act_load(dy, base + j, bf);
        float xhat = lp_act_load(x, base + j, bf) * r;
        if (part != NULL) part[j] += dyv * xhat;
        if (dx != NULL) {
            float v = r * (dyv * lp_act_load(w, j, bf) - xhat * mean);
            if (accumulate_dx) v += lp_act_load(dx, base + j, bf);
            lp_act_store(dx, base + j, v, bf);
        }
    }
}

lp_status lp_cpu_rmsnorm_backward(lp_stream stream, lp_dtype dtype, int64_t rows, int64_t dim, const void *x,
                                  const void *w, const float *rstd, const void *dy, void *dx, float *dw,
                                  int32_t accumulate_dx) {
    const int bf = dtype == LP_BF16;
    const int parallel = rows * dim >= LP_CPU_PARALLEL_MIN_ELEMENTS;
    if (dw == NULL) {
#pragma omp parallel for schedule(static) if (parallel)
        for (int64_t i = 0; i < rows; i++)
            lp_rmsnorm_backward_row(i, dim, bf, x, w, rstd, dy, dx, NULL, accumulate_dx);
        return LP_OK;
    }
    int64_t chunk = (rows + LP_RMSNORM_MAX_CHUNKS - 1) / LP_RMSNORM_MAX_CHUNKS;
    if (chunk < LP_RMSNORM_MIN_CHUNK_ROWS) chunk = LP_RMSNORM_MIN_CHUNK_ROWS;
    const int64_t chunks = (rows + chunk - 1) / chunk;
    size_t bytes = (size_t)chunks * (size_t)dim * sizeof(float);
    float *parts = lp_cpu_aligned_alloc(bytes); /* [chunks×dim] f32 partial dw per chunk */
    if (parts == NULL)
        return lp_fail(LP_ERR_OUT_OF_MEMORY, "lp_rmsnorm_backward: CPU dw partials failed, asked %zu bytes", bytes);
#pragma omp parallel for schedule(static) if (parallel)
    for (int64_t c = 0; c < chunks; c++) {
        float *part = parts + c * dim;
        for (int64_t j = 0; j < dim; j++) part[j] = 0.0f;
        const int64_t end = (c + 1) * chunk < rows ? (c + 1) * chunk : rows;
        for (int64_t i = c * chunk; i < end; i++)
            lp_rmsnorm_backward_row(i, dim, bf, x, w, rstd, dy, dx, part, accumulate_dx);
    }
#pragma omp parallel for schedule(static) if (parallel)
    for (int64_t j = 0; j < dim; j++) {
        double total = 0.0;
        for (int64_t c = 0; c < chunks; c++) total += (double)parts[c * dim + j];
        dw[j] = (float)((double)dw[j] + total);
    }
    free(parts);
    return LP_OK;
}
