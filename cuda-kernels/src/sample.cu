/*
 * sample.cu — lp_cuda_sample (contract: lorapar.h): one block per row, no workspace (capturable).
 * The integer weights w_i of common/sample_math.h are computed once into shared memory when the row fits
 * beside the histograms (4 bytes a token: LLaMA-2's 32000 on sm_80 and sm_90), else recomputed from the
 * logits in every pass (the row is re-read from L2 / HBM; no global buffer exists). Passes over a row:
 *   1. max and argmax (ties → lowest id), NaN / +Inf detection; greedy rows end here;
 *   2. top-k threshold (top_k > 0): radix select of the top_k-th largest weight, 8 bits at a time from the
 *      top (4 passes; per-warp histograms of 256 bins with 32-bit shared atomics, one per run of a thread's
 *      ids in one bin — most weights fall into a few bins, and atomics on one address serialise — summed
 *      over the warps: integer, exact);
 *   3. top-p threshold (top_p < 1): the kept mass M (one pass), then the same radix select on mass:
 *      the largest t with Σ_{w ≥ t} w ≥ ⌈top_p·M⌉ (4 passes);
 *   4. the draw: each thread sums the kept weights of one contiguous slice of ids, a block exclusive scan
 *      orders the slices, and the thread whose slice holds u = ⌊r·K/2^64⌋ walks it to the id.
 * All mass arithmetic is in u64 integers, so the id equals the CPU backend's (cpu_sample.c) for F32 logits.
 * An invalid row (NaN / +Inf logit, all −Inf, NaN temperature, top_k < 0, top_p ∉ (0, 1]) gets id −1.
 */
#include <cub/block/block_reduce.cuh>
#include <cub/block/block_scan.cuh>
#include <limits.h>
#include <math.h>

#include "common/sample_math.h"
#include "cuda_common.cuh"

#define LP_SAMPLE_THREADS 512

/* A (value, index) candidate of the argmax: larger value wins, equal values → the lower index. */
struct lp_sample_best {
    float value;
    int index;
};

struct lp_sample_best_op {
    __device__ __forceinline__ lp_sample_best operator()(const lp_sample_best &a, const lp_sample_best &b) const {
        return (a.value > b.value || (a.value == b.value && a.index < b.index)) ? a : b;
    }
};

typedef cub::BlockReduce<lp_sample_best, LP_SAMPLE_THREADS> lp_best_reduce;
typedef cub::BlockReduce<unsigned long long, LP_SAMPLE_THREADS> lp_u64_reduce;
typedef cub::BlockScan<unsigned long long, LP_SAMPLE_THREADS> lp_u64_scan;

struct lp_sample_shared {
    union {
        typename lp_best_reduce::TempStorage best;
        typename lp_u64_reduce::TempStorage sum;
        typename lp_u64_scan::TempStorage scan;
    } cub;
    /* per-warp u32 histograms of one digit: counts in lo; the masses v of runs as Σ (v & 0xffff) in lo and
     * Σ (v >> 16) in hi (a warp sees at most 32·⌈vocab/512⌉ ≤ 2^16 ids when vocab ≤ 2^20, so at most 2^16
     * runs and a mass below 2^47: neither sum overflows); above 2^20 ids the masses go to one block-wide
     * u64 histogram instead (64-bit shared atomics: slower, exact) */
    unsigned int warp_lo[LP_SAMPLE_THREADS / 32][256], warp_hi[LP_SAMPLE_THREADS / 32][256];
    unsigned long long wide[256];
    unsigned long long hist[256]; /* the digit's histogram: sums over the warps */
    unsigned long long need;      /* radix select: what remains to reach inside the chosen bin */
    unsigned int bin;             /* radix select: the chosen bin */
    lp_sample_best best;
    int bad;
    unsigned long long total;
};

/* The weights of one row: from the shared cache (CACHED) or recomputed from the logits (sample_math.h, the
 * exact expression of the CPU backend). */
template <class T, bool CACHED> struct lp_sample_weights {
    const T *x;         /* logits [vocab] */
    const uint32_t *w;  /* shared cache [vocab] (CACHED) */
    float mx, inv_t;
    /* the stored value of id i: w_i (CACHED) or the logit's bits */
    __device__ __forceinline__ uint32_t fetch(int64_t i) const { return CACHED ? w[i] : __float_as_uint(lp_to_float(x[i])); }
    /* w_i from what fetch(i) returned */
    __device__ __forceinline__ uint32_t finish(uint32_t fetched) const {
        return CACHED ? fetched : lp_sample_weight(lp_sample_exponent(__uint_as_float(fetched), mx, inv_t));
    }
    __device__ __forceinline__ uint32_t operator()(int64_t i) const { return finish(fetch(i)); }
};

