/*
 * cpu_gemm_kernel.c — the 6×16 register-tile micro-kernel and the tile epilogue of the CPU GEMM.
 * With AVX2 + FMA (the Release build's -march=x86-64-v3) the tile is 12 ymm accumulators fed by two
 * B vectors and one broadcast A value per depth step; other targets use a plain C loop.
 */
#include "cpu/cpu_bf16.h"
#include "cpu/cpu_gemm.h"

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>

/* acc [MR×NR] = Σ_p ap[p][·] ⊗ bp[p][·]   ap [kc×6], bp [kc×16] packed, bp 32-byte aligned */
static inline void lp_gemm_micro(int64_t kc, const float *restrict ap, const float *restrict bp,
                                 float *restrict acc) {
    __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps(), c10 = _mm256_setzero_ps();
    __m256 c11 = _mm256_setzero_ps(), c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps();
    __m256 c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps(), c40 = _mm256_setzero_ps();
    __m256 c41 = _mm256_setzero_ps(), c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
#pragma GCC unroll 4
    for (int64_t p = 0; p < kc; p++) {
        __m256 b0 = _mm256_load_ps(bp), b1 = _mm256_load_ps(bp + 8);
        __m256 a;
        a = _mm256_broadcast_ss(ap + 0), c00 = _mm256_fmadd_ps(a, b0, c00), c01 = _mm256_fmadd_ps(a, b1, c01);
        a = _mm256_broadcast_ss(ap + 1), c10 = _mm256_fmadd_ps(a, b0, c10), c11 = _mm256_fmadd_ps(a, b1, c11);
        a = _mm256_broadcast_ss(ap + 2), c20 = _mm256_fmadd_ps(a, b0, c20), c21 = _mm256_fmadd_ps(a, b1, c21);
        a = _mm256_broadcast_ss(ap + 3), c30 = _mm256_fmadd_ps(a, b0, c30), c31 = _mm256_fmadd_ps(a, b1, c31);
        a = _mm256_broadcast_ss(ap + 4), c40 = _mm256_fmadd_ps(a, b0, c40), c41 = _mm256_fmadd_ps(a, b1, c41);
        a = _mm256_broadcast_ss(ap + 5), c50 = _mm256_fmadd_ps(a, b0, c50), c51 = _mm256_fmadd_ps(a, b1, c51);
        ap += LP_GEMM_MR;
        bp += LP_GEMM_NR;
    }
    _mm256_store_ps(acc + 0, c00), _mm256_store_ps(acc + 8, c01), _mm256_store_ps(acc + 16, c10);
    _mm256_store_ps(acc + 24, c11), _mm256_store_ps(acc + 32, c20), _mm256_store_ps(acc + 40, c21);
    _mm256_store_ps(acc + 48, c30), _mm256_store_ps(acc + 56, c31), _mm256_store_ps(acc + 64, c40);
    _mm256_store_ps(acc + 72, c41), _mm256_store_ps(acc + 80, c50), _mm256_store_ps(acc + 88, c51);
}
#else
static inline void lp_gemm_micro(int64_t kc, const float *restrict ap, const float *restrict bp,
                                 float *restrict acc) {
    for (int e = 0; e < LP_GEMM_MR * LP_GEMM_NR; e++) acc[e] = 0.0f;
    for (int64_t p = 0; p < kc; p++)
        for (int i = 0; i < LP_GEMM_MR; i++)
            for (int j = 0; j < LP_GEMM_NR; j++)
                acc[i * LP_GEMM_NR + j] += ap[p * LP_GEMM_MR + i] * bp[p * LP_GEMM_NR + j];
}
#endif

/* f32 C: first slice C = alpha·acc (+ beta·C), later slices C += alpha·acc. */
static void lp_gemm_store_f32(const float *acc, const lp_gemm_output *out, int64_t i, int64_t j, int64_t mr,
                              int64_t nr, int first_slice) {
    const float alpha = out->alpha, beta = out->beta;
    for (int64_t r = 0; r < mr; r++) {
        float *c = (float *)out->c + (i + r) * out->ldc + j; /* [nr] */
        const float *t = acc + r * LP_GEMM_NR;               /* [nr] */
        if (!first_slice) {
            for (int64_t q = 0; q < nr; q++) c[q] += alpha * t[q];
        } else if (beta == 0.0f) {
            for (int64_t q = 0; q < nr; q++) c[q] = alpha * t[q];
        } else {
            for (int64_t q = 0; q < nr; q++) c[q] = alpha * t[q] + beta * c[q];
        }
    }
}

/* bf16 C: partial sums wait in out->w; the last slice rounds alpha·Σ + beta·C once. */
static void lp_gemm_store_bf16(const float *acc, const lp_gemm_output *out, int64_t i, int64_t j, int64_t mr,
                               int64_t nr, int first_slice, int last_slice) {
    const float alpha = out->alpha, beta = out->beta;
    for (int64_t r = 0; r < mr; r++) {
        const float *t = acc + r * LP_GEMM_NR;                                           /* [nr] */
        float *w = out->w != NULL ? out->w + (i + r) * out->ldw + (j - out->w_col0) : NULL; /* [nr] */
        if (!last_slice) {
            if (first_slice)
                for (int64_t q = 0; q < nr; q++) w[q] = t[q];
            else
                for (int64_t q = 0; q < nr; q++) w[q] += t[q];
            continue;
        }
        uint16_t *c = (uint16_t *)out->c + (i + r) * out->ldc + j; /* [nr] */
        for (int64_t q = 0; q < nr; q++) {
            float sum = first_slice ? t[q] : w[q] + t[q];
            float value = alpha * sum;
            if (beta != 0.0f) value += beta * lp_bf16_to_f32(c[q]);
            c[q] = lp_f32_to_bf16(value);
        }
    }
}

void lp_cpu_gemm_tile(int64_t kc, const float *ap, const float *bp, const lp_gemm_output *out, int64_t i, int64_t j,
                      int64_t mr, int64_t nr, int first_slice, int last_slice) {
    float acc[LP_GEMM_MR * LP_GEMM_NR] __attribute__((aligned(64))); /* [MR×NR] */
    lp_gemm_micro(kc, ap, bp, acc);
    if (out->c_dtype == LP_BF16)
        lp_gemm_store_bf16(acc, out, i, j, mr, nr, first_slice, last_slice);
    else
        lp_gemm_store_f32(acc, out, i, j, mr, nr, first_slice);
}
