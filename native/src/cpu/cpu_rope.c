/*
 * cpu_rope.c — rotary position embedding in place on the CPU. Per token and pair p: angle =
 * positions[t] · theta^(−2p/head_dim) in double, cos/sin in double rounded to f32 (negated sin when
 * inverse), then the rotation in f32 for every head.
 */
#include <math.h>

#include "cpu/cpu_act.h"
#include "cpu/cpu_parallel.h"
#include "internal.h"

lp_status lp_cpu_rope(lp_stream stream, lp_dtype dtype, int64_t tokens, int64_t heads, int64_t head_dim,
                      const int32_t *positions, double theta, lp_rope_style style, int32_t inverse, void *x) {
    for (int64_t t = 0; t < tokens; t++)
        if (positions[t] < 0)
            return lp_fail(LP_ERR_INVALID_ARGUMENT, "lp_rope: positions[%lld] = %d, expected >= 0", (long long)t,
                           (int)positions[t]);
    const int bf = dtype == LP_BF16;
    const int64_t half = head_dim / 2;
    const int64_t partner = style == LP_ROPE_ADJACENT_PAIRS ? 1 : half; /* offset of b from a */
#pragma omp parallel for schedule(static) if (tokens * heads * head_dim >= LP_CPU_PARALLEL_MIN_ELEMENTS)
    for (int64_t t = 0; t < tokens; t++) {
        for (int64_t p = 0; p < half; p++) {
            double angle = (double)positions[t] * pow(theta, -2.0 * (double)p / (double)head_dim);
            float c = (float)cos(angle), s = (float)sin(angle);
            if (inverse) s = -s;
            const int64_t ia = style == LP_ROPE_ADJACENT_PAIRS ? 2 * p : p; /* index of a within a head */
            for (int64_t h = 0; h < heads; h++) {
                const int64_t base = (t * heads + h) * head_dim; /* head h of token t in x [tokens×heads×head_dim] */
                float a = lp_act_load(x, base + ia, bf), b = lp_act_load(x, base + ia + partner, bf);
                lp_act_store(x, base + ia, a * c - b * s, bf);
                lp_act_store(x, base + ia + partner, a * s + b * c, bf);
            }
        }
    }
    return LP_OK;
}
