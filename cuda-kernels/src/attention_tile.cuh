/*
 * attention_tile.cuh — what the attention kernels share (attention_fwd.cuh, attention_bwd.cuh):
 *   - the tile configuration per head-dimension bound DMAX (32, 64, 128, 256),
 *   - the shared-memory sizes of each kernel (host and device use the same formulas),
 *   - a tile loader (global [tokens×heads×head_dim] rows → shared fp32, zero-filled past the sequence),
 *   - reductions over the threads of one row group.
 *
 * Thread layout of every attention kernel: 256 threads; the block OWNS `rows` rows (queries in the
 * forward and dQ kernels, keys in the dK/dV kernel), each row by a group of `tpr` consecutive lanes
 * (row r = threadIdx.x / tpr, lane = threadIdx.x % tpr). Lane l of a row:
 *   - accumulates output dims c = l + tpr·k (k < dpt) in registers (fp32),
 *   - computes the scores of the streamed tile's columns n = l + tpr·m (m < cols / tpr).
 * Shared tiles are fp32 with a row stride of head_dim + 1 (odd: no bank conflicts on column reads).
 * Nothing seq×seq is ever stored: the per-tile score block is [rows×cols] in shared memory.
 */
#ifndef LORAPAR_ATTENTION_TILE_CUH
#define LORAPAR_ATTENTION_TILE_CUH

#include <math.h>

#include "cuda_common.cuh"

#define LP_ATTN_THREADS 256
#define LP_ATTN_MAX_HEAD_DIM 256

template <int DMAX> struct lp_attn_cfg {
    static_assert(DMAX == 32 || DMAX == 64 || DMAX == 128 || DMAX == 256, "DMAX is 32, 64, 128 or 256");
    static constexpr int threads = LP_ATTN_THREADS;
    static constexpr int rows = DMAX <= 128 ? 64 : 32;  /* rows owned by a block */
    static constexpr int tpr = threads / rows;          /* threads per row: 4 or 8 */
    static constexpr int dpt = DMAX / tpr;              /* accumulator dims per thread: ≤ 32 */
    static constexpr int fwd_cols = 64;                 /* keys per streamed tile, forward */
    static constexpr int bwd_cols = 32;                 /* queries (dK/dV) or keys (dQ) per streamed tile */
};

/* Shared bytes of each kernel for head_dim d (ld = d + 1 floats per tile row; segment ids are i32):
 *   forward:  q [rows×ld], k-then-v [fwd_cols×ld], p [rows×(fwd_cols+1)], seg_q [rows], seg_k [fwd_cols]
 *   dK/dV:    k, v [rows×ld], q, dO [bwd_cols×ld], p, dS [rows×(bwd_cols+1)], lse, delta [bwd_cols],
 *             seg_k [rows], seg_q [bwd_cols]
 *   dQ:       q, dO [rows×ld], k, v [bwd_cols×ld], dS [rows×(bwd_cols+1)], seg_q [rows], seg_k [bwd_cols] */
template <int DMAX> __host__ __device__ inline size_t lp_attn_fwd_smem_bytes(int d) {
    typedef lp_attn_cfg<DMAX> C;
    const size_t ld = (size_t)d + 1;
    return sizeof(float) * ((C::rows + C::fwd_cols) * ld + (size_t)C::rows * (C::fwd_cols + 1)) +
           sizeof(int32_t) * (C::rows + C::fwd_cols);
}
template <int DMAX> __host__ __device__ inline size_t lp_attn_dkdv_smem_bytes(int d) {
    typedef lp_attn_cfg<DMAX> C;
    const size_t ld = (size_t)d + 1;
    return sizeof(float) * (2 * (C::rows + C::bwd_cols) * ld + 2 * (size_t)C::rows * (C::bwd_cols + 1) +
                            2 * C::bwd_cols) +
           sizeof(int32_t) * (C::rows + C::bwd_cols);
}
template <int DMAX> __host__ __device__ inline size_t lp_attn_dq_smem_bytes(int d) {
    typedef lp_attn_cfg<DMAX> C;
    const size_t ld = (size_t)d + 1;
    return sizeof(float) * (2 * (C::rows + C::bwd_cols) * ld + (size_t)C::rows * (C::bwd_cols + 1)) +
           sizeof(int32_t) * (C::rows + C::bwd_cols);
}

/* The dynamic shared memory of the calling kernel (carved by the kernel, sizes above). */
static __device__ __forceinline__ float *lp_attn_smem() {
    extern __shared__ float lp_attn_shared[];
    return lp_attn_shared;
}

/*
 * dst [rows×ld] fp32 ← `rows` rows of one head starting at src: row t at src + t·row_stride, d
 * contiguous elements each; rows ≥ valid_rows are written as zeros (never read past the sequence).
 * Whole block; the caller synchronizes before reading dst.
 */
template <class T>
static __device__ __forceinline__ void lp_attn_load_tile(float *dst, int ld, const T *src, int64_t row_stride,
                                                         int rows, int valid_rows, int d) {
    const int total = rows * d;
    for (int idx = threadIdx.x; idx < total; idx += LP_ATTN_THREADS) {
        const int t = idx / d, x = idx - t * d;
        dst[t * ld + x] = t < valid_rows ? lp_to_float(src[(int64_t)t * row_stride + x]) : 0.0f;
    }
}

/* dst [rows] ← segment ids of tokens first.. (0 for all when seg == NULL, -1 past valid_rows). Whole block. */
static __device__ __forceinline__ void lp_attn_load_segments(int32_t *dst, const int32_t *seg, int rows,
                                                             int valid_rows) {
    for (int t = threadIdx.x; t < rows; t += LP_ATTN_THREADS)
        dst[t] = t < valid_rows ? (seg != NULL ? seg[t] : 0) : -1;
}

/* Max / sum over the TPR consecutive lanes of a row group (butterfly: every lane gets the same bits). */
template <int TPR> static __device__ __forceinline__ float lp_attn_group_max(float v) {
#pragma unroll
    for (int offset = TPR / 2; offset > 0; offset >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, offset));
    return v;
}
template <int TPR> static __device__ __forceinline__ float lp_attn_group_sum(float v) {
#pragma unroll
    for (int offset = TPR / 2; offset > 0; offset >>= 1) v += __shfl_xor_sync(0xffffffffu, v, offset);
    return v;
}

#endif /* LORAPAR_ATTENTION_TILE_CUH */
