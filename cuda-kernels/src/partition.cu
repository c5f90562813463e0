/*
 * partition.cu — selection ops: lp_cuda_select_top_mass, lp_cuda_select_top_k, lp_cuda_partition_masks.
 * All of them synchronize the stream (their counts come back to the host).
 *
 * Order "value descending, index ascending among equal values" = a stable descending radix sort
 * (cub::DeviceRadixSort, stable) of order-preserving uint32 keys with the indices as values, the
 * indices starting in ascending order. Top-mass then quantises the sorted values exactly as
 * native/src/common/top_mass.h (shared with the CPU backend), takes an exact uint64 inclusive scan
 * (cub::DeviceScan), and selects the shortest prefix whose sum reaches T. Temporaries come from the
 * stream's scratch arena, reserved once per op. n is limited to 2^31 − 1 (CUB item counts).
 */
#include <cub/device/device_radix_sort.cuh>
#include <cub/device/device_scan.cuh>
#include <limits.h>
#include <math.h>
#include <stdio.h>

#include "common/top_mass.h"
#include "cuda_common.cuh"

enum { LP_BAD_NAN = 1, LP_BAD_INF = 2, LP_BAD_NEGATIVE = 4 };

/* Device-side results of the scan kernels, read back by the host. */
struct lp_select_stats {
    unsigned int max_bits;          /* largest |value| as float bits (order-preserving for |v|) */
    unsigned int bad_kinds;         /* LP_BAD_* seen */
    unsigned long long first_bad;   /* smallest index of a bad value; ULLONG_MAX when none */
    unsigned long long candidates;  /* number of candidates (top-k) */
    unsigned long long regions[4];  /* partition: count of each region 0..3 */
    unsigned long long selected;    /* top-mass: length of the selected prefix */
};

/* Is element i a candidate? cand NULL → all; match 0 → cand[i] != 0; else cand[i] == match. */
static __device__ __forceinline__ bool lp_is_candidate(const uint8_t *cand, uint8_t match, int64_t i) {
    if (cand == NULL) return true;
    return match == 0 ? cand[i] != 0 : cand[i] == match;
}

/* Order-preserving key of a finite float: larger value ↔ larger key; -0.0 and +0.0 share one key;
 * every finite value has a key > 0. */
static __device__ __forceinline__ uint32_t lp_ordered_key(float v) {
    const uint32_t bits = v == 0.0f ? 0u : __float_as_uint(v);
    return (bits & 0x80000000u) ? ~bits : (bits | 0x80000000u);
}

/* ------------------------------------------------------------------------------------------ kernels */

__global__ void lp_stats_init_kernel(lp_select_stats *stats) {
    stats->max_bits = 0;
    stats->bad_kinds = 0;
    stats->first_bad = ULLONG_MAX;
    stats->candidates = 0;
    for (int r = 0; r < 4; r++) stats->regions[r] = 0;
    stats->selected = 0;
}

/* values [n]: NaN / Inf (and negatives when reject_negative) are bad; max |value| of the good ones;
 * count of candidates. Integer atomics only (order-independent, so deterministic). */
__global__ void lp_select_scan_kernel(const float *values, int64_t n, const uint8_t *cand, uint8_t match,
                                      int reject_negative, lp_select_stats *stats) {
    unsigned int max_bits = 0, bad = 0, candidates = 0;
    unsigned long long first_bad = ULLONG_MAX;
    for (int64_t i = lp_thread_index(); i < n; i += lp_grid_stride()) {
        const float v = values[i];
        const unsigned int kind = isnan(v) ? LP_BAD_NAN
                                  : isinf(v) ? LP_BAD_INF
                                  : (reject_negative && v < 0.0f) ? LP_BAD_NEGATIVE : 0u;
        if (kind != 0) {
            bad |= kind;
            if ((unsigned long long)i < first_bad) first_bad = (unsigned long long)i;
        } else {
            max_bits = max(max_bits, __float_as_uint(v) & 0x7fffffffu);
        }
        candidates += lp_is_candidate(cand, match, i) ? 1u : 0u;
    }
    max_bits = __reduce_max_sync(0xffffffffu, max_bits);
    bad = __reduce_or_sync(0xffffffffu, bad);
    candidates = __reduce_add_sync(0xffffffffu, candidates);
    for (int offset = 16; offset > 0; offset >>= 1) {
        const unsigned long long other = __shfl_down_sync(0xffffffffu, first_bad, offset);
        first_bad = other < first_bad ? other : first_bad;
    }
    if ((threadIdx.x & 31) == 0) {
        if (max_bits != 0) atomicMax(&stats->max_bits, max_bits);
        if (bad != 0) {
            atomicOr(&stats->bad_kinds, bad);
            atomicMin(&stats->first_bad, first_bad);
        }
        if (candidates != 0) atomicAdd(&stats->candidates, (unsigned long long)candidates);
    }
}

