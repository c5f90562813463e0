/*
 * cpu_adamw.c — masked AdamW on the CPU. Every float operation rounds as written, in this order
 * (no FMA contraction; the Java test reference replicates it):
 *   clip  = 1, or when grad_norm != NULL and max_grad_norm > 0:
 *           ratio = max_grad_norm / (grad_norm[0] + 1e-6f); clip = ratio >= 1 ? 1 : ratio (NaN stays NaN)
 *   bc1   = (float)(1.0 − pow((double)beta1, (double)step)), bc2 likewise with beta2   (double, then float)
 *   g     = grad · clip
 *   m     = beta1 · m + (1 − beta1) · g                 ((1 − beta1) is one float subtraction)
 *   v     = beta2 · v + ((1 − beta2) · g) · g
 *   denom = sqrtf(v / bc2) + eps
 *   p     = p − lr · ((m / bc1) / denom + weight_decay · p)
 * Masked elements (mask present and 0): p, m, v and the copy are not written at all.
 */
#include "cpu/cpu_no_contract.h"

#include <math.h>

#include "cpu/cpu_bf16.h"
#include "cpu/cpu_parallel.h"
#include "internal.h"

typedef struct {
    float clip, beta1, one_minus_beta1, beta2, one_minus_beta2, bc1, bc2, eps, lr, weight_decay;
} lp_adamw_constants;

/* One tensor: param, grad, m, v [size]; mask [size] or NULL; copy [size] of copy_dtype or NULL. */
static void lp_adamw_tensor(const lp_adamw_constants *k, int64_t size, float *restrict param,
                            const float *restrict grad, float *restrict exp_avg, float *restrict exp_avg_sq,
                            const uint8_t *restrict mask, void *restrict copy, lp_dtype copy_dtype) {
#pragma omp for schedule(static) nowait
    for (int64_t i = 0; i < size; i++) {
        if (mask != NULL && mask[i] == 0) continue;
        float g = grad[i] * k->clip;
        float m = k->beta1 * exp_avg[i] + k->one_minus_beta1 * g;
        float v = k->beta2 * exp_avg_sq[i] + k->one_minus_beta2 * g * g;
        float denom = sqrtf(v / k->bc2) + k->eps;
        float p = param[i] - k->lr * ((m / k->bc1) / denom + k->weight_decay * param[i]);
        exp_avg[i] = m;
        exp_avg_sq[i] = v;
        param[i] = p;
        if (copy != NULL) {
            if (copy_dtype == LP_BF16)
                ((uint16_t *)copy)[i] = lp_f32_to_bf16(p);
            else
                ((float *)copy)[i] = p;
        }
    }
}

lp_status lp_cpu_adamw_masked(lp_stream stream, int32_t count, const int64_t *sizes, float *const *params,
                              const float *const *grads, float *const *exp_avg, float *const *exp_avg_sq,
                              const uint8_t *const *masks, void *const *param_copies, lp_dtype copy_dtype, float lr,
                              float beta1, float beta2, float eps, float weight_decay, int64_t step,
                              const float *grad_norm, float max_grad_norm) {
    lp_adamw_constants k;
    k.clip = 1.0f;
    if (grad_norm != NULL && max_grad_norm > 0.0f) {
        float ratio = max_grad_norm / (grad_norm[0] + 1e-6f);
        k.clip = ratio >= 1.0f ? 1.0f : ratio;
    }
    k.beta1 = beta1, k.one_minus_beta1 = 1.0f - beta1;
    k.beta2 = beta2, k.one_minus_beta2 = 1.0f - beta2;
    k.bc1 = (float)(1.0 - pow((double)beta1, (double)step));
    k.bc2 = (float)(1.0 - pow((double)beta2, (double)step));
    k.eps = eps, k.lr = lr, k.weight_decay = weight_decay;

    int64_t total = 0;
    for (int32_t t = 0; t < count; t++) total += sizes[t];
#pragma omp parallel if (total >= LP_CPU_PARALLEL_MIN_ELEMENTS)
    for (int32_t t = 0; t < count; t++) {
        const uint8_t *mask = masks != NULL ? masks[t] : NULL;
        void *copy = param_copies != NULL ? param_copies[t] : NULL;
        lp_adamw_tensor(&k, sizes[t], params[t], grads[t], exp_avg[t], exp_avg_sq[t], mask, copy, copy_dtype);
    }
    return LP_OK;
}
