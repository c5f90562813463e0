/* cpu_swiglu.c — SwiGLU forward and backward on the CPU, elementwise in f32 (each element is read before
 * it is written, so out may alias up and d_gate / d_up may alias gate / up). */
#include <math.h>

#include "cpu/cpu_act.h"
#include "cpu/cpu_parallel.h"
#include "internal.h"

lp_status lp_cpu_swiglu_forward(lp_stream stream, lp_dtype dtype, int64_t n, const void *gate, const void *up,
                                void *out) {
    const int bf = dtype == LP_BF16;
#pragma omp parallel for schedule(static) if (n >= LP_CPU_PARALLEL_MIN_ELEMENTS)
    for (int64_t i = 0; i < n; i++) {
        float z = lp_act_load(gate, i, bf), u = lp_act_load(up, i, bf);
        lp_act_store(out, i, z / (1.0f + expf(-z)) * u, bf);
    }
    return LP_OK;
}

lp_status lp_cpu_swiglu_backward(lp_stream stream, lp_dtype dtype, int64_t n, const void *gate, const void *up,
                                 const void *d_out, void *d_gate, void *d_up) {
    const int bf = dtype == LP_BF16;
#pragma omp parallel for schedule(static) if (n >= LP_CPU_PARALLEL_MIN_ELEMENTS)
    for (int64_t i = 0; i < n; i++) {
        float z = lp_act_load(gate, i, bf), u = lp_act_load(up, i, bf), g = lp_act_load(d_out, i, bf);
        float sig = 1.0f / (1.0f + expf(-z));
        float silu = z * sig;
        float dsilu = sig * (1.0f + z * (1.0f - sig));
        lp_act_store(d_gate, i, g * u * dsilu, bf);
        lp_act_store(d_up, i, g * silu, bf);
    }
    return LP_OK;
}