/* Top-mass keys: values ≥ 0 (validated), so the float bits with the sign cleared (-0.0 → 0) order
 * them; idx [n] = 0, 1, ... */
__global__ void lp_mass_keys_kernel(const float *values, int64_t n, uint32_t *keys, uint32_t *idx) {
    for (int64_t i = lp_thread_index(); i < n; i += lp_grid_stride()) {
        keys[i] = __float_as_uint(values[i]) & 0x7fffffffu;
        idx[i] = (uint32_t)i;
    }
}

/* Top-k keys: candidates get their order-preserving key (> 0), non-candidates 0 (sorted last). */
__global__ void lp_topk_keys_kernel(const float *values, const uint8_t *cand, uint8_t match, int64_t n,
                                    uint32_t *keys, uint32_t *idx) {
    for (int64_t i = lp_thread_index(); i < n; i += lp_grid_stride()) {
        keys[i] = lp_is_candidate(cand, match, i) ? lp_ordered_key(values[i]) : 0u;
        idx[i] = (uint32_t)i;
    }
}

/* q [n] u64 = ⌊v · 2^shift⌋ of the sorted values (keys are float bits of values ≥ 0). */
__global__ void lp_mass_quantize_kernel(const uint32_t *sorted_keys, int64_t n, int shift, unsigned long long *q) {
    for (int64_t j = lp_thread_index(); j < n; j += lp_grid_stride())
        q[j] = (unsigned long long)lp_top_mass_quantize(__uint_as_float(sorted_keys[j]), shift);
}

/* One thread: the shortest prefix whose sum reaches target (0 < target ≤ prefix[n−1]): its length is
 * 1 + the first j with prefix[j] ≥ target. */
__global__ void lp_mass_threshold_kernel(const unsigned long long *prefix, int64_t n, unsigned long long target,
                                         lp_select_stats *stats) {
    int64_t lo = 0, hi = n - 1;
    while (lo < hi) {
        const int64_t mid = lo + (hi - lo) / 2;
        if (prefix[mid] >= target) hi = mid;
        else lo = mid + 1;
    }
    stats->selected = (unsigned long long)(lo + 1);
}

/* mask[sorted_idx[j]] = 1 for j < count; count from *count_on_device when non-NULL, else count_value. */
__global__ void lp_scatter_kernel(const uint32_t *sorted_idx, const unsigned long long *count_on_device,
                                  int64_t count_value, uint8_t *mask) {
    const int64_t count = count_on_device != NULL ? (int64_t)*count_on_device : count_value;
    for (int64_t j = lp_thread_index(); j < count; j += lp_grid_stride()) mask[sorted_idx[j]] = 1;
}

/* mask [n] = 1 for candidates, 0 elsewhere (top-k when every candidate is selected). */
__global__ void lp_candidate_mask_kernel(const uint8_t *cand, uint8_t match, int64_t n, uint8_t *mask) {
    for (int64_t i = lp_thread_index(); i < n; i += lp_grid_stride()) mask[i] = lp_is_candidate(cand, match, i) ? 1 : 0;
}

/* region [n] = (set1 ≠ 0) | (set2 ≠ 0) << 1: 0 none, 1 set1 only, 2 set2 only, 3 both; counts each. */
__global__ void lp_region_kernel(const uint8_t *set1, const uint8_t *set2, int64_t n, uint8_t *region,
                                 lp_select_stats *stats) {
    unsigned int count1 = 0, count2 = 0, count3 = 0;
    for (int64_t i = lp_thread_index(); i < n; i += lp_grid_stride()) {
        const uint8_t r = (uint8_t)((set1[i] != 0 ? 1 : 0) | (set2[i] != 0 ? 2 : 0));
        region[i] = r;
        count1 += r == 1 ? 1u : 0u;
        count2 += r == 2 ? 1u : 0u;
        count3 += r == 3 ? 1u : 0u;
    }
    count1 = __reduce_add_sync(0xffffffffu, count1);
    count2 = __reduce_add_sync(0xffffffffu, count2);
    count3 = __reduce_add_sync(0xffffffffu, count3);
    if ((threadIdx.x & 31) == 0) {
        if (count1 != 0) atomicAdd(&stats->regions[1], (unsigned long long)count1);
        if (count2 != 0) atomicAdd(&stats->regions[2], (unsigned long long)count2);
        if (count3 != 0) atomicAdd(&stats->regions[3], (unsigned long long)count3);
    }
}

