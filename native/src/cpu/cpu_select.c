/* cpu_select.c — the three-pass radix select of cpu_select.h. */
#include "cpu/cpu_select.h"

#include <omp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu_parallel.h"

#define LP_SELECT_LEVELS 3
#define LP_SELECT_MAX_BINS 2048
static const int lp_level_shift[LP_SELECT_LEVELS] = {21, 10, 0}; /* lowest key bit of each level's digit */
static const int lp_level_bits[LP_SELECT_LEVELS] = {11, 11, 10};

static inline uint32_t lp_float_bits(float v) {
    uint32_t bits;
    memcpy(&bits, &v, sizeof bits);
    return bits;
}

static inline float lp_bits_float(uint32_t bits) {
    float v;
    memcpy(&v, &bits, sizeof v);
    return v;
}

/* Keys order like the values; −0 and +0 get the same key. */
static inline __attribute__((always_inline)) uint32_t lp_select_key(float v, lp_select_kind kind) {
    uint32_t bits = lp_float_bits(v);
    if ((bits & 0x7fffffffu) == 0) bits = 0;
    if (kind == LP_SELECT_BY_MASS) return bits;
    return (bits & 0x80000000u) ? ~bits : (bits | 0x80000000u);
}

static inline __attribute__((always_inline)) uint64_t lp_select_weight(float v, const lp_select_input *in,
                                                                      lp_select_kind kind) {
    return kind == LP_SELECT_BY_MASS ? (uint64_t)((double)v * in->scale) : 1u;
}

static inline int lp_is_candidate(const lp_select_input *in, int64_t i) {
    return (in->candidates == NULL || in->candidates[i] != 0) &&
           (in->candidates_also == NULL || in->candidates_also[i] != 0);
}

void lp_cpu_select_scan(const lp_select_input *in, int64_t *first_bad, float *max_value, int64_t *candidate_count) {
    const float *values = in->values; /* [n] */
    const int by_mass = in->kind == LP_SELECT_BY_MASS;
    int64_t bad = INT64_MAX, candidates = 0;
    uint32_t max_key = 0; /* BY_MASS: bits of the largest non-negative value */
#pragma omp parallel for schedule(static) reduction(min : bad) reduction(max : max_key) reduction(+ : candidates) \
    if (in->n >= LP_CPU_PARALLEL_MIN_ELEMENTS)
    for (int64_t i = 0; i < in->n; i++) {
        uint32_t bits = lp_float_bits(values[i]);
        int not_finite = (bits & 0x7fffffffu) >= 0x7f800000u;
        int negative = bits > 0x80000000u; /* sign set and not −0 */
        if ((not_finite || (by_mass && negative)) && i < bad) bad = i;
        uint32_t key = bits >= 0x80000000u ? 0u : bits;
        if (key > max_key) max_key = key;
        candidates += lp_is_candidate(in, i);
    }
    *first_bad = bad == INT64_MAX ? -1 : bad;
    *max_value = by_mass ? lp_bits_float(max_key) : 0.0f;
    *candidate_count = candidates;
}

/*
 * Histogram of one level's digit over the candidates whose higher digits equal prefix:
 * count[b] elements and weight[b] their weight sum. thread_hist [threads × 2 × MAX_BINS] scratch.
 */
static inline __attribute__((always_inline)) void lp_select_histogram_typed(const lp_select_input *in, int level,
                                                                           uint32_t prefix, int threads,
                                                                           uint64_t *thread_hist, uint64_t *count,
                                                                           uint64_t *weight, lp_select_kind kind) {
    const int shift = lp_level_shift[level], bins = 1 << lp_level_bits[level];
    const int prefix_shift = level == 0 ? 0 : lp_level_shift[level - 1];
    const float *values = in->values; /* [n] */
    memset(thread_hist, 0, (size_t)threads * 2 * LP_SELECT_MAX_BINS * sizeof(uint64_t));
#pragma omp parallel num_threads(threads)
    {
        uint64_t *my_count = thread_hist + (size_t)omp_get_thread_num() * 2 * LP_SELECT_MAX_BINS; /* [bins] */
        uint64_t *my_weight = my_count + LP_SELECT_MAX_BINS;                                      /* [bins] */
#pragma omp for schedule(static)
        for (int64_t i = 0; i < in->n; i++) {
            if (!lp_is_candidate(in, i)) continue;
            uint32_t key = lp_select_key(values[i], kind);
            if (level > 0 && (key >> prefix_shift) != prefix) continue;
            uint32_t bin = (key >> shift) & (uint32_t)(bins - 1);
            my_count[bin]++;
            if (kind == LP_SELECT_BY_MASS) my_weight[bin] += lp_select_weight(values[i], in, kind);
        }
    }
    for (int b = 0; b < bins; b++) {
        uint64_t c = 0, w = 0;
        for (int t = 0; t < threads; t++) {
            c += thread_hist[(size_t)t * 2 * LP_SELECT_MAX_BINS + b];
            w += thread_hist[(size_t)t * 2 * LP_SELECT_MAX_BINS + LP_SELECT_MAX_BINS + b];
        }
        count[b] = c;
        weight[b] = kind == LP_SELECT_BY_MASS ? w : c;
    }
}

