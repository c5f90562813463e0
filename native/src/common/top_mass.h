/*
 * top_mass.h — the exact integer arithmetic of top-mass selection (see lp_select_top_mass in
 * lorapar.h). Shared by the CPU and CUDA backends so both select identical sets; the Java test
 * reference re-implements the same three functions independently with BigInteger.
 */
#ifndef LORAPAR_TOP_MASS_H
#define LORAPAR_TOP_MASS_H

#include <math.h>
#include <stdint.h>

#ifdef __CUDACC__
#define LP_HD __host__ __device__
#else
#define LP_HD
#endif

/* s = 62 − em − en, max = f·2^em (f ∈ [0.5, 1), em = 0 when max == 0), en = ⌈log2 n⌉. */
static inline int lp_top_mass_shift(float max_value, int64_t n) {
    int em = 0;
    if (max_value > 0.0f) (void)frexp((double)max_value, &em);
    int en = 0;
    while (en < 63 && ((int64_t)1 << en) < n) en++;
    return 62 - em - en;
}

/* q = ⌊v · 2^s⌋: exact, since a float's 24-bit mantissa times a power of two fits a double. */
static inline LP_HD uint64_t lp_top_mass_quantize(float v, int s) {
    return (uint64_t)floor(ldexp((double)v, s));
}

/* T = ⌈theta · Q⌉ exactly: theta = mant · 2^(e−53) with a 53-bit integer mant, product in 128 bits. */
static inline uint64_t lp_top_mass_target(double theta, uint64_t total) {
    if (!(theta > 0.0) || total == 0) return 0;
    if (theta >= 1.0) return total;
    int e = 0;
    double f = frexp(theta, &e);            /* theta = f · 2^e, f ∈ [0.5, 1), e ≤ 0 */
    uint64_t mant = (uint64_t)ldexp(f, 53); /* exact 53-bit integer */
    unsigned __int128 prod = (unsigned __int128)mant * total;
    int shift = 53 - e; /* ≥ 53 */
    if (shift >= 128) return prod != 0 ? 1 : 0;
    unsigned __int128 q = prod >> shift;
    if ((q << shift) != prod) q++;
    return (uint64_t)q;
}

#endif /* LORAPAR_TOP_MASS_H */
