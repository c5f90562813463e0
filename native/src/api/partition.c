/* partition.c — public selection / partition entry points: validate, then dispatch. Values themselves
 * (NaN, Inf, negative importance) are checked by the backend, which reads them. */
#include "common/validate.h"

lp_status lp_select_top_mass(lp_stream stream, const float *importance, int64_t n, double theta, uint8_t *mask_out,
                             int64_t *out_count) {
    static const char fn[] = "lp_select_top_mass";
    LP_TRY(lp_check_stream(fn, stream));
    LP_TRY(lp_check_nonnegative(fn, "n", n));
    LP_TRY(lp_check_unit_interval(fn, "theta", theta));
    LP_TRY(lp_check_data(fn, "importance", importance, n));
    LP_TRY(lp_check_data(fn, "mask_out", mask_out, n));
    LP_TRY(lp_check_not_null(fn, "out_count", out_count));
    if ((uint64_t)n > SIZE_MAX / sizeof(float))
        return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: n = %lld is too large to address", fn, (long long)n);
    LP_TRY(lp_check_disjoint(fn, "importance", importance, (size_t)n * sizeof(float), "mask_out", mask_out, (size_t)n));
    return LP_DISPATCH(stream, select_top_mass, stream, importance, n, theta, mask_out, out_count);
}

lp_status lp_select_top_k(lp_stream stream, const float *values, const uint8_t *candidates, int64_t n, int64_t k,
                          uint8_t *mask_out, int64_t *out_count) {
    static const char fn[] = "lp_select_top_k";
    LP_TRY(lp_check_stream(fn, stream));
    LP_TRY(lp_check_nonnegative(fn, "n", n));
    LP_TRY(lp_check_nonnegative(fn, "k", k));
    LP_TRY(lp_check_data(fn, "values", values, n));
    LP_TRY(lp_check_data(fn, "mask_out", mask_out, n));
    LP_TRY(lp_check_not_null(fn, "out_count", out_count));
    if ((uint64_t)n > SIZE_MAX / sizeof(float))
        return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: n = %lld is too large to address", fn, (long long)n);
    size_t n_bytes = (size_t)n;
    LP_TRY(lp_check_disjoint(fn, "values", values, n_bytes * sizeof(float), "mask_out", mask_out, n_bytes));
    LP_TRY(lp_check_disjoint(fn, "candidates", candidates, n_bytes, "mask_out", mask_out, n_bytes));
    return LP_DISPATCH(stream, select_top_k, stream, values, candidates, n, k, mask_out, out_count);
}

lp_status lp_partition_masks(lp_stream stream, int64_t n, const uint8_t *set1, const uint8_t *set2, const float *imp1,
                             const float *imp2, double alpha, double beta, uint8_t *stage1_mask, uint8_t *stage2_mask,
                             uint8_t *region_out, int64_t *out_counts) {
    static const char fn[] = "lp_partition_masks";
    LP_TRY(lp_check_stream(fn, stream));
    LP_TRY(lp_check_nonnegative(fn, "n", n));
    LP_TRY(lp_check_unit_interval(fn, "alpha", alpha));
    LP_TRY(lp_check_unit_interval(fn, "beta", beta));
    LP_TRY(lp_check_data(fn, "set1", set1, n));
    LP_TRY(lp_check_data(fn, "set2", set2, n));
    LP_TRY(lp_check_data(fn, "imp1", imp1, n));
    LP_TRY(lp_check_data(fn, "imp2", imp2, n));
    LP_TRY(lp_check_data(fn, "stage1_mask", stage1_mask, n));
    LP_TRY(lp_check_data(fn, "stage2_mask", stage2_mask, n));
    LP_TRY(lp_check_not_null(fn, "out_counts", out_counts));
    if ((uint64_t)n > SIZE_MAX / sizeof(float))
        return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: n = %lld is too large to address", fn, (long long)n);
    /* the outputs are written while the inputs are still being read: no output may overlap anything */
    size_t nb = (size_t)n, fb = nb * sizeof(float);
    const char *in_names[4] = {"set1", "set2", "imp1", "imp2"};
    const void *in_ptrs[4] = {set1, set2, imp1, imp2};
    size_t in_bytes[4] = {nb, nb, fb, fb};
    const char *out_names[3] = {"stage1_mask", "stage2_mask", "region_out"};
    void *out_ptrs[3] = {stage1_mask, stage2_mask, region_out};
    for (int o = 0; o < 3; o++) {
        for (int i = 0; i < 4; i++)
            LP_TRY(lp_check_disjoint(fn, out_names[o], out_ptrs[o], nb, in_names[i], in_ptrs[i], in_bytes[i]));
        for (int p = o + 1; p < 3; p++)
            LP_TRY(lp_check_disjoint(fn, out_names[o], out_ptrs[o], nb, out_names[p], out_ptrs[p], nb));
    }
    return LP_DISPATCH(stream, partition_masks, stream, n, set1, set2, imp1, imp2, alpha, beta, stage1_mask,
                       stage2_mask, region_out, out_counts);
}
