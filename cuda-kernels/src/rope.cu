/*
 * rope.cu — lp_cuda_rope: rotary position embedding in place on x [tokens×heads×head_dim]; and
 * lp_cuda_rope_kv_cache_write: a decode step's rotations of q and k with the cache write of k and v in one kernel.
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

/* c = cos(angle), s = sin(angle) (−sin when inverse) of angle = position · inv_freq, as described above. */
static __device__ __forceinline__ void lp_rope_cos_sin(int32_t position, double inv_freq, bool inverse, float *c,
                                                       float *s) {
    const double angle = (double)position * inv_freq;
    double sin_d, cos_d;
    sincos(angle, &sin_d, &cos_d);
    *c = (float)cos_d;
    *s = inverse ? -(float)sin_d : (float)sin_d;
}

/* (row[first], row[second]) = (a, b) → (a·c − b·s, a·s + b·c) in fp32, each product and sum rounded. */
template <class T>
static __device__ __forceinline__ void lp_rope_rotate(T *row, int64_t first, int64_t second, float c, float s) {
    const float a = lp_to_float(row[first]);
    const float b = lp_to_float(row[second]);
    row[first] = lp_from_float<T>(__fsub_rn(__fmul_rn(a, c), __fmul_rn(b, s)));
    row[second] = lp_from_float<T>(__fadd_rn(__fmul_rn(a, s), __fmul_rn(b, c)));
}

/* Work item (t · groups + group) · pairs + p: token t, head group, the element pair (first, second) of pair p —
 * (2p, 2p+1) when adjacent, else (p, p + head_dim/2) — and its c, s at positions[t]. */
struct lp_rope_item {
    int64_t t, group, first, second;
    float c, s;
};

static __device__ __forceinline__ lp_rope_item lp_rope_item_of(int64_t item, int64_t groups, int64_t pairs,
                                                               const lp_rope_table &table, const int32_t *positions,
                                                               bool adjacent, bool inverse) {
    lp_rope_item it;
    it.t = item / (groups * pairs);
    const int64_t rest = item - it.t * groups * pairs;
    it.group = rest / pairs;
    const int64_t p = rest - it.group * pairs;
    lp_rope_cos_sin(positions[it.t], table.inv_freq[p], inverse, &it.c, &it.s);
    it.first = adjacent ? 2 * p : p;
    it.second = adjacent ? 2 * p + 1 : p + pairs;
    return it;
}

/* x [tokens×heads×head_dim] T in place, positions [tokens] i32. */
template <class T>
__global__ void lp_rope_kernel(const __grid_constant__ lp_rope_table table, T *x, const int32_t *positions,
                               int64_t tokens, int64_t heads, int64_t head_dim, bool adjacent, bool inverse) {
    lp_pdl_wait(); /* launched by lp_launch_pdl */
    const int64_t pairs = head_dim / 2;
    const int64_t groups = (heads + LP_ROPE_HEADS_PER_THREAD - 1) / LP_ROPE_HEADS_PER_THREAD;
    const int64_t items = tokens * groups * pairs; /* item = (t · groups + group) · pairs + p */
    for (int64_t item = lp_thread_index(); item < items; item += lp_grid_stride()) {
        const lp_rope_item it = lp_rope_item_of(item, groups, pairs, table, positions, adjacent, inverse);
        const int64_t h0 = it.group * LP_ROPE_HEADS_PER_THREAD;
        const int64_t h1 = h0 + LP_ROPE_HEADS_PER_THREAD < heads ? h0 + LP_ROPE_HEADS_PER_THREAD : heads;
        T *row = x + (it.t * heads + h0) * head_dim;
        for (int64_t h = h0; h < h1; h++, row += head_dim) lp_rope_rotate(row, it.first, it.second, it.c, it.s);
    }
}

/*
 * lp_rope (forward) on q [tokens×n_heads×head_dim] and k [tokens×n_kv_heads×head_dim] in place, and the rotated k
 * with v (the same elements) copied into cache slot slot[t] (skipped when outside [0, cache_slots)): one thread per
 * (token, group of LP_ROPE_HEADS_PER_THREAD heads of q, then of k, pair), the arithmetic of lp_rope_kernel.
 */
