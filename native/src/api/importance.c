/* importance.c — public Taylor-importance entry points and lp_global_norm: validate, then dispatch. */
#include "common/validate.h"

lp_status lp_importance_accumulate(lp_stream stream, int32_t count, const int64_t *sizes, const void *const *grads,
                                   lp_dtype grad_dtype, const void *const *params, lp_dtype param_dtype,
                                   float *const *s1, float *const *s2) {
    static const char fn[] = "lp_importance_accumulate";
    LP_TRY(lp_check_stream(fn, stream));
    LP_TRY(lp_check_float_dtype(fn, "grad_dtype", grad_dtype));
    LP_TRY(lp_check_float_dtype(fn, "param_dtype", param_dtype));
    LP_TRY(lp_check_tensor_sizes(fn, count, sizes));
    LP_TRY(lp_check_tensor_pointers(fn, "grads", count, sizes, (const void *const *)grads, 0, 0));
    LP_TRY(lp_check_tensor_pointers(fn, "params", count, sizes, (const void *const *)params, 0, 0));
    LP_TRY(lp_check_tensor_pointers(fn, "s1", count, sizes, (const void *const *)s1, 0, 0));
    LP_TRY(lp_check_tensor_pointers(fn, "s2", count, sizes, (const void *const *)s2, 0, 0));
    for (int32_t t = 0; t < count; t++)
        if (s1[t] == s2[t] && sizes[t] > 0)
            return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: s1[%d] and s2[%d] are the same buffer", fn, (int)t, (int)t);
    if (count == 0) return LP_OK;
    return LP_DISPATCH(stream, importance_accumulate, stream, count, sizes, grads, grad_dtype, params, param_dtype, s1,
                       s2);
}

lp_status lp_importance_finalize(lp_stream stream, int32_t count, const int64_t *sizes, const float *const *s1,
                                 const float *const *s2, float *const *importance, int64_t num_samples) {
    static const char fn[] = "lp_importance_finalize";
    LP_TRY(lp_check_stream(fn, stream));
    if (num_samples < 1)
        return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: num_samples = %lld < 1", fn, (long long)num_samples);
    LP_TRY(lp_check_tensor_sizes(fn, count, sizes));
    LP_TRY(lp_check_tensor_pointers(fn, "s1", count, sizes, (const void *const *)s1, 0, 0));
    LP_TRY(lp_check_tensor_pointers(fn, "s2", count, sizes, (const void *const *)s2, 0, 0));
    LP_TRY(lp_check_tensor_pointers(fn, "importance", count, sizes, (const void *const *)importance, 0, 0));
    if (count == 0) return LP_OK;
    return LP_DISPATCH(stream, importance_finalize, stream, count, sizes, s1, s2, importance, num_samples);
}

lp_status lp_global_norm(lp_stream stream, int32_t count, const int64_t *sizes, const void *const *x, lp_dtype dtype,
                         float *out_norm) {
    static const char fn[] = "lp_global_norm";
    LP_TRY(lp_check_stream(fn, stream));
    LP_TRY(lp_check_float_dtype(fn, "dtype", dtype));
    LP_TRY(lp_check_tensor_sizes(fn, count, sizes));
    LP_TRY(lp_check_tensor_pointers(fn, "x", count, sizes, x, 0, 0));
    LP_TRY(lp_check_not_null(fn, "out_norm", out_norm));
    return LP_DISPATCH(stream, global_norm, stream, count, sizes, x, dtype, out_norm);
}
