/* adamw.c — public lp_adamw_masked: validates the tensor lists and hyper-parameters, then dispatches. */
#include <math.h>

#include "common/validate.h"

lp_status lp_adamw_masked(lp_stream stream, int32_t count, const int64_t *sizes, float *const *params,
                          const float *const *grads, float *const *exp_avg, float *const *exp_avg_sq,
                          const uint8_t *const *masks, void *const *param_copies, lp_dtype copy_dtype, float lr,
                          float beta1, float beta2, float eps, float weight_decay, int64_t step,
                          const float *grad_norm, float max_grad_norm) {
    static const char fn[] = "lp_adamw_masked";
    LP_TRY(lp_check_stream(fn, stream));
    LP_TRY(lp_check_tensor_sizes(fn, count, sizes));
    LP_TRY(lp_check_tensor_pointers(fn, "params", count, sizes, (const void *const *)params, 0, 0));
    LP_TRY(lp_check_tensor_pointers(fn, "grads", count, sizes, (const void *const *)grads, 0, 0));
    LP_TRY(lp_check_tensor_pointers(fn, "exp_avg", count, sizes, (const void *const *)exp_avg, 0, 0));
    LP_TRY(lp_check_tensor_pointers(fn, "exp_avg_sq", count, sizes, (const void *const *)exp_avg_sq, 0, 0));
    /* masks: NULL array = all active; masks[t] NULL = tensor t all active */
    LP_TRY(lp_check_tensor_pointers(fn, "masks", count, sizes, (const void *const *)masks, 1, 1));
    /* param_copies: NULL array = no copies; param_copies[t] NULL = no copy of tensor t */
    if (param_copies != NULL) LP_TRY(lp_check_float_dtype(fn, "copy_dtype", copy_dtype));
    for (int32_t t = 0; t < count; t++) {
        if (sizes[t] == 0) continue;
        if (params[t] == exp_avg[t] || params[t] == exp_avg_sq[t] || exp_avg[t] == exp_avg_sq[t])
            return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: params[%d], exp_avg[%d], exp_avg_sq[%d] must be distinct", fn,
                           (int)t, (int)t, (int)t);
    }
    if (!(lr >= 0.0f && isfinite(lr))) return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: lr = %g must be finite and >= 0", fn, lr);
    if (!(beta1 >= 0.0f && beta1 < 1.0f))
        return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: beta1 = %g is outside [0, 1)", fn, beta1);
    if (!(beta2 >= 0.0f && beta2 < 1.0f))
        return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: beta2 = %g is outside [0, 1)", fn, beta2);
    if (!(eps >= 0.0f && isfinite(eps))) return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: eps = %g must be finite and >= 0", fn, eps);
    if (!(weight_decay >= 0.0f && isfinite(weight_decay)))
        return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: weight_decay = %g must be finite and >= 0", fn, weight_decay);
    if (step < 1) return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: step = %lld < 1", fn, (long long)step);
    LP_TRY(lp_check_finite(fn, "max_grad_norm", max_grad_norm));
    if (count == 0) return LP_OK;
    return LP_DISPATCH(stream, adamw_masked, stream, count, sizes, params, grads, exp_avg, exp_avg_sq, masks,
                       param_copies, copy_dtype, lr, beta1, beta2, eps, weight_decay, step, grad_norm, max_grad_norm);
}
