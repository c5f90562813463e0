/* cpu_gemm_pack.c — packing of GEMM operands into f32 micro-panels (bf16 is widened here). */
#include "cpu/cpu_bf16.h"
#include "cpu/cpu_gemm.h"

static inline __attribute__((always_inline)) float lp_pack_load(const void *base, int64_t index, int is_bf16) {
    return is_bf16 ? lp_bf16_to_f32(((const uint16_t *)base)[index]) : ((const float *)base)[index];
}

/* is_bf16 is a constant at each call site, so each dtype gets its own specialised loops. */
static inline __attribute__((always_inline)) void lp_pack_panel_typed(const lp_gemm_operand *src, int64_t x0,
                                                                     int64_t count, int64_t p0, int64_t kc,
                                                                     int64_t width, float *restrict dst,
                                                                     int is_bf16) {
    const int64_t sx = src->stride_x, sp = src->stride_p;
    if (sx == 1) {
        /* contiguous along the panel dimension: one short row copy per depth step */
        for (int64_t p = 0; p < kc; p++) {
            int64_t row = x0 + (p0 + p) * sp;
            float *out = dst + p * width; /* [width] */
            for (int64_t x = 0; x < count; x++) out[x] = lp_pack_load(src->base, row + x, is_bf16);
            for (int64_t x = count; x < width; x++) out[x] = 0.0f;
        }
        return;
    }
    /* contiguous (or strided) along depth: a transposing copy, one source line per panel column */
    if (count < width)
        for (int64_t p = 0; p < kc; p++)
            for (int64_t x = count; x < width; x++) dst[p * width + x] = 0.0f;
    for (int64_t x = 0; x < count; x++) {
        int64_t line = (x0 + x) * sx + p0 * sp;
        for (int64_t p = 0; p < kc; p++) dst[p * width + x] = lp_pack_load(src->base, line + p * sp, is_bf16);
    }
}

void lp_cpu_gemm_pack_panel(const lp_gemm_operand *src, int64_t x0, int64_t count, int64_t p0, int64_t kc,
                            int64_t width, float *dst) {
    if (src->dtype == LP_BF16)
        lp_pack_panel_typed(src, x0, count, p0, kc, width, dst, 1);
    else
        lp_pack_panel_typed(src, x0, count, p0, kc, width, dst, 0);
}
