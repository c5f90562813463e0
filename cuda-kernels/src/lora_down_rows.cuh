/*
 * lora_down_rows.cuh — the LoRA down projections of a decode step computed inside the kernel that produces their
 * input, one block per row (lp_rmsnorm_lora_down: the RMSNorm; lp_swiglu_lora_down: the SwiGLU):
 *   u_i[row] = src[row] · A_iᵀ     src [rows×k] T, A_i [r×k], u_i [rows×r], i < count, count·r ≤ J ≤ 32
 * Each thread sums over the 8-element groups of the row it wrote itself (lp_row_groups' assignment: group t + j·256),
 * fmaf in element order, then the sums are reduced down each warp (shuffles) and over the warps in order — the order
 * of lp_thin_down_kernel, so u is the same as the producing op followed by lp_lora_forward_group's thin down kernel.
 */
#ifndef LORAPAR_LORA_DOWN_ROWS_CUH
#define LORAPAR_LORA_DOWN_ROWS_CUH

#include "gemm.cuh"
#include "layer_rows.cuh"

#define LP_ROW_DOWN_MAX 32 /* count · r the fused kernels take */

struct lp_row_down_group {
    const void *a[LP_LORA_GROUP_MAX]; /* A_i [r×k] */
    void *u[LP_LORA_GROUP_MAX];       /* u_i [rows×r] */
    int count;
};

static inline lp_row_down_group lp_row_down_group_of(int64_t count, const void *const *a, void *const *u) {
    lp_row_down_group g = {};
    for (int64_t i = 0; i < count; i++) {
        g.a[i] = a[i];
        g.u[i] = u[i];
    }
    g.count = (int)count;
    return g;
}

/* Whether the fused kernels take the group: decode rows (lp_cuda_thin_down_applies), 1 ≤ count·r ≤ 32, k % 8 == 0
 * and every A_i row 16-byte aligned (the caller checks its own operands). */
static inline bool lp_row_down_fused(int64_t rows, int64_t k, int64_t count, int64_t r, size_t elem,
                                     const void *const *a) {
    if (count * r < 1 || count * r > LP_ROW_DOWN_MAX || k % 8 != 0 || !lp_cuda_thin_down_applies(rows, r)) return false;
    for (int64_t i = 0; i < count; i++)
        if (!lp_rows_aligned16(a[i], k, elem)) return false;
    return true;
}

/* The group after its input was written by the unfused op: the thin down kernel for decode rows, else a GEMM each. */
static inline lp_status lp_row_down_unfused(lp_stream stream, lp_dtype dtype, int64_t rows, int64_t k, int64_t count,
                                            int64_t r, const void *src, const void *const *a, void *const *u) {
    if (count == 0 || r == 0) return LP_OK;
    if (lp_cuda_thin_down_applies(rows, r)) {
        lp_thin_group g = {};
        for (int64_t i = 0; i < count; i++) {
            g.a[i] = a[i];
            g.u[i] = u[i];
        }
        g.count = (int)count;
        return lp_cuda_thin_down_group(stream, dtype, rows, k, r, src, g);
    }
    for (int64_t i = 0; i < count; i++) /* u_i [rows×r] = src [rows×k] · A_i [r×k]ᵀ */
        LP_CHECK(lp_cuda_gemm(stream, 0, 1, rows, r, k, 1.0f, src, k, 0, a[i], k, 0, 0.0f, u[i], r, 0, 1, dtype, dtype));
    return LP_OK;
}

/* a_rows[jj] = row jj % r of A_{jj / r} for jj < count·r (the block's first step; ends with a barrier). */
template <class T>
static __device__ __forceinline__ void lp_row_down_rows(const lp_row_down_group &g, int64_t r, int64_t k,
                                                        const T **a_rows) {
    if (threadIdx.x < g.count * r)
        a_rows[threadIdx.x] = static_cast<const T *>(g.a[threadIdx.x / r]) + (int64_t)(threadIdx.x % r) * k;
    __syncthreads();
}

/* u_i[row] for the group, from src_row [k] (this thread's groups already stored by it); every thread of the block
 * (LP_THREADS) calls it; partial [LP_THREADS/32][J] shared scratch, free again on return. */
template <class T, int J>
static __device__ __forceinline__ void lp_row_lora_down(const T *src_row, int64_t k, int64_t row,
                                                        const lp_row_down_group &g, int64_t r, const T *const *a_rows,
                                                        float (*partial)[J]) {
    const int total = g.count * (int)r;
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    float acc[J];
#pragma unroll
    for (int jj = 0; jj < J; jj++) acc[jj] = 0.f;
#pragma unroll 2
    for (int64_t i = (int64_t)threadIdx.x * 8; i < k; i += (int64_t)LP_THREADS * 8) {
        float sv[8];
        lp_load8(src_row + i, sv);
#pragma unroll
        for (int jj = 0; jj < J; jj++) {
            if (jj < total) {
                float av[8];
                lp_load8(a_rows[jj] + i, av);
#pragma unroll
                for (int e = 0; e < 8; e++) acc[jj] = fmaf(sv[e], av[e], acc[jj]);
            }
        }
    }
#pragma unroll
    for (int jj = 0; jj < J; jj++) {
#pragma unroll
        for (int offset = 16; offset > 0; offset >>= 1) acc[jj] += __shfl_down_sync(0xffffffffu, acc[jj], offset);
    }
    if (lane == 0) {
#pragma unroll
        for (int jj = 0; jj < J; jj++) partial[warp][jj] = acc[jj];
    }
    __syncthreads();
    if (threadIdx.x < total) {
        float sum = 0.f;
#pragma unroll
        for (int v = 0; v < LP_THREADS / 32; v++) sum += partial[v][threadIdx.x];
        static_cast<T *>(g.u[threadIdx.x / r])[row * r + threadIdx.x % r] = lp_from_float<T>(sum);
    }
    __syncthreads(); /* partial is reused by the block's next row */
}

#endif /* LORAPAR_LORA_DOWN_ROWS_CUH */
