/*
 * cpu_partition.c — top-mass selection, top-k selection and the LoRA-PAR partition on the CPU,
 * all through the radix select of cpu_select.h (no sort). Top-mass uses the exact arithmetic of
 * common/top_mass.h, so it selects exactly what every other backend selects.
 */
#include <math.h>
#include <string.h>

#include "common/top_mass.h"
#include "cpu/cpu_parallel.h"
#include "cpu/cpu_select.h"
#include "internal.h"

/* T = ⌈theta · Q⌉ exactly (context: the double theta). */
static uint64_t lp_mass_target(uint64_t total_weight, const void *context) {
    return lp_top_mass_target(*(const double *)context, total_weight);
}

/* T = min(k, number of candidates) (context: the int64 k ≥ 0). */
static uint64_t lp_count_target(uint64_t total_weight, const void *context) {
    uint64_t k = (uint64_t)*(const int64_t *)context;
    return k < total_weight ? k : total_weight;
}

lp_status lp_cpu_select_top_mass(lp_stream stream, const float *importance, int64_t n, double theta,
                                 uint8_t *mask_out, int64_t *out_count) {
    static const char fn[] = "lp_select_top_mass";
    lp_select_input in = {LP_SELECT_BY_MASS, importance, NULL, NULL, n, 0.0};
    int64_t bad, candidates;
    float max_value;
    lp_cpu_select_scan(&in, &bad, &max_value, &candidates);
    if (bad >= 0)
        return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: importance[%lld] = %g, but importance values must be finite and >= 0", fn, (long long)bad,
                       (double)importance[bad]);
    *out_count = 0;
    if (n == 0) return LP_OK;
    /* weight_i = ⌊v_i · 2^s⌋: the product by an exact power of two is exact (|s| ≤ 211), the cast floors */
    in.scale = ldexp(1.0, lp_top_mass_shift(max_value, n));
    return lp_cpu_select(fn, &in, lp_mass_target, &theta, mask_out, out_count);
}

lp_status lp_cpu_select_top_k(lp_stream stream, const float *values, const uint8_t *candidates, int64_t n, int64_t k,
                              uint8_t *mask_out, int64_t *out_count) {
    static const char fn[] = "lp_select_top_k";
    lp_select_input in = {LP_SELECT_BY_VALUE, values, candidates, NULL, n, 0.0};
    int64_t bad, candidate_count;
    float ignored_max;
    lp_cpu_select_scan(&in, &bad, &ignored_max, &candidate_count);
    if (bad >= 0)
        return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: values[%lld] = %g, but values must be finite", fn, (long long)bad,
                       (double)values[bad]);
    *out_count = 0;
    if (n == 0) return LP_OK;
    return lp_cpu_select(fn, &in, lp_count_target, &k, mask_out, out_count);
}

/* Top ⌊fraction·|shared|⌋ of the shared elements ranked by importance, into mask_out [n]. */
static lp_status lp_partition_stage(const char *fn, const char *imp_name, int64_t n, const uint8_t *set1,
                                    const uint8_t *set2, const float *importance, double fraction, uint8_t *mask_out,
                                    int64_t *out_shared, int64_t *out_selected) {
    lp_select_input in = {LP_SELECT_BY_VALUE, importance, set1, set2, n, 0.0};
    int64_t bad, shared;
    float ignored_max;
    lp_cpu_select_scan(&in, &bad, &ignored_max, &shared);
    if (bad >= 0)
        return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: %s[%lld] = %g, but importance values must be finite", fn, imp_name, (long long)bad,
                       (double)importance[bad]);
    int64_t k = (int64_t)floor(fraction * (double)shared);
    *out_shared = shared;
    return lp_cpu_select(fn, &in, lp_count_target, &k, mask_out, out_selected);
}

lp_status lp_cpu_partition_masks(lp_stream stream, int64_t n, const uint8_t *set1, const uint8_t *set2,
                                 const float *imp1, const float *imp2, double alpha, double beta,
                                 uint8_t *stage1_mask, uint8_t *stage2_mask, uint8_t *region_out,
                                 int64_t *out_counts) {
    static const char fn[] = "lp_partition_masks";
    memset(out_counts, 0, 5 * sizeof *out_counts);
    if (n == 0) return LP_OK;
    int64_t shared = 0, picked1 = 0, picked2 = 0;
    lp_status status = lp_partition_stage(fn, "imp1", n, set1, set2, imp1, alpha, stage1_mask, &shared, &picked1);
    if (status != LP_OK) return status;
    status = lp_partition_stage(fn, "imp2", n, set1, set2, imp2, beta, stage2_mask, &shared, &picked2);
    if (status != LP_OK) return status;
    /* region = in1 + 2·in2: 0 none, 1 s1-only, 2 s2-only, 3 shared; the stages add their own-only elements */
    int64_t s1_only = 0, s2_only = 0;
#pragma omp parallel for schedule(static) reduction(+ : s1_only, s2_only) if (n >= LP_CPU_PARALLEL_MIN_ELEMENTS)
    for (int64_t i = 0; i < n; i++) {
        uint8_t region = (uint8_t)((set1[i] != 0) | ((set2[i] != 0) << 1));
        if (region == 1) stage1_mask[i] = 1, s1_only++;
        if (region == 2) stage2_mask[i] = 1, s2_only++;
        if (region_out != NULL) region_out[i] = region;
    }
    out_counts[0] = s1_only;
    out_counts[1] = s2_only;
    out_counts[2] = shared;
    out_counts[3] = s1_only + picked1;
    out_counts[4] = s2_only + picked2;
    return LP_OK;
}
