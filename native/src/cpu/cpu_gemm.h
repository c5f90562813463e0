/*
 * cpu_gemm.h — internals of the CPU GEMM (cpu_gemm.c drives, cpu_gemm_pack.c packs,
 * cpu_gemm_kernel.c multiplies). Classic three-level blocking:
 *   for each NC-column stripe of op(B), for each KC-deep slice:
 *     pack op(B)[KC×NC] into NR-wide micro-panels (shared by all threads, L3 resident)
 *     for each MC-row block of op(A) (spread over threads):
 *       pack op(A)[MC×KC] into MR-tall micro-panels (per thread, L2 resident)
 *       for each NR micro-panel of B (L1 resident), for each MR micro-panel of A:
 *         the MR×NR register tile accumulates KC rank-1 updates, then the epilogue writes C.
 * Everything is computed in f32; bf16 operands are widened while packing.
 */
#ifndef LORAPAR_CPU_GEMM_H
#define LORAPAR_CPU_GEMM_H

#include "internal.h"

#define LP_GEMM_MR 6    /* rows of the register tile */
#define LP_GEMM_NR 16   /* columns of the register tile (two 8-float AVX2 vectors) */
#define LP_GEMM_MC 144  /* rows of a packed A block: 144×256×4 B = 144 KiB, stays in L2 */
#define LP_GEMM_KC 256  /* depth of a packed slice: a B micro-panel is 256×16×4 B = 16 KiB, stays in L1 */
#define LP_GEMM_NC 3072 /* columns of a packed B slice: 256×3072×4 B = 3 MiB, stays in L3 */

/* A strided matrix view: element (x, p) is at base + (x·stride_x + p·stride_p) elements. */
typedef struct {
    const void *base;
    int64_t stride_x; /* along the panel dimension: rows of op(A), columns of op(B) */
    int64_t stride_p; /* along the depth dimension k */
    lp_dtype dtype;   /* LP_F32 or LP_BF16 */
} lp_gemm_operand;

/*
 * Packs elements (x0 + x, p0 + p), x < count ≤ width, p < kc, into dst[p·width + x]; the columns
 * x ∈ [count, width) of every p are zero.   dst [kc×width] f32
 */
void lp_cpu_gemm_pack_panel(const lp_gemm_operand *src, int64_t x0, int64_t count, int64_t p0, int64_t kc,
                            int64_t width, float *dst);

/* Where and how the register tiles are written. */
typedef struct {
    void *c;          /* C [m×n] of c_dtype, row stride ldc (elements) */
    int64_t ldc;
    lp_dtype c_dtype; /* LP_F32 or LP_BF16 */
    float alpha, beta;
    float *w;         /* bf16 C with several depth slices: f32 partial sums [m×ldw] of the current
                         column stripe, column j of C at w[(j − w_col0)]; else NULL */
    int64_t ldw, w_col0;
} lp_gemm_output;

/*
 * One register tile: acc = ap · bp over kc (ap [kc×MR] and bp [kc×NR] packed, 64-byte aligned),
 * then rows i..i+mr, columns j..j+nr of C (mr ≤ MR, nr ≤ NR) get it:
 *   first slice: C = alpha·acc + beta·C (C not read when beta == 0); later slices: C += alpha·acc.
 *   bf16 C: the f32 partial sum lives in out->w until the last slice, then C is rounded once.
 */
void lp_cpu_gemm_tile(int64_t kc, const float *ap, const float *bp, const lp_gemm_output *out, int64_t i, int64_t j,
                      int64_t mr, int64_t nr, int first_slice, int last_slice);

#endif /* LORAPAR_CPU_GEMM_H */