/* Adds a run's count or mass v to bin (256: no run yet) of the warp's histograms (or the wide one). */
template <bool MASS>
static __device__ __forceinline__ void lp_sample_hist_add(lp_sample_shared &sh, unsigned int *own_lo,
                                                          unsigned int *own_hi, bool narrow, unsigned int bin,
                                                          unsigned long long v) {
    if (bin > 255u) return;
    if (!MASS) {
        atomicAdd(&own_lo[bin], (unsigned int)v);
    } else if (narrow) { /* the warp's Σ v >> 16 ≤ 2^31 and Σ (v & 0xffff) < 2^32 (module comment) */
        atomicAdd(&own_lo[bin], (unsigned int)(v & 0xffffu));
        atomicAdd(&own_hi[bin], (unsigned int)(v >> 16));
    } else {
        atomicAdd(&sh.wide[bin], v);
    }
}

/* f(i, w_i) for this thread's ids i ≡ threadIdx.x (mod blockDim.x), ascending; LP_SAMPLE_BATCH weights are
 * fetched before any is used (independent loads in flight: one block per row has few warps to hide latency). */
#define LP_SAMPLE_BATCH 8
template <class W, class F>
static __device__ __forceinline__ void lp_sample_each(const W &weight, int64_t vocab, F &&f) {
    for (int64_t base = threadIdx.x; base < vocab; base += LP_SAMPLE_BATCH * (int64_t)blockDim.x) {
        uint32_t raw[LP_SAMPLE_BATCH];
#pragma unroll
        for (int u = 0; u < LP_SAMPLE_BATCH; u++) { /* the loads first, all of them */
            const int64_t i = base + u * (int64_t)blockDim.x;
            raw[u] = i < vocab ? weight.fetch(i) : 0u;
        }
#pragma unroll
        for (int u = 0; u < LP_SAMPLE_BATCH; u++) {
            const int64_t i = base + u * (int64_t)blockDim.x;
            if (i < vocab) f(i, weight.finish(raw[u]));
        }
    }
}

/*
 * The largest t with Σ_{w_i ≥ t} c_i ≥ need, c_i = 1 (MASS false: t is the need-th largest weight) or w_i
 * (MASS true). need ≥ 1 and at most the total. Radix select, digits of 8 bits from the top.
 */
template <bool MASS, class W>
static __device__ uint32_t lp_sample_select(const W &weight, int64_t vocab, unsigned long long need,
                                            lp_sample_shared &sh) {
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const bool narrow = vocab <= (1 << 20);
    uint32_t prefix = 0, mask = 0;
    unsigned int *own_lo = sh.warp_lo[warp], *own_hi = sh.warp_hi[warp];
    for (int shift = 24; shift >= 0; shift -= 8) {
        for (int b = lane; b < 256; b += 32) own_lo[b] = own_hi[b] = 0;
        for (int b = threadIdx.x; b < 256; b += blockDim.x) sh.wide[b] = 0;
        __syncthreads();
        /* a thread adds a run of its ids that share a bin once (most weights share a few bins, and a warp's
         * lanes adding to one address serialise) */
        unsigned int run_bin = 256u;
        unsigned long long run = 0;
        lp_sample_each(weight, vocab, [&](int64_t, uint32_t w) {
            if ((w & mask) != prefix) return;
            const unsigned int bin = (w >> shift) & 255u;
            if (bin != run_bin) {
                lp_sample_hist_add<MASS>(sh, own_lo, own_hi, narrow, run_bin, run);
                run_bin = bin;
                run = 0;
            }
            run += MASS ? (unsigned long long)w : 1ull;
        });
        lp_sample_hist_add<MASS>(sh, own_lo, own_hi, narrow, run_bin, run);
        __syncthreads();
        for (int b = threadIdx.x; b < 256; b += blockDim.x) {
            unsigned long long sum = sh.wide[b];
            for (int wp = 0; wp < LP_SAMPLE_THREADS / 32; wp++)
                sum += (unsigned long long)sh.warp_lo[wp][b] + ((unsigned long long)sh.warp_hi[wp][b] << 16);
            sh.hist[b] = sum;
        }
        __syncthreads();
        if (warp == 0) {
            /* lane L holds bins 255−8L .. 248−8L, in descending order */
            unsigned long long part[8], own = 0;
#pragma unroll
            for (int j = 0; j < 8; j++) {
                part[j] = sh.hist[255 - (lane * 8 + j)];
                own += part[j];
            }
            unsigned long long incl = own; /* Σ over lanes ≤ this lane (bins ≥ this lane's lowest) */
#pragma unroll
            for (int off = 1; off < 32; off <<= 1) {
                const unsigned long long up = __shfl_up_sync(0xffffffffu, incl, off);
                if (lane >= off) incl += up;
            }
            const unsigned long long above = incl - own;
            if (above < need && need <= incl) { /* exactly one lane */
                unsigned long long cum = above;
                for (int j = 0; j < 8; j++) {
                    if (cum + part[j] >= need) {
                        sh.bin = 255u - (unsigned int)(lane * 8 + j);
                        sh.need = need - cum;
                        break;
                    }
                    cum += part[j];
                }
            }
        }
        __syncthreads();
        need = sh.need;
        prefix |= sh.bin << shift;
        mask |= 255u << shift;
        __syncthreads(); /* sh.bin / sh.need / hist are rewritten by the next digit */
    }
    return prefix;
}

