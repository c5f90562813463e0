/* cpu_fill.c — lp_fill, lp_convert and lp_mask_apply on the CPU (arguments validated by the API). */
#include <string.h>

#include "cpu/cpu_bf16.h"
#include "cpu/cpu_parallel.h"
#include "internal.h"

lp_status lp_cpu_fill(lp_stream stream, void *dst, lp_dtype dtype, int64_t n, double value) {
    switch (dtype) {
    case LP_U8: memset(dst, (int)value, (size_t)n); return LP_OK;
    case LP_F32: {
        float *out = dst; /* [n] */
        float v = (float)value;
#pragma omp parallel for schedule(static) if (n >= LP_CPU_PARALLEL_MIN_ELEMENTS)
        for (int64_t i = 0; i < n; i++) out[i] = v;
        return LP_OK;
    }
    case LP_BF16: {
        uint16_t *out = dst; /* [n] */
        uint16_t v = lp_f64_to_bf16(value);
#pragma omp parallel for schedule(static) if (n >= LP_CPU_PARALLEL_MIN_ELEMENTS)
        for (int64_t i = 0; i < n; i++) out[i] = v;
        return LP_OK;
    }
    case LP_I32: {
        int32_t *out = dst; /* [n] */
        int32_t v = (int32_t)value;
#pragma omp parallel for schedule(static) if (n >= LP_CPU_PARALLEL_MIN_ELEMENTS)
        for (int64_t i = 0; i < n; i++) out[i] = v;
        return LP_OK;
    }
    case LP_I64: {
        int64_t *out = dst; /* [n] */
        int64_t v = (int64_t)value;
#pragma omp parallel for schedule(static) if (n >= LP_CPU_PARALLEL_MIN_ELEMENTS)
        for (int64_t i = 0; i < n; i++) out[i] = v;
        return LP_OK;
    }
    default: return lp_fail(LP_ERR_INTERNAL, "lp_fill: CPU backend reached with dtype %d", (int)dtype);
    }
}

lp_status lp_cpu_convert(lp_stream stream, const void *src, lp_dtype src_dtype, void *dst, lp_dtype dst_dtype,
                         int64_t n) {
    if (src_dtype == dst_dtype) {
        if (src != dst) memmove(dst, src, (size_t)n * lp_dtype_size(src_dtype));
        return LP_OK;
    }
    if (src_dtype == LP_F32 && dst_dtype == LP_BF16) {
        const float *in = src; /* [n] */
        uint16_t *out = dst;   /* [n] */
#pragma omp parallel for schedule(static) if (n >= LP_CPU_PARALLEL_MIN_ELEMENTS)
        for (int64_t i = 0; i < n; i++) out[i] = lp_f32_to_bf16(in[i]);
        return LP_OK;
    }
    if (src_dtype == LP_BF16 && dst_dtype == LP_F32) {
        const uint16_t *in = src; /* [n] */
        float *out = dst;         /* [n] */
#pragma omp parallel for schedule(static) if (n >= LP_CPU_PARALLEL_MIN_ELEMENTS)
        for (int64_t i = 0; i < n; i++) out[i] = lp_bf16_to_f32(in[i]);
        return LP_OK;
    }
    return lp_fail(LP_ERR_INTERNAL, "lp_convert: CPU backend reached with %s -> %s", lp_dtype_name(src_dtype),
                   lp_dtype_name(dst_dtype));
}

lp_status lp_cpu_mask_apply(lp_stream stream, lp_dtype dtype, void *x, const uint8_t *mask, int64_t n) {
    if (dtype == LP_F32) {
        float *values = x; /* [n] */
#pragma omp parallel for schedule(static) if (n >= LP_CPU_PARALLEL_MIN_ELEMENTS)
        for (int64_t i = 0; i < n; i++)
            if (mask[i] == 0) values[i] = 0.0f;
        return LP_OK;
    }
    if (dtype == LP_BF16) {
        uint16_t *values = x; /* [n] */
#pragma omp parallel for schedule(static) if (n >= LP_CPU_PARALLEL_MIN_ELEMENTS)
        for (int64_t i = 0; i < n; i++)
            if (mask[i] == 0) values[i] = 0;
        return LP_OK;
    }
    return lp_fail(LP_ERR_INTERNAL, "lp_mask_apply: CPU backend reached with dtype %d", (int)dtype);
}