/* stage[i] = 1 where region[i] == match (those elements are not candidates of the stage's top-k). */
__global__ void lp_mark_region_kernel(const uint8_t *region, uint8_t match, int64_t n, uint8_t *stage) {
    for (int64_t i = lp_thread_index(); i < n; i += lp_grid_stride())
        if (region[i] == match) stage[i] = 1;
}

/* ---------------------------------------------------------------------------------------- workspace */

/* Temporaries of one selection over n elements. Pair p = keys[p] [n] u32 then idx[p] [n] u32 in one
 * region of ≥ 8n bytes: after the sort, the pair not holding the result is reused as q [n] u64. */
struct lp_select_ws {
    uint32_t *keys[2];
    uint32_t *idx[2];
    unsigned char *pair[2];
    void *cub_temp;
    size_t cub_temp_bytes;
    lp_select_stats *stats;
};

struct lp_select_plan {
    size_t pair_offset[2], idx_in_pair, temp_offset, temp_bytes, stats_offset;
};

static size_t lp_align256(size_t bytes) { return (bytes + 255) & ~(size_t)255; }

/* Adds the selection temporaries for n elements to `layout`: CUB sizes are queried for a sort of key
 * bits [0, end_bit) (and a uint64 scan when need_scan); nothing runs. */
static lp_status lp_select_plan_add(int n, int end_bit, bool need_scan, lp_scratch_layout *layout,
                                    lp_select_plan *plan) {
    plan->idx_in_pair = lp_align256((size_t)n * 4);
    const size_t pair_bytes = plan->idx_in_pair + (size_t)n * 4; /* ≥ 8n */
    plan->pair_offset[0] = layout->add(pair_bytes);
    plan->pair_offset[1] = layout->add(pair_bytes);
    size_t sort_bytes = 0, scan_bytes = 0;
    cub::DoubleBuffer<uint32_t> keys(NULL, NULL), idx(NULL, NULL);
    LP_CUDA_CHECK(cub::DeviceRadixSort::SortPairsDescending(NULL, sort_bytes, keys, idx, n, 0, end_bit));
    if (need_scan)
        LP_CUDA_CHECK(cub::DeviceScan::InclusiveSum(NULL, scan_bytes, (unsigned long long *)NULL,
                                                    (unsigned long long *)NULL, n));
    plan->temp_bytes = sort_bytes > scan_bytes ? sort_bytes : scan_bytes;
    if (plan->temp_bytes < 16) plan->temp_bytes = 16;
    plan->temp_offset = layout->add(plan->temp_bytes);
    plan->stats_offset = layout->add(sizeof(lp_select_stats));
    return LP_OK;
}

static lp_select_ws lp_select_ws_bind(void *base, const lp_select_plan &plan) {
    unsigned char *bytes = static_cast<unsigned char *>(base);
    lp_select_ws ws;
    for (int p = 0; p < 2; p++) {
        ws.pair[p] = bytes + plan.pair_offset[p];
        ws.keys[p] = reinterpret_cast<uint32_t *>(ws.pair[p]);
        ws.idx[p] = reinterpret_cast<uint32_t *>(ws.pair[p] + plan.idx_in_pair);
    }
    ws.cub_temp = bytes + plan.temp_offset;
    ws.cub_temp_bytes = plan.temp_bytes;
    ws.stats = reinterpret_cast<lp_select_stats *>(bytes + plan.stats_offset);
    return ws;
}

/* ------------------------------------------------------------------------------------------- steps */

static lp_status lp_check_n(const char *op, int64_t n) {
    if (n <= INT_MAX) return LP_OK;
    return lp_fail(LP_ERR_UNSUPPORTED, "%s: n = %lld exceeds 2^31-1, the CUDA backend's limit", op, (long long)n);
}