/* Σ_{w_i ≥ t} w_i over the row (valid in every thread). */
template <class W>
static __device__ unsigned long long lp_sample_mass(const W &weight, int64_t vocab, uint32_t t, lp_sample_shared &sh) {
    unsigned long long own = 0;
    lp_sample_each(weight, vocab, [&](int64_t, uint32_t w) {
        if (w >= t) own += w;
    });
    const unsigned long long total = lp_u64_reduce(sh.cub.sum).Sum(own);
    if (threadIdx.x == 0) sh.total = total;
    __syncthreads();
    const unsigned long long result = sh.total;
    __syncthreads();
    return result;
}

template <class T, bool CACHED>
__global__ void __launch_bounds__(LP_SAMPLE_THREADS)
    lp_sample_kernel(const T *__restrict__ logits, int64_t vocab, const float *__restrict__ temperature,
                     const int32_t *__restrict__ top_k, const float *__restrict__ top_p,
                     const uint64_t *__restrict__ seed, const int64_t *__restrict__ step, int32_t *__restrict__ out_ids) {
    __shared__ lp_sample_shared sh;
    extern __shared__ uint32_t w_cache[]; /* [vocab] when CACHED */
    lp_pdl_wait(); /* launched by lp_launch_pdl */
    const int64_t row = blockIdx.x;
    const T *x = logits + row * vocab; /* [vocab] */

    lp_sample_best best = {-INFINITY, INT_MAX};
    int bad = 0;
    for (int64_t base = threadIdx.x; base < vocab; base += LP_SAMPLE_BATCH * (int64_t)blockDim.x) {
        float v[LP_SAMPLE_BATCH];
#pragma unroll
        for (int u = 0; u < LP_SAMPLE_BATCH; u++) {
            const int64_t i = base + u * (int64_t)blockDim.x;
            v[u] = i < vocab ? lp_to_float(x[i]) : -INFINITY;
        }
#pragma unroll
        for (int u = 0; u < LP_SAMPLE_BATCH; u++) { /* ascending i per thread: keeps the lowest id of a tie */
            const int64_t i = base + u * (int64_t)blockDim.x;
            if (CACHED && i < vocab) w_cache[i] = __float_as_uint(v[u]); /* the logit, until it becomes w_i */
            if (isnan(v[u]) || v[u] == INFINITY) bad = 1;
            else if (v[u] > best.value) best = {v[u], (int)i};
        }
    }
    const lp_sample_best top = lp_best_reduce(sh.cub.best).Reduce(best, lp_sample_best_op());
    const int any_bad = __syncthreads_or(bad);
    if (threadIdx.x == 0) sh.best = top;
    __syncthreads();
    const float mx = sh.best.value, temp = temperature[row], p = top_p[row];
    const int k = top_k[row];
    if (any_bad || mx == -INFINITY || isnan(temp) || k < 0 || !(p > 0.0f && p <= 1.0f)) {
        if (threadIdx.x == 0) out_ids[row] = -1;
        return;
    }
    if (temp <= 0.0f) {
        if (threadIdx.x == 0) out_ids[row] = sh.best.index;
        return;
    }
    lp_sample_weights<T, CACHED> weight = {x, w_cache, mx, lp_sample_inverse_temperature(temp)};
    if (CACHED) /* each thread rewrites the logits it stored itself: no barrier needed before */
        for (int64_t i = threadIdx.x; i < vocab; i += blockDim.x)
            w_cache[i] = lp_sample_weight(lp_sample_exponent(__uint_as_float(w_cache[i]), mx, weight.inv_t));
    __syncthreads(); /* the cache is written; sh.cub is reused */
    uint32_t t = 0;
    if (k > 0 && k < vocab) t = lp_sample_select<false>(weight, vocab, (unsigned long long)k, sh);
    if (p < 1.0f) {
        const unsigned long long mass = lp_sample_mass(weight, vocab, t, sh);
        t = lp_sample_select<true>(weight, vocab, lp_sample_top_p_target(p, mass), sh);
    }

    /* the draw: thread slices of contiguous ids, ordered by a block exclusive scan of their kept mass */
    const int64_t per = (vocab + blockDim.x - 1) / blockDim.x;
    const int64_t lo = threadIdx.x * per, hi = lo + per < vocab ? lo + per : vocab;
    unsigned long long own = 0;
#pragma unroll 4
    for (int64_t i = lo; i < hi; i++) {
        const uint32_t w = weight(i);
        if (w >= t) own += w;
    }
    unsigned long long before = 0, kept = 0;
    lp_u64_scan(sh.cub.scan).ExclusiveSum(own, before, kept);
    const unsigned long long u = lp_mulhi_u64(lp_sample_random(seed[row], step[row]), kept); /* u ∈ [0, K) */
    if (before <= u && u < before + own) {
        unsigned long long running = before;
        for (int64_t i = lo; i < hi; i++) {
            const uint32_t w = weight(i);
            if (w < t) continue;
            running += w;
            if (running > u) {
                out_ids[row] = (int32_t)i;
                break;
            }
        }
    }
}

