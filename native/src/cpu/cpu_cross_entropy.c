/*
 * cpu_cross_entropy.c — softmax cross-entropy with the in-place logits gradient on the CPU. Per row:
 * max in f32, e^{x − max} in f32 summed in double, lse = max + log(sum) rounded to f32; loss and
 * gradient in f32 (softmax = e^{x − lse}). Targets are checked before any logit is touched.
 */
#include <math.h>

#include "cpu/cpu_act.h"
#include "internal.h"

lp_status lp_cpu_cross_entropy(lp_stream stream, lp_dtype dtype, int64_t tokens, int64_t vocab, void *logits,
                               const int32_t *targets, const float *weights, float grad_scale, float *losses) {
    for (int64_t t = 0; t < tokens; t++)
        if (targets[t] >= vocab)
            return lp_fail(LP_ERR_INVALID_ARGUMENT, "lp_cross_entropy: targets[%lld] = %d is >= vocab = %lld",
                           (long long)t, (int)targets[t], (long long)vocab);
    const int bf = dtype == LP_BF16;
#pragma omp parallel for schedule(static) if (tokens * vocab >= 65536)
    for (int64_t t = 0; t < tokens; t++) {
        const int64_t base = t * vocab; /* row t of logits [tokens×vocab] */
        const int32_t target = targets[t];
        if (target < 0) {
            losses[t] = 0.0f;
            if (grad_scale != 0.0f)
                for (int64_t j = 0; j < vocab; j++) lp_act_store(logits, base + j, 0.0f, bf);
            continue;
        }
        const float w = weights == NULL ? 1.0f : weights[t];
        float max = -INFINITY;
        for (int64_t j = 0; j < vocab; j++) {
            float x = lp_act_load(logits, base + j, bf);
            if (x > max) max = x;
        }
        double sum = 0.0;
        for (int64_t j = 0; j < vocab; j++) sum += expf(lp_act_load(logits, base + j, bf) - max);
        const float lse = max + (float)log(sum);
        losses[t] = w * (lse - lp_act_load(logits, base + target, bf));
        if (grad_scale != 0.0f) {
            const float gw = grad_scale * w;
            for (int64_t j = 0; j < vocab; j++) {
                float p = expf(lp_act_load(logits, base + j, bf) - lse);
                lp_act_store(logits, base + j, gw * (p - (j == target ? 1.0f : 0.0f)), bf);
            }
        }
    }
    return LP_OK;
}
