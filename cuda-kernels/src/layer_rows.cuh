/*
 * layer_rows.cuh — what the LLaMA layer kernels (embedding, RMSNorm, RoPE, SwiGLU, cross-entropy) share:
 *   - dtype dispatch of one templated launcher over F32 / BF16 (anything else: LP_ERR_UNSUPPORTED),
 *   - row walks: the threads of a block visit one row [n] in groups of 8 elements (16-byte loads and
 *     stores when the host said every row is 16-byte aligned) with the last n % 8 elements one by one,
 *   - a grid size for "one block per row" kernels (blocks loop over rows; the result never depends on
 *     the grid because rows are independent).
 */
#ifndef LORAPAR_LAYER_ROWS_CUH
#define LORAPAR_LAYER_ROWS_CUH

#include "cuda_common.cuh"

/* Calls launch(T{}) with T = float or lp_bf16 for dtype (a generic lambda takes `auto tag` and uses
 * decltype(tag) as the element type); `op` names the public function in the error message. */
template <class L> static lp_status lp_dispatch_float_dtype(const char *op, lp_dtype dtype, L &&launch) {
    if (dtype == LP_F32) return launch(float{});
    if (dtype == LP_BF16) return launch(lp_bf16{});
    return lp_fail(LP_ERR_UNSUPPORTED, "%s: dtype %s is not supported on CUDA (F32 or BF16)", op,
                   lp_dtype_name(dtype));
}

/* True when p is 16-byte aligned (NULL counts as aligned). Host side. */
static inline bool lp_host_aligned16(const void *p) { return ((uintptr_t)p & 15u) == 0; }

/* True when a row of n elements of elem_size bytes starting at p keeps 16-byte alignment from row to row
 * (p aligned and the row length a multiple of 16 bytes). NULL counts as aligned. Host side. */
static inline bool lp_rows_aligned16(const void *p, int64_t n, size_t elem_size) {
    return ((uintptr_t)p & 15u) == 0 && ((uint64_t)n * elem_size) % 16u == 0;
}

/* Blocks for a kernel that loops `for (row = blockIdx.x; row < rows; row += gridDim.x)`; rows > 0. */
static inline unsigned int lp_row_grid(int64_t rows) {
    const int64_t cap = (int64_t)1 << 20;
    return (unsigned int)(rows < cap ? rows : cap);
}

/* The threads of a block (blockDim.x of them) split a row [n]: f(first, count) with count 8 for whole
 * groups when vec (first a multiple of 8), count 1 for every element otherwise and for the tail. */
template <class F> static __device__ __forceinline__ void lp_row_groups(int64_t n, bool vec, F &&f) {
    int64_t tail_start = 0;
    if (vec) {
        const int64_t groups = n / 8;
        for (int64_t g = threadIdx.x; g < groups; g += blockDim.x) f(g * 8, 8);
        tail_start = groups * 8;
    }
    for (int64_t j = tail_start + threadIdx.x; j < n; j += blockDim.x) f(j, 1);
}

/* out[0..count) = p[0..count) as float; count is 8 (p 16-byte aligned) or 1. */
template <class T> static __device__ __forceinline__ void lp_load_n(const T *p, int count, float out[8]) {
    if (count == 8) {
        lp_load8(p, out);
    } else {
        out[0] = lp_to_float(p[0]);
    }
}

/* p[0..count) = in[0..count) converted to T; count is 8 (p 16-byte aligned) or 1. */
template <class T> static __device__ __forceinline__ void lp_store_n(T *p, int count, const float in[8]) {
    if (count == 8) {
        lp_store8(p, in);
    } else {
        p[0] = lp_from_float<T>(in[0]);
    }
}

/* Broadcasts thread 0's value to the whole block (every thread must call it). */
template <class V> static __device__ __forceinline__ V lp_block_broadcast(V v) {
    __shared__ V slot;
    if (threadIdx.x == 0) slot = v;
    __syncthreads();
    const V out = slot;
    __syncthreads(); /* slot may be reused by a second call */
    return out;
}

#endif /* LORAPAR_LAYER_ROWS_CUH */
