/*
 * rope.cu — lp_cuda_rope: rotary position embedding in place on x [tokens×heads×head_dim].
 * Angles, exactly:
 *   inv_freq[p] = pow(theta, (double)(-2·p) / (double)head_dim)     on the HOST (glibc pow), p < head_dim/2,
 *                 passed to the kernel as a parameter table (head_dim ≤ 2·LP_ROPE_MAX_PAIRS);
 *   angle       = (double)positions[t] · inv_freq[p]                 (one double multiply, on the device);
 *   c = (float)cos(angle), s = (float)sin(angle)                     (double cos / sin, then rounded to f32);
 *   s = −s when inverse;
 *   (a, b) → (a·c − b·s, a·s + b·c) in fp32, each product and sum rounded (__fmul_rn / __fadd_rn, no FMA).
 * One thread per (token, group of LP_ROPE_HEADS_PER_THREAD heads, pair) computes c, s and rotates that pair in its
 * heads: a decode step (64 tokens) still fills the GPU (one thread per (token, pair) gave 16 blocks and 16 µs for
 * 64 × 32 heads on an H200; every thread computes the same c, s from the same inputs, so results do not change).
 */
#include <math.h>

#include "layer_rows.cuh"

#define LP_ROPE_MAX_PAIRS 256 /* head_dim ≤ 512: the table is 2 KB of kernel parameters */
#define LP_ROPE_HEADS_PER_THREAD 4

struct lp_rope_table {
    double inv_freq[LP_ROPE_MAX_PAIRS]; /* [pairs] */
};

/* x [tokens×heads×head_dim] T in place, positions [tokens] i32; pair p is (2p, 2p+1) when adjacent, else
 * (p, p + head_dim/2). */
template <class T>
__global__ void lp_rope_kernel(const __grid_constant__ lp_rope_table table, T *x, const int32_t *positions,
                               int64_t tokens, int64_t heads, int64_t head_dim, bool adjacent, bool inverse) {
    const int64_t pairs = head_dim / 2;
    const int64_t groups = (heads + LP_ROPE_HEADS_PER_THREAD - 1) / LP_ROPE_HEADS_PER_THREAD;
    const int64_t items = tokens * groups * pairs; /* item = (t · groups + group) · pairs + p */
    for (int64_t item = lp_thread_index(); item < items; item += lp_grid_stride()) {
        const int64_t t = item / (groups * pairs);
        const int64_t rest = item - t * groups * pairs;
        const int64_t group = rest / pairs;
        const int64_t p = rest - group * pairs;
        const double angle = (double)positions[t] * table.inv_freq[p];
        double sin_d, cos_d;
        sincos(angle, &sin_d, &cos_d);
        const float c = (float)cos_d;
        const float s = inverse ? -(float)sin_d : (float)sin_d;
        const int64_t first = adjacent ? 2 * p : p;
        const int64_t second = adjacent ? 2 * p + 1 : p + pairs;
        const int64_t h0 = group * LP_ROPE_HEADS_PER_THREAD;
        const int64_t h1 = h0 + LP_ROPE_HEADS_PER_THREAD < heads ? h0 + LP_ROPE_HEADS_PER_THREAD : heads;
        T *row = x + (t * heads + h0) * head_dim;
        for (int64_t h = h0; h < h1; h++, row += head_dim) {
            const float a = lp_to_float(row[first]);
            const float b = lp_to_float(row[second]);
            row[first] = lp_from_float<T>(__fsub_rn(__fmul_rn(a, c), __fmul_rn(b, s)));
            row[second] = lp_from_float<T>(__fadd_rn(__fmul_rn(a, s), __fmul_rn(b, c)));
        }
    }
}

extern "C" lp_status lp_cuda_rope(lp_stream stream, lp_dtype dtype, int64_t tokens, int64_t heads, int64_t head_dim,
                                  const int32_t *positions, double theta, lp_rope_style style, int32_t inverse,
                                  void *x) {
    static const char op[] = "lp_rope";
    LP_CHECK(lp_cuda_use_device(stream->device));
    if (style != LP_ROPE_ADJACENT_PAIRS && style != LP_ROPE_ROTATE_HALF)
        return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: unknown style %d", op, (int)style);
    const int64_t pairs = head_dim / 2;
    if (pairs > LP_ROPE_MAX_PAIRS)
        return lp_fail(LP_ERR_UNSUPPORTED, "%s: head_dim = %lld exceeds %d, the CUDA backend's limit", op,
                       (long long)head_dim, 2 * LP_ROPE_MAX_PAIRS);
    if (tokens == 0 || heads == 0 || pairs == 0) return LP_OK;
    lp_rope_table table;
    memset(&table, 0, sizeof table);
    for (int64_t p = 0; p < pairs; p++) table.inv_freq[p] = pow(theta, (double)(-2 * p) / (double)head_dim);
    return lp_dispatch_float_dtype(op, dtype, [&](auto tag) -> lp_status {
        using T = decltype(tag);
        const int64_t groups = (heads + LP_ROPE_HEADS_PER_THREAD - 1) / LP_ROPE_HEADS_PER_THREAD;
        lp_rope_kernel<T><<<lp_cuda_grid(stream, tokens * groups * pairs), LP_THREADS, 0, lp_cuda_stream_of(stream)>>>(
            table, static_cast<T *>(x), positions, tokens, heads, head_dim, style == LP_ROPE_ADJACENT_PAIRS,
            inverse != 0);
        LP_CUDA_CHECK_LAUNCH("lp_rope_kernel");
        return LP_OK;
    });
}