/* Launches the kernel for dtype T, with the row's weights cached in shared memory when they fit. */
template <class T>
static lp_status lp_sample_launch(lp_stream stream, int64_t batch, int64_t vocab, const void *logits,
                                  const float *temperature, const int32_t *top_k, const float *top_p,
                                  const uint64_t *seed, const int64_t *step, int32_t *out_ids) {
    const T *x = static_cast<const T *>(logits);
    int optin = 0;
    LP_CUDA_CHECK(cudaDeviceGetAttribute(&optin, cudaDevAttrMaxSharedMemoryPerBlockOptin, stream->device));
    cudaFuncAttributes cached_kernel;
    LP_CUDA_CHECK(cudaFuncGetAttributes(&cached_kernel, lp_sample_kernel<T, true>));
    const size_t cache_bytes = (size_t)vocab * sizeof(uint32_t); /* [vocab] u32 */
    if (cache_bytes + cached_kernel.sharedSizeBytes <= (size_t)optin) {
        LP_CUDA_CHECK(cudaFuncSetAttribute(lp_sample_kernel<T, true>, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                           (int)cache_bytes));
        LP_CUDA_CHECK_PDL("lp_sample_kernel",
                          lp_launch_pdl(stream, lp_sample_kernel<T, true>, dim3((unsigned int)batch), LP_SAMPLE_THREADS,
                                        cache_bytes, x, vocab, temperature, top_k, top_p, seed, step, out_ids));
    } else {
        LP_CUDA_CHECK_PDL("lp_sample_kernel",
                          lp_launch_pdl(stream, lp_sample_kernel<T, false>, dim3((unsigned int)batch),
                                        LP_SAMPLE_THREADS, 0, x, vocab, temperature, top_k, top_p, seed, step,
                                        out_ids));
    }
    return LP_OK;
}

extern "C" lp_status lp_cuda_sample(lp_stream stream, lp_dtype dtype, int64_t batch, int64_t vocab,
                                    const void *logits, const float *temperature, const int32_t *top_k,
                                    const float *top_p, const uint64_t *seed, const int64_t *step, int32_t *out_ids) {
    LP_CHECK(lp_cuda_use_device(stream->device));
    if (batch > INT32_MAX)
        return lp_fail(LP_ERR_UNSUPPORTED, "lp_sample: batch %lld exceeds the CUDA grid (2^31 - 1 rows)",
                       (long long)batch);
    if (dtype == LP_F32)
        return lp_sample_launch<float>(stream, batch, vocab, logits, temperature, top_k, top_p, seed, step, out_ids);
    return lp_sample_launch<lp_bf16>(stream, batch, vocab, logits, temperature, top_k, top_p, seed, step, out_ids);
}