static lp_status lp_read_stats(lp_stream stream, const lp_select_ws &ws, lp_select_stats *out) {
    cudaStream_t s = lp_cuda_stream_of(stream);
    LP_CUDA_CHECK(cudaMemcpyAsync(out, ws.stats, sizeof *out, cudaMemcpyDeviceToHost, s));
    LP_CUDA_CHECK(cudaStreamSynchronize(s));
    return LP_OK;
}

/* Validates values [n] and counts candidates; returns LP_ERR_INVALID_ARGUMENT naming the first bad
 * element. Synchronizes. */
static lp_status lp_scan_values(lp_stream stream, const lp_select_ws &ws, const char *op, const char *what,
                                const float *values, int64_t n, const uint8_t *cand, uint8_t match,
                                bool reject_negative, lp_select_stats *out) {
    cudaStream_t s = lp_cuda_stream_of(stream);
    lp_stats_init_kernel<<<1, 1, 0, s>>>(ws.stats);
    LP_CUDA_CHECK_LAUNCH("lp_stats_init_kernel");
    lp_select_scan_kernel<<<lp_cuda_grid(stream, n), LP_THREADS, 0, s>>>(values, n, cand, match,
                                                                          reject_negative ? 1 : 0, ws.stats);
    LP_CUDA_CHECK_LAUNCH("lp_select_scan_kernel");
    LP_CHECK(lp_read_stats(stream, ws, out));
    if (out->bad_kinds == 0) return LP_OK;
    float bad_value = 0.0f;
    LP_CUDA_CHECK(cudaMemcpyAsync(&bad_value, values + out->first_bad, sizeof bad_value, cudaMemcpyDeviceToHost, s));
    LP_CUDA_CHECK(cudaStreamSynchronize(s));
    return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: %s[%llu] = %g is %s (%s must be finite%s)", op, what,
                   out->first_bad, (double)bad_value,
                   isnan(bad_value) ? "NaN" : isinf(bad_value) ? "infinite" : "negative", what,
                   reject_negative ? " and >= 0" : "");
}

/* Top-k among candidates of values [n] into mask_out [n]; synchronizes. */
static lp_status lp_top_k_run(lp_stream stream, const lp_select_ws &ws, const char *op, const char *what,
                              const float *values, const uint8_t *cand, uint8_t match, int64_t n, int64_t k,
                              uint8_t *mask_out, int64_t *out_count) {
    cudaStream_t s = lp_cuda_stream_of(stream);
    lp_select_stats stats;
    LP_CHECK(lp_scan_values(stream, ws, op, what, values, n, cand, match, false, &stats));
    const int64_t candidates = (int64_t)stats.candidates;
    const int64_t selected = k < candidates ? k : candidates;
    const unsigned int grid = lp_cuda_grid(stream, n);
    if (selected == candidates) { /* every candidate (possibly none) is selected: no sort needed */
        lp_candidate_mask_kernel<<<grid, LP_THREADS, 0, s>>>(cand, match, n, mask_out);
        LP_CUDA_CHECK_LAUNCH("lp_candidate_mask_kernel");
    } else {
        lp_topk_keys_kernel<<<grid, LP_THREADS, 0, s>>>(values, cand, match, n, ws.keys[0], ws.idx[0]);
        LP_CUDA_CHECK_LAUNCH("lp_topk_keys_kernel");
        cub::DoubleBuffer<uint32_t> keys(ws.keys[0], ws.keys[1]), idx(ws.idx[0], ws.idx[1]);
        size_t temp_bytes = ws.cub_temp_bytes;
        LP_CUDA_CHECK(cub::DeviceRadixSort::SortPairsDescending(ws.cub_temp, temp_bytes, keys, idx, (int)n, 0, 32, s));
        LP_CUDA_CHECK(cudaMemsetAsync(mask_out, 0, (size_t)n, s));
        lp_scatter_kernel<<<lp_cuda_grid(stream, selected > 0 ? selected : 1), LP_THREADS, 0, s>>>(
            idx.Current(), NULL, selected, mask_out);
        LP_CUDA_CHECK_LAUNCH("lp_scatter_kernel");
    }
    LP_CUDA_CHECK(cudaStreamSynchronize(s));
    *out_count = selected;
    return LP_OK;
}

/* ----------------------------------------------------------------------------------------- entries */

