/*
 * cpu_select.h — the radix select behind lp_select_top_mass and lp_select_top_k on the CPU.
 *
 * Elements are ordered by a 32-bit key (descending; equal keys by index ascending) and carry an
 * integer weight. Given a target T ≥ 1, the selection is the shortest prefix of that order whose
 * weight sum reaches T. No sort: three histogram passes over the key bits 31..21, 20..10, 9..0
 * (count and weight per bin, per-thread histograms merged) walk down to the threshold key κ with
 *   W(key > κ) < T ≤ W(key ≥ κ),
 * then every element with key > κ is marked, plus the first ⌈(T − W(key > κ)) / w(κ)⌉ elements
 * with key == κ in index order.
 *   by mass  (top_mass): key = bits of a non-negative float (−0 taken as +0), weight = ⌊v · 2^s⌋
 *   by value (top_k):    key = order-preserving map of a finite float, weight = 1, T = k
 */
#ifndef LORAPAR_CPU_SELECT_H
#define LORAPAR_CPU_SELECT_H

#include "internal.h"

typedef enum { LP_SELECT_BY_MASS = 0, LP_SELECT_BY_VALUE = 1 } lp_select_kind;

typedef struct {
    lp_select_kind kind;
    const float *values;            /* [n] */
    const uint8_t *candidates;      /* [n] or NULL: an element is a candidate when every non-NULL */
    const uint8_t *candidates_also; /* [n] or NULL:   candidate array holds a nonzero byte for it   */
    int64_t n;
    double scale; /* BY_MASS: 2^s, so that weight = (uint64_t)(v · scale) = ⌊v · 2^s⌋ exactly */
} lp_select_input;

/*
 * One pass over all n values: *first_bad = smallest index whose value is not allowed (BY_MASS: NaN,
 * ±Inf or < 0; BY_VALUE: NaN or ±Inf), or −1; *max_value = the largest value (BY_MASS; 0 when n == 0);
 * *candidate_count = number of candidates.
 */
void lp_cpu_select_scan(const lp_select_input *in, int64_t *first_bad, float *max_value, int64_t *candidate_count);

/*
 * Marks mask_out [n] (1 selected, 0 not) with the shortest prefix whose weight reaches the target;
 * target_of_total maps the total candidate weight W to T (T == 0 selects nothing; T ≤ W).
 * *out_count = number selected.
 */
typedef uint64_t (*lp_select_target_fn)(uint64_t total_weight, const void *context);
lp_status lp_cpu_select(const char *fn, const lp_select_input *in, lp_select_target_fn target_of_total,
                        const void *context, uint8_t *mask_out, int64_t *out_count);

#endif /* LORAPAR_CPU_SELECT_H */