static void lp_select_histogram(const lp_select_input *in, int level, uint32_t prefix, int threads,
                                uint64_t *thread_hist, uint64_t *count, uint64_t *weight) {
    if (in->kind == LP_SELECT_BY_MASS)
        lp_select_histogram_typed(in, level, prefix, threads, thread_hist, count, weight, LP_SELECT_BY_MASS);
    else
        lp_select_histogram_typed(in, level, prefix, threads, thread_hist, count, weight, LP_SELECT_BY_VALUE);
}

/*
 * mask_out [n]: candidates with key > key_star, then the first `need` candidates with key == key_star
 * in index order. Each thread takes a contiguous range; ranges learn how many equal keys precede them.
 */
static inline __attribute__((always_inline)) void lp_select_write_typed(const lp_select_input *in, uint32_t key_star,
                                                                       int64_t need, int threads,
                                                                       int64_t *equal_before, uint8_t *mask_out,
                                                                       lp_select_kind kind) {
    const float *values = in->values; /* [n] */
    const int64_t n = in->n;
#pragma omp parallel num_threads(threads)
    {
        int tid = omp_get_thread_num(), team = omp_get_num_threads();
        int64_t base = n / team, extra = n % team;
        int64_t lo = base * tid + (tid < extra ? tid : extra), hi = lo + base + (tid < extra ? 1 : 0);
        int64_t equal = 0;
        for (int64_t i = lo; i < hi; i++) {
            uint8_t selected = 0;
            if (lp_is_candidate(in, i)) {
                uint32_t key = lp_select_key(values[i], kind);
                selected = key > key_star;
                equal += key == key_star;
            }
            mask_out[i] = selected;
        }
        equal_before[tid] = equal;
#pragma omp barrier
        int64_t taken = 0;
        for (int t = 0; t < tid; t++) taken += equal_before[t];
        for (int64_t i = lo; i < hi && taken < need; i++)
            if (lp_is_candidate(in, i) && lp_select_key(values[i], kind) == key_star) {
                mask_out[i] = 1;
                taken++;
            }
    }
}

lp_status lp_cpu_select(const char *fn, const lp_select_input *in, lp_select_target_fn target_of_total,
                        const void *context, uint8_t *mask_out, int64_t *out_count) {
    int threads = in->n >= LP_CPU_PARALLEL_MIN_ELEMENTS ? omp_get_max_threads() : 1;
    size_t words = (size_t)threads * 2 * LP_SELECT_MAX_BINS + 2 * LP_SELECT_MAX_BINS + (size_t)threads;
    uint64_t *scratch = malloc(words * sizeof(uint64_t));
    if (scratch == NULL)
        return lp_fail(LP_ERR_OUT_OF_MEMORY, "%s: CPU histogram scratch failed, asked %zu bytes", fn,
                       words * sizeof(uint64_t));
    uint64_t *thread_hist = scratch;                                                   /* [threads×2×BINS] */
    uint64_t *count = thread_hist + (size_t)threads * 2 * LP_SELECT_MAX_BINS;          /* [BINS] */
    uint64_t *weight = count + LP_SELECT_MAX_BINS;                                     /* [BINS] */
    int64_t *equal_before = (int64_t *)(weight + LP_SELECT_MAX_BINS);                  /* [threads] */

    uint32_t prefix = 0;     /* the key digits fixed so far */
    uint64_t above_weight = 0, target = 0;
    int64_t above_count = 0; /* candidates with a key above every key still in play */
    for (int level = 0; level < LP_SELECT_LEVELS; level++) {
        lp_select_histogram(in, level, prefix, threads, thread_hist, count, weight);
        const int bins = 1 << lp_level_bits[level];
        if (level == 0) {
            uint64_t total = 0;
            for (int b = 0; b < bins; b++) total += weight[b];
            target = target_of_total(total, context);
            if (target == 0) {
                memset(mask_out, 0, (size_t)in->n);
                *out_count = 0;
                free(scratch);
                return LP_OK;
            }
        }
        int b = bins - 1;
        for (; b >= 0; b--) {
            if (above_weight + weight[b] >= target) break;
            above_weight += weight[b];
            above_count += (int64_t)count[b];
        }
        if (b < 0) {
            free(scratch);
            return lp_fail(LP_ERR_INTERNAL, "%s: radix select lost the threshold at level %d (target %llu)", fn, level,
                           (unsigned long long)target);
        }
        prefix = (prefix << lp_level_bits[level]) | (uint32_t)b;
    }
    /* prefix is now the full threshold key κ; every element with key κ weighs w(κ) > 0 */
    uint64_t w_star = in->kind == LP_SELECT_BY_MASS ? lp_select_weight(lp_bits_float(prefix), in, LP_SELECT_BY_MASS) : 1u;
    if (w_star == 0) {
        free(scratch);
        return lp_fail(LP_ERR_INTERNAL, "%s: radix select reached a threshold key 0x%08x of weight 0", fn,
                       (unsigned)prefix);
    }
    int64_t need = (int64_t)((target - above_weight + w_star - 1) / w_star);
    if (in->kind == LP_SELECT_BY_MASS)
        lp_select_write_typed(in, prefix, need, threads, equal_before, mask_out, LP_SELECT_BY_MASS);
    else
        lp_select_write_typed(in, prefix, need, threads, equal_before, mask_out, LP_SELECT_BY_VALUE);
    *out_count = above_count + need;
    free(scratch);
    return LP_OK;
}