extern "C" lp_status lp_cuda_select_top_mass(lp_stream stream, const float *importance, int64_t n, double theta,
                                             uint8_t *mask_out, int64_t *out_count) {
    static const char op[] = "lp_select_top_mass";
    LP_CHECK(lp_cuda_use_device(stream->device));
    LP_CHECK(lp_check_n(op, n));
    cudaStream_t s = lp_cuda_stream_of(stream);
    *out_count = 0;
    if (n == 0) {
        LP_CUDA_CHECK(cudaStreamSynchronize(s));
        return LP_OK;
    }
    lp_scratch_layout layout;
    lp_select_plan plan;
    LP_CHECK(lp_select_plan_add((int)n, 31, true, &layout, &plan));
    void *base = NULL;
    LP_CHECK(lp_cuda_scratch(stream, layout.bytes, &base));
    const lp_select_ws ws = lp_select_ws_bind(base, plan);

    lp_select_stats stats;
    LP_CHECK(lp_scan_values(stream, ws, op, "importance", importance, n, NULL, 0, true, &stats));
    float max_value;
    memcpy(&max_value, &stats.max_bits, sizeof max_value);
    const int shift = lp_top_mass_shift(max_value, n);

    const unsigned int grid = lp_cuda_grid(stream, n);
    lp_mass_keys_kernel<<<grid, LP_THREADS, 0, s>>>(importance, n, ws.keys[0], ws.idx[0]);
    LP_CUDA_CHECK_LAUNCH("lp_mass_keys_kernel");
    cub::DoubleBuffer<uint32_t> keys(ws.keys[0], ws.keys[1]), idx(ws.idx[0], ws.idx[1]);
    size_t temp_bytes = ws.cub_temp_bytes;
    /* bit 31 of every key is 0: sort bits [0, 31) */
    LP_CUDA_CHECK(cub::DeviceRadixSort::SortPairsDescending(ws.cub_temp, temp_bytes, keys, idx, (int)n, 0, 31, s));
    if (keys.selector != idx.selector)
        return lp_fail(LP_ERR_INTERNAL, "%s: CUB left keys and indices in different buffers", op);
    unsigned long long *q = reinterpret_cast<unsigned long long *>(ws.pair[1 - keys.selector]); /* [n] */
    lp_mass_quantize_kernel<<<grid, LP_THREADS, 0, s>>>(keys.Current(), n, shift, q);
    LP_CUDA_CHECK_LAUNCH("lp_mass_quantize_kernel");
    temp_bytes = ws.cub_temp_bytes;
    LP_CUDA_CHECK(cub::DeviceScan::InclusiveSum(ws.cub_temp, temp_bytes, q, q, (int)n, s)); /* in place */
    unsigned long long total = 0;
    LP_CUDA_CHECK(cudaMemcpyAsync(&total, q + (n - 1), sizeof total, cudaMemcpyDeviceToHost, s));
    LP_CUDA_CHECK(cudaStreamSynchronize(s));

    const uint64_t target = lp_top_mass_target(theta, (uint64_t)total);
    LP_CUDA_CHECK(cudaMemsetAsync(mask_out, 0, (size_t)n, s));
    unsigned long long selected = 0;
    if (target > 0) {
        lp_mass_threshold_kernel<<<1, 1, 0, s>>>(q, n, (unsigned long long)target, ws.stats);
        LP_CUDA_CHECK_LAUNCH("lp_mass_threshold_kernel");
        lp_scatter_kernel<<<grid, LP_THREADS, 0, s>>>(idx.Current(), &ws.stats->selected, 0, mask_out);
        LP_CUDA_CHECK_LAUNCH("lp_scatter_kernel");
        LP_CUDA_CHECK(cudaMemcpyAsync(&selected, &ws.stats->selected, sizeof selected, cudaMemcpyDeviceToHost, s));
    }
    LP_CUDA_CHECK(cudaStreamSynchronize(s));
    *out_count = (int64_t)selected;
    return LP_OK;
}

