/*
 * cpu_sample.c — lp_sample on the CPU (the reference the CUDA kernel must match id for id). Every row is
 * checked first (no NaN / +Inf logit, some logit > −Inf, valid temperature / top_k / top_p), so a bad row
 * fails the call before any id is written. Then per row: the integer weights of sample_math.h, the
 * top-k threshold from a descending sort of the weights, the top-p threshold from the running mass of
 * that order, and the draw in index order. All mass arithmetic is in u64 integers (exact).
 */
#include "cpu/cpu_no_contract.h"

#include <math.h>
#include <stdlib.h>

#include "common/sample_math.h"
#include "cpu/cpu_act.h"
#include "cpu/cpu_parallel.h"
#include "internal.h"

/* The parameters of one row (validated). */
typedef struct {
    float temperature, top_p;
    int32_t top_k;
    uint64_t seed;
    int64_t step;
} lp_sample_row;

static int lp_u32_descending(const void *a, const void *b) {
    const uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? 1 : x > y ? -1 : 0;
}

/* Row b's parameters and logits are valid, else LP_ERR_INVALID_ARGUMENT naming what is wrong. */
static lp_status lp_sample_check_row(int bf, int64_t b, int64_t vocab, const void *logits, lp_sample_row r) {
    static const char fn[] = "lp_sample";
    if (isnan(r.temperature))
        return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: temperature[%lld] is NaN", fn, (long long)b);
    if (r.top_k < 0)
        return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: top_k[%lld] = %d, expected >= 0 (0 = off)", fn, (long long)b,
                       (int)r.top_k);
    if (!(r.top_p > 0.0f && r.top_p <= 1.0f))
        return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: top_p[%lld] = %g, expected a value in (0, 1] (1 = off)", fn,
                       (long long)b, (double)r.top_p);
    int any_finite = 0;
    for (int64_t i = 0; i < vocab; i++) {
        const float x = lp_act_load(logits, b * vocab + i, bf);
        if (isnan(x) || x == INFINITY)
            return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: logits[%lld, %lld] = %g, expected no NaN or +Inf", fn,
                           (long long)b, (long long)i, (double)x);
        if (x > -INFINITY) any_finite = 1;
    }
    if (!any_finite)
        return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: logits row %lld is all -Inf (nothing to sample)", fn,
                       (long long)b);
    return LP_OK;
}

/* The id drawn for one valid row x [vocab] (f32 values); w, sorted [vocab] are scratch. */
static int32_t lp_sample_one(const float *x, int64_t vocab, lp_sample_row r, uint32_t *w, uint32_t *sorted) {
    float mx = -INFINITY;
    int64_t argmax = 0;
    for (int64_t i = 0; i < vocab; i++)
        if (x[i] > mx) { /* strictly greater: ties keep the lowest id */
            mx = x[i];
            argmax = i;
        }
    if (r.temperature <= 0.0f) return (int32_t)argmax;
    const float inv_t = lp_sample_inverse_temperature(r.temperature);
    for (int64_t i = 0; i < vocab; i++) w[i] = lp_sample_weight(lp_sample_exponent(x[i], mx, inv_t));

    const int use_top_k = r.top_k > 0 && r.top_k < vocab, use_top_p = r.top_p < 1.0f;
    if (use_top_k || use_top_p) {
        for (int64_t i = 0; i < vocab; i++) sorted[i] = w[i];
        qsort(sorted, (size_t)vocab, sizeof *sorted, lp_u32_descending);
    }
    uint32_t t = use_top_k ? sorted[r.top_k - 1] : 0u; /* keep w ≥ t */
    if (use_top_p) {
        uint64_t mass = 0; /* M: mass kept by top-k */
        for (int64_t i = 0; i < vocab && sorted[i] >= t; i++) mass += sorted[i];
        const uint64_t target = lp_sample_top_p_target(r.top_p, mass);
        uint64_t running = 0;
        for (int64_t i = 0; i < vocab; i++) { /* reaches target before leaving the top-k set: M ≥ target */
            running += sorted[i];
            if (running >= target) {
                t = sorted[i];
                break;
            }
        }
    }
    uint64_t kept = 0; /* K */
    for (int64_t i = 0; i < vocab; i++)
        if (w[i] >= t) kept += w[i];
    const uint64_t u = lp_mulhi_u64(lp_sample_random(r.seed, r.step), kept); /* u ∈ [0, K) */
    uint64_t running = 0;
    for (int64_t i = 0; i < vocab; i++) {
        if (w[i] < t) continue;
        running += w[i];
        if (running > u) return (int32_t)i;
    }
    return (int32_t)argmax; /* unreachable: the running sum ends at K > u (the max has weight 2^31) */
}

lp_status lp_cpu_sample(lp_stream stream, lp_dtype dtype, int64_t batch, int64_t vocab, const void *logits,
                        const float *temperature, const int32_t *top_k, const float *top_p, const uint64_t *seed,
                        const int64_t *step, int32_t *out_ids) {
    const int bf = dtype == LP_BF16;
    for (int64_t b = 0; b < batch; b++) {
        const lp_sample_row r = {temperature[b], top_p[b], top_k[b], seed[b], step[b]};
        lp_status st = lp_sample_check_row(bf, b, vocab, logits, r);
        if (st != LP_OK) return st;
    }
    int failed = 0;
#pragma omp parallel if (batch > 1 && batch * vocab >= LP_CPU_PARALLEL_MIN_ELEMENTS)
    {
        /* per thread: x [vocab] f32, w [vocab] u32, sorted [vocab] u32 */
        float *x = malloc((size_t)vocab * (sizeof(float) + 2 * sizeof(uint32_t)));
        if (x == NULL) {
#pragma omp atomic write
            failed = 1;
        }
        uint32_t *w = x == NULL ? NULL : (uint32_t *)(x + vocab);
        uint32_t *sorted = x == NULL ? NULL : w + vocab;
#pragma omp for schedule(dynamic, 1)
        for (int64_t b = 0; b < batch; b++) {
            if (x == NULL) continue;
            for (int64_t i = 0; i < vocab; i++) x[i] = lp_act_load(logits, b * vocab + i, bf);
            const lp_sample_row r = {temperature[b], top_p[b], top_k[b], seed[b], step[b]};
            out_ids[b] = lp_sample_one(x, vocab, r, w, sorted);
        }
        free(x);
    }
    if (failed)
        return lp_fail(LP_ERR_OUT_OF_MEMORY, "lp_sample: CPU row scratch failed, asked %zu bytes",
                       (size_t)vocab * (sizeof(float) + 2 * sizeof(uint32_t)));
    return LP_OK;
}