template <class T>
__global__ void lp_rope_kv_write_kernel(const __grid_constant__ lp_rope_table table, T *q, T *k, const T *v,
                                        const int32_t *positions, const int32_t *slot, T *k_cache, T *v_cache,
                                        int64_t tokens, int64_t n_heads, int64_t n_kv_heads, int64_t head_dim,
                                        int64_t cache_slots, bool adjacent) {
    lp_pdl_wait(); /* launched by lp_launch_pdl */
    const int64_t pairs = head_dim / 2;
    const int64_t q_groups = (n_heads + LP_ROPE_HEADS_PER_THREAD - 1) / LP_ROPE_HEADS_PER_THREAD;
    const int64_t k_groups = (n_kv_heads + LP_ROPE_HEADS_PER_THREAD - 1) / LP_ROPE_HEADS_PER_THREAD;
    const int64_t groups = q_groups + k_groups;
    const int64_t items = tokens * groups * pairs; /* item = (t · groups + group) · pairs + p */
    for (int64_t item = lp_thread_index(); item < items; item += lp_grid_stride()) {
        const lp_rope_item it = lp_rope_item_of(item, groups, pairs, table, positions, adjacent, false);
        const int64_t t = it.t, first = it.first, second = it.second;
        const float c = it.c, s = it.s;
        if (it.group < q_groups) {
            const int64_t h0 = it.group * LP_ROPE_HEADS_PER_THREAD;
            const int64_t h1 = h0 + LP_ROPE_HEADS_PER_THREAD < n_heads ? h0 + LP_ROPE_HEADS_PER_THREAD : n_heads;
            T *row = q + (t * n_heads + h0) * head_dim;
            for (int64_t h = h0; h < h1; h++, row += head_dim) lp_rope_rotate(row, first, second, c, s);
            continue;
        }
        const int64_t h0 = (it.group - q_groups) * LP_ROPE_HEADS_PER_THREAD;
        const int64_t h1 = h0 + LP_ROPE_HEADS_PER_THREAD < n_kv_heads ? h0 + LP_ROPE_HEADS_PER_THREAD : n_kv_heads;
        const int64_t sl = slot[t];
        const bool cached = sl >= 0 && sl < cache_slots;
        for (int64_t h = h0; h < h1; h++) {
            const int64_t at = (t * n_kv_heads + h) * head_dim, cache_at = (sl * n_kv_heads + h) * head_dim;
            lp_rope_rotate(k + at, first, second, c, s);
            if (cached) {
                k_cache[cache_at + first] = k[at + first];
                k_cache[cache_at + second] = k[at + second];
                v_cache[cache_at + first] = v[at + first];
                v_cache[cache_at + second] = v[at + second];
            }
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
        LP_CUDA_CHECK_PDL("lp_rope_kernel",
                          lp_launch_pdl(stream, lp_rope_kernel<T>, lp_cuda_grid(stream, tokens * groups * pairs),
                                        LP_THREADS, 0, table, static_cast<T *>(x), positions, tokens, heads, head_dim,
                                        style == LP_ROPE_ADJACENT_PAIRS, inverse != 0));
        return LP_OK;
    });
}

extern "C" lp_status lp_cuda_rope_kv_cache_write(lp_stream stream, lp_dtype dtype, int64_t rows, int64_t n_heads,
                                                 int64_t n_kv_heads, int64_t head_dim, const int32_t *positions,
                                                 double theta, lp_rope_style style, void *q, void *k, const void *v,
                                                 const int32_t *slot, void *k_cache, void *v_cache,
                                                 int64_t cache_slots) {
    static const char op[] = "lp_rope_kv_cache_write";
    LP_CHECK(lp_cuda_use_device(stream->device));
    const int64_t pairs = head_dim / 2;
    if (pairs > LP_ROPE_MAX_PAIRS)
        return lp_fail(LP_ERR_UNSUPPORTED, "%s: head_dim = %lld exceeds %d, the CUDA backend's limit", op,
                       (long long)head_dim, 2 * LP_ROPE_MAX_PAIRS);
    if (rows == 0) return LP_OK;
    lp_rope_table table;
    memset(&table, 0, sizeof table);
    for (int64_t p = 0; p < pairs; p++) table.inv_freq[p] = pow(theta, (double)(-2 * p) / (double)head_dim);
    return lp_dispatch_float_dtype(op, dtype, [&](auto tag) -> lp_status {
        using T = decltype(tag);
        const int64_t groups = (n_heads + LP_ROPE_HEADS_PER_THREAD - 1) / LP_ROPE_HEADS_PER_THREAD +
                               (n_kv_heads + LP_ROPE_HEADS_PER_THREAD - 1) / LP_ROPE_HEADS_PER_THREAD;
        LP_CUDA_CHECK_PDL("lp_rope_kv_write_kernel",
                          lp_launch_pdl(stream, lp_rope_kv_write_kernel<T>, lp_cuda_grid(stream, rows * groups * pairs),
                                        LP_THREADS, 0, table, static_cast<T *>(q), static_cast<T *>(k),
                                        static_cast<const T *>(v), positions, slot, static_cast<T *>(k_cache),
                                        static_cast<T *>(v_cache), rows, n_heads, n_kv_heads, head_dim, cache_slots,
                                        style == LP_ROPE_ADJACENT_PAIRS));
        return LP_OK;
    });
}