extern "C" lp_status lp_cuda_select_top_k(lp_stream stream, const float *values, const uint8_t *candidates, int64_t n,
                                          int64_t k, uint8_t *mask_out, int64_t *out_count) {
    static const char op[] = "lp_select_top_k";
    LP_CHECK(lp_cuda_use_device(stream->device));
    LP_CHECK(lp_check_n(op, n));
    *out_count = 0;
    if (n == 0) {
        LP_CUDA_CHECK(cudaStreamSynchronize(lp_cuda_stream_of(stream)));
        return LP_OK;
    }
    lp_scratch_layout layout;
    lp_select_plan plan;
    LP_CHECK(lp_select_plan_add((int)n, 32, false, &layout, &plan));
    void *base = NULL;
    LP_CHECK(lp_cuda_scratch(stream, layout.bytes, &base));
    const lp_select_ws ws = lp_select_ws_bind(base, plan);
    return lp_top_k_run(stream, ws, op, "values", values, candidates, 0, n, k, mask_out, out_count);
}

/* ⌊fraction · count⌋ clamped to [0, count]. */
static int64_t lp_fraction_of(double fraction, int64_t count) {
    const double wanted = floor(fraction * (double)count);
    if (!(wanted > 0.0)) return 0;
    return wanted >= (double)count ? count : (int64_t)wanted;
}

extern "C" lp_status lp_cuda_partition_masks(lp_stream stream, int64_t n, const uint8_t *set1, const uint8_t *set2,
                                             const float *imp1, const float *imp2, double alpha, double beta,
                                             uint8_t *stage1_mask, uint8_t *stage2_mask, uint8_t *region_out,
                                             int64_t *out_counts) {
    static const char op[] = "lp_partition_masks";
    LP_CHECK(lp_cuda_use_device(stream->device));
    LP_CHECK(lp_check_n(op, n));
    cudaStream_t s = lp_cuda_stream_of(stream);
    for (int i = 0; i < 5; i++) out_counts[i] = 0;
    if (n == 0) {
        LP_CUDA_CHECK(cudaStreamSynchronize(s));
        return LP_OK;
    }
    lp_scratch_layout layout;
    lp_select_plan plan;
    LP_CHECK(lp_select_plan_add((int)n, 32, false, &layout, &plan));
    const size_t region_offset = region_out == NULL ? layout.add((size_t)n) : 0; /* region [n] u8 */
    void *base = NULL;
    LP_CHECK(lp_cuda_scratch(stream, layout.bytes, &base));
    const lp_select_ws ws = lp_select_ws_bind(base, plan);
    uint8_t *region = region_out != NULL ? region_out : static_cast<uint8_t *>(base) + region_offset;

    lp_stats_init_kernel<<<1, 1, 0, s>>>(ws.stats);
    LP_CUDA_CHECK_LAUNCH("lp_stats_init_kernel");
    const unsigned int grid = lp_cuda_grid(stream, n);
    lp_region_kernel<<<grid, LP_THREADS, 0, s>>>(set1, set2, n, region, ws.stats);
    LP_CUDA_CHECK_LAUNCH("lp_region_kernel");
    lp_select_stats stats;
    LP_CHECK(lp_read_stats(stream, ws, &stats));
    const int64_t s1_only = (int64_t)stats.regions[1], s2_only = (int64_t)stats.regions[2];
    const int64_t shared = (int64_t)stats.regions[3];

    /* stage1 = top ⌊alpha·|shared|⌋ of shared by imp1, plus set1-only */
    int64_t shared_in_stage1 = 0, shared_in_stage2 = 0;
    LP_CHECK(lp_top_k_run(stream, ws, op, "imp1", imp1, region, 3, n, lp_fraction_of(alpha, shared), stage1_mask,
                          &shared_in_stage1));
    lp_mark_region_kernel<<<grid, LP_THREADS, 0, s>>>(region, 1, n, stage1_mask);
    LP_CUDA_CHECK_LAUNCH("lp_mark_region_kernel");
    /* stage2 = top ⌊beta·|shared|⌋ of shared by imp2, plus set2-only */
    LP_CHECK(lp_top_k_run(stream, ws, op, "imp2", imp2, region, 3, n, lp_fraction_of(beta, shared), stage2_mask,
                          &shared_in_stage2));
    lp_mark_region_kernel<<<grid, LP_THREADS, 0, s>>>(region, 2, n, stage2_mask);
    LP_CUDA_CHECK_LAUNCH("lp_mark_region_kernel");
    LP_CUDA_CHECK(cudaStreamSynchronize(s));

    out_counts[0] = s1_only;
    out_counts[1] = s2_only;
    out_counts[2] = shared;
    out_counts[3] = s1_only + shared_in_stage1;
    out_counts[4] = s2_only + shared_in_stage2;
    return LP_OK;
}
