/*
 * cross_entropy.cu — lp_cuda_cross_entropy: softmax cross-entropy over logits [tokens×vocab], one block of
 * LP_THREADS per row, the gradient written in place.
 * Per row t with target y (0 ≤ y < vocab) and weight w (weights[t], or 1):
 *   pass 1: each thread keeps an online (max m, Σ e^{x − m}) over its share of the row in fp32; the block
 *           merges the pairs in a fixed order (warp shuffles, then warp 0): the row's (m, s);
 *           lse = m + logf(s);  losses[t] = w · (lse − x_y)  (x_y read before any thread writes the row);
 *   pass 2 (grad_scale != 0): d x_j = (grad_scale · w) · (expf(x_j − lse) − [j == y]), stored as dtype
 *           (the CPU backend's form, cpu_cross_entropy.c; there the max and Σ e^{x − max} are two passes,
 *           the sum in double, so lse may differ from it in the last bits).
 * y < 0 (ignored): loss 0 and, when grad_scale != 0, a zero row. y ≥ vocab (the header's CUDA contract):
 * the same, but the loss is NaN.
 */
#include <math.h>

#include "layer_rows.cuh"

/* (m, s): the running max of the elements seen and Σ e^{x − m} over them; (−∞, 0) for none. */
struct lp_lse_acc {
    float m, s;
};

static __device__ __forceinline__ void lp_lse_add(lp_lse_acc &a, float x) {
    if (x == -INFINITY) return; /* e^{−∞} = 0 */
    if (x > a.m) {
        a.s = (a.m == -INFINITY ? 0.0f : a.s * expf(a.m - x)) + 1.0f;
        a.m = x;
    } else if (x == a.m) {
        a.s += 1.0f;
    } else {
        a.s += expf(x - a.m); /* NaN x lands here and makes s NaN */
    }
}

static __device__ __forceinline__ float lp_lse_rescale(const lp_lse_acc &a, float m) {
    return a.m == m ? a.s : a.s * expf(a.m - m);
}

static __device__ __forceinline__ lp_lse_acc lp_lse_merge(const lp_lse_acc &a, const lp_lse_acc &b) {
    const float m = fmaxf(a.m, b.m);
    if (m == -INFINITY) return lp_lse_acc{m, 0.0f};
    return lp_lse_acc{m, lp_lse_rescale(a, m) + lp_lse_rescale(b, m)};
}

/* Merge over a block of LP_THREADS threads in a fixed order; every thread gets the block's (m, s). */
static __device__ __forceinline__ lp_lse_acc lp_block_lse(lp_lse_acc a) {
    __shared__ lp_lse_acc warp_acc[LP_THREADS / 32];
    __shared__ lp_lse_acc block_acc;
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
#pragma unroll
    for (int offset = 16; offset > 0; offset >>= 1) {
        const lp_lse_acc other{__shfl_down_sync(0xffffffffu, a.m, offset), __shfl_down_sync(0xffffffffu, a.s, offset)};
        a = lp_lse_merge(a, other);
    }
    if (lane == 0) warp_acc[warp] = a;
    __syncthreads();
    if (warp == 0) {
        a = lane < LP_THREADS / 32 ? warp_acc[lane] : lp_lse_acc{-INFINITY, 0.0f};
#pragma unroll
        for (int offset = 16; offset > 0; offset >>= 1) {
            const lp_lse_acc other{__shfl_down_sync(0xffffffffu, a.m, offset),
                                   __shfl_down_sync(0xffffffffu, a.s, offset)};
            a = lp_lse_merge(a, other);
        }
        if (lane == 0) block_acc = a;
    }
    __syncthreads();
    const lp_lse_acc out = block_acc;
    __syncthreads(); /* warp_acc / block_acc may be reused by the next row */
    return out;
}

/* logits [tokens×vocab] T (in place when grad_scale != 0), targets [tokens] i32, weights [tokens] f32 or
 * NULL, losses [tokens] f32; vec: every row of logits is 16-byte aligned. */
template <class T>
__global__ void lp_cross_entropy_kernel(T *logits, const int32_t *targets, const float *weights, float grad_scale,
                                        float *losses, int64_t tokens, int64_t vocab, bool vec) {
    for (int64_t row = blockIdx.x; row < tokens; row += gridDim.x) {
        T *lr = logits + row * vocab;
        const int32_t target = targets[row];
        const float w = weights != NULL ? weights[row] : 1.0f;
        if (target < 0 || (int64_t)target >= vocab) {
            if (threadIdx.x == 0) losses[row] = target < 0 ? 0.0f : NAN;
            if (grad_scale != 0.0f) {
                lp_row_groups(vocab, vec, [&](int64_t first, int count) {
                    float z[8];
                    for (int e = 0; e < 8; e++) z[e] = 0.0f;
                    lp_store_n(lr + first, count, z);
                });
            }
            continue;
        }
        /* read by thread 0 before the merge's barriers, so before any thread writes the row */
        const float x_target = threadIdx.x == 0 ? lp_to_float(lr[target]) : 0.0f;
        lp_lse_acc acc{-INFINITY, 0.0f};
        lp_row_groups(vocab, vec, [&](int64_t first, int count) {
            float v[8];
            lp_load_n(lr + first, count, v);
            for (int e = 0; e < count; e++) lp_lse_add(acc, v[e]);
        });
        const lp_lse_acc total = lp_block_lse(acc);
        const float lse = total.m + logf(total.s);
        if (threadIdx.x == 0) losses[row] = w * (lse - x_target);
        if (grad_scale == 0.0f) continue;
        const float coef = grad_scale * w;
        lp_row_groups(vocab, vec, [&](int64_t first, int count) {
            float v[8];
            lp_load_n(lr + first, count, v);
            for (int e = 0; e < count; e++) {
                const float p = expf(__fsub_rn(v[e], lse));
                v[e] = __fmul_rn(coef, first + e == target ? __fsub_rn(p, 1.0f) : p);
            }
            lp_store_n(lr + first, count, v);
        });
    }
}

extern "C" lp_status lp_cuda_cross_entropy(lp_stream stream, lp_dtype dtype, int64_t tokens, int64_t vocab,
                                           void *logits, const int32_t *targets, const float *weights,
                                           float grad_scale, float *losses) {
    LP_CHECK(lp_cuda_use_device(stream->device));
    if (tokens == 0) return LP_OK;
    return lp_dispatch_float_dtype("lp_cross_entropy", dtype, [&](auto tag) -> lp_status {
        using T = decltype(tag);
        const bool vec = lp_rows_aligned16(logits, vocab, sizeof(T));
        lp_cross_entropy_kernel<T><<<lp_row_grid(tokens), LP_THREADS, 0, lp_cuda_stream_of(stream)>>>(
            static_cast<T *>(logits), targets, weights, grad_scale, losses, tokens, vocab, vec);
        LP_CUDA_CHECK_LAUNCH("lp_cross_entropy_kernel");
        return LP_OK;
    });
}
