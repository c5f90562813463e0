/*
 * cpu_bf16.h — bf16 <-> f32 conversions of the CPU backend.
 * f32 → bf16 rounds to nearest, ties to even; NaN stays NaN (quiet bit forced so that the
 * truncated payload can never turn it into Inf); overflow rounds to ±Inf as IEEE rounding does.
 */
#ifndef LORAPAR_CPU_BF16_H
#define LORAPAR_CPU_BF16_H

#include <math.h>
#include <stdint.h>
#include <string.h>

static inline float lp_bf16_to_f32(uint16_t h) {
    uint32_t bits = (uint32_t)h << 16;
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

static inline uint16_t lp_f32_to_bf16(float f) {
    uint32_t bits;
    memcpy(&bits, &f, sizeof bits);
    if ((bits & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((bits >> 16) | 0x0040u); /* NaN */
    bits += 0x7fffu + ((bits >> 16) & 1u); /* round to nearest even on the low 16 bits */
    return (uint16_t)(bits >> 16);
}

/*
 * double → bf16 with a single correct rounding (no double rounding through f32): the double is first
 * rounded to f32 "to odd" (truncate toward zero, set the last bit when inexact), which keeps enough
 * information for the final round-to-nearest-even to bf16 (16 spare bits ≥ 2).
 */
static inline uint16_t lp_f64_to_bf16(double value) {
    if (isnan(value)) return lp_f32_to_bf16((float)value);
    float truncated = (float)value;
    if (fabs((double)truncated) > fabs(value)) truncated = nextafterf(truncated, 0.0f);
    if ((double)truncated != value) {
        uint32_t bits;
        memcpy(&bits, &truncated, sizeof bits);
        bits |= 1u;
        memcpy(&truncated, &bits, sizeof bits);
    }
    return lp_f32_to_bf16(truncated);
}

#endif /* LORAPAR_CPU_BF16_H */
