/*
 * sample_math.h — the exact arithmetic of lp_sample (see lorapar.h), shared by the CPU and CUDA backends
 * so both draw the same token for the same F32 logits; the Java test reference (DecodeRef) re-implements
 * the same functions independently.
 *  - lp_sample_weight: w = ⌊2^31 · e^z⌋ for z = (logit − max)·(1/T) ≤ 0, from a fixed sequence of IEEE fp32
 *    operations (products, explicit FMAs, rintf, a truncating conversion, a shift): no operation whose
 *    rounding may differ between compilers (every a·b + c is an explicit fmaf, nothing is left for contraction).
 *  - lp_sample_random: a 64-bit counter-based random number of (seed, step) (splitmix64).
 *  - lp_mulhi_u64: ⌊a·b / 2^64⌋ with 32-bit limbs (u = ⌊r·K / 2^64⌋ is the draw in [0, K)).
 *  - lp_sample_top_p_target: ⌈top_p · M⌉ exactly (top_p's 24-bit mantissa times M in 128 bits).
 * Plain C (host) or CUDA (host and device): rintf, fmaf, ldexp, frexpf of math.h.
 */
#ifndef LORAPAR_SAMPLE_MATH_H
#define LORAPAR_SAMPLE_MATH_H

#include <math.h>
#include <stdint.h>

#ifdef __CUDACC__
#define LP_SAMPLE_HD __host__ __device__
#else
#define LP_SAMPLE_HD
#endif

/* Weights are ⌊2^LP_SAMPLE_WEIGHT_BITS · p⌋, p = e^z ∈ (0, 1]: at most 2^31 (fits u32); a vocabulary of
 * 2^31 tokens sums below 2^62 (fits u64). */
#define LP_SAMPLE_WEIGHT_BITS 31

/* 1/T for a temperature T > 0, capped at FLT_MAX (so that 0 · (1/T) stays 0 for the maximum logit). */
static inline LP_SAMPLE_HD float lp_sample_inverse_temperature(float temperature) {
    const float inv = 1.0f / temperature;
    return inv < 3.40282347e+38f ? inv : 3.40282347e+38f;
}

/* The exponent z ≤ 0 of a logit: (logit − max) · (1/T), one fp32 subtraction and one product. */
static inline LP_SAMPLE_HD float lp_sample_exponent(float logit, float max, float inverse_temperature) {
    return (logit - max) * inverse_temperature;
}

/* ⌊2^31 · e^z⌋ for z ≤ 0 (z = −Inf gives 0; below −22, e^z·2^31 < 0.6, so 0 without computing).
 * e^z = 2^n · e^r with n = rint(z·log2 e) ≤ 0, r = z − n·ln2 (two FMAs with a split ln2), e^r from its
 * Taylor polynomial of degree 7 on |r| ≤ 0.35 (Horner, FMAs); then ⌊e^r·2^31⌋ (exact product, truncating
 * conversion) shifted right by −n, which is ⌊e^r·2^(31+n)⌋. */
static inline LP_SAMPLE_HD uint32_t lp_sample_weight(float z) {
    if (!(z > -22.0f)) return 0u;
    const float n = rintf(z * 1.44269502e+00f);
    float r = fmaf(n, -6.93145752e-01f, z); /* ln2 high part: 0x3f317200 */
    r = fmaf(n, -1.42860677e-06f, r);       /* ln2 low part */
    float p = 1.98412701e-04f;              /* 1/7! */
    p = fmaf(p, r, 1.38888892e-03f);        /* 1/6! */
    p = fmaf(p, r, 8.33333377e-03f);        /* 1/5! */
    p = fmaf(p, r, 4.16666679e-02f);        /* 1/4! */
    p = fmaf(p, r, 1.66666672e-01f);        /* 1/3! */
    p = fmaf(p, r, 5.00000000e-01f);
    p = fmaf(p, r, 1.00000000e+00f);
    p = fmaf(p, r, 1.00000000e+00f);
    const int shift = -(int)n; /* 0 ≤ shift ≤ 32 */
    if (shift > 31) return 0u; /* e^r·2^(31−32) < 1 */
    const uint32_t fixed = (uint32_t)(p * 2147483648.0f); /* p·2^31: exact, < 2^32 (p < 2) */
    return fixed >> shift;
}

/* The splitmix64 output function. */
static inline LP_SAMPLE_HD uint64_t lp_sample_mix64(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* The random 64 bits of draw `step` of the stream `seed`: splitmix64's state after step+1 increments from
 * the mixed seed. */
static inline LP_SAMPLE_HD uint64_t lp_sample_random(uint64_t seed, int64_t step) {
    return lp_sample_mix64(lp_sample_mix64(seed) + ((uint64_t)step + 1u) * 0x9e3779b97f4a7c15ull);
}

/* ⌊a·b / 2^64⌋. */
static inline LP_SAMPLE_HD uint64_t lp_mulhi_u64(uint64_t a, uint64_t b) {
    const uint64_t a_lo = a & 0xffffffffu, a_hi = a >> 32, b_lo = b & 0xffffffffu, b_hi = b >> 32;
    const uint64_t lo_lo = a_lo * b_lo, hi_lo = a_hi * b_lo, lo_hi = a_lo * b_hi, hi_hi = a_hi * b_hi;
    const uint64_t cross = (lo_lo >> 32) + (hi_lo & 0xffffffffu) + lo_hi;
    return hi_hi + (hi_lo >> 32) + (cross >> 32);
}

/* ⌈top_p · mass⌉ exactly, for top_p ∈ (0, 1) and mass < 2^63: top_p = f·2^(e−24) with the 24-bit integer
 * f (frexpf), the product f·mass in 128 bits (hi, lo), then a rounding-up shift by 24 − e ≥ 25. */
static inline LP_SAMPLE_HD uint64_t lp_sample_top_p_target(float top_p, uint64_t mass) {
    int e = 0;
    const float m = frexpf(top_p, &e); /* top_p = m·2^e, m ∈ [0.5, 1), e ≤ 0 */
    const uint64_t f = (uint64_t)ldexp((double)m, 24);
    const uint64_t lo = f * mass, hi = lp_mulhi_u64(f, mass);
    const int s = 24 - e;
    uint64_t q;
    int inexact;
    if (s >= 128) {
        q = 0;
        inexact = (hi | lo) != 0;
    } else if (s >= 64) {
        q = s == 64 ? hi : hi >> (s - 64);
        inexact = lo != 0 || (s > 64 && (hi & ((1ull << (s - 64)) - 1u)) != 0);
    } else {
        q = (lo >> s) | (hi << (64 - s));
        inexact = (lo & ((1ull << s) - 1u)) != 0;
    }
    return q + (inexact ? 1u : 0u);
}

#endif /* LORAPAR_SAMPLE_MATH_H */
