/*
 * cpu_attention.c — causal grouped-query attention forward and backward on the CPU (the reference the
 * CUDA kernels are tested against). Inputs are read as f32; dot products and softmax sums in f32 except
 * the row sums of the softmax, in double. Forward: one task per (sequence, query head), one query at a
 * time with a max-subtracted softmax over its visible keys; lse saved. Backward: one task per (sequence,
 * kv head), which owns that kv head's dk, dv rows and its query heads' dq rows, walking the group's query
 * heads and queries in order (deterministic, no atomics):
 *   P_ij = e^{s_ij − lse_i},  D_i = Σ dO_i ⊙ O_i,  dS_ij = P_ij (dO_i·v_j − D_i),
 *   dq_i = scale Σ_j dS_ij k_j,  dk_j += scale dS_ij q_i,  dv_j += P_ij dO_i.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu_act.h"
#include "cpu/cpu_runtime.h"
#include "internal.h"

/* The attention geometry of one call. */
typedef struct {
    int64_t seq, n_heads, n_kv_heads, head_dim, group; /* group = n_heads / n_kv_heads */
    int bf;
} lp_attn_dims;

/* Row offset of (token t, head h) in a [tokens×heads×head_dim] buffer. */
static inline int64_t lp_attn_row(int64_t t, int64_t h, int64_t heads, int64_t head_dim) {
    return (t * heads + h) * head_dim;
}

/* Key j is visible from query i (j ≤ i, both tokens of one sequence starting at token s0). */
static inline int lp_attn_visible(const int32_t *segment_ids, int64_t s0, int64_t i, int64_t j) {
    return segment_ids == NULL || segment_ids[s0 + j] == segment_ids[s0 + i];
}

static float lp_attn_dot(const void *a, int64_t ia, const void *b, int64_t ib, int64_t n, int bf) {
    float acc = 0.0f;
    for (int64_t d = 0; d < n; d++) acc += lp_act_load(a, ia + d, bf) * lp_act_load(b, ib + d, bf);
    return acc;
}

lp_status lp_cpu_attention_forward(lp_stream stream, lp_dtype dtype, int64_t batch, int64_t seq, int64_t n_heads,
                                   int64_t n_kv_heads, int64_t head_dim, float scale, const void *q, const void *k,
                                   const void *v, const int32_t *segment_ids, void *out, float *lse) {
    const lp_attn_dims g = {seq, n_heads, n_kv_heads, head_dim, n_heads / n_kv_heads, dtype == LP_BF16};
    int failed = 0;
#pragma omp parallel if (batch * n_heads * seq * seq * head_dim >= 65536)
    {
        /* per thread: scores [seq], acc [head_dim] */
        float *scores = malloc((size_t)(seq + head_dim) * sizeof(float));
        if (scores == NULL) {
#pragma omp atomic write
            failed = 1;
        }
        float *acc = scores == NULL ? NULL : scores + seq;
#pragma omp for collapse(2) schedule(dynamic, 1)
        for (int64_t b = 0; b < batch; b++)
            for (int64_t h = 0; h < n_heads; h++) {
                if (scores == NULL) continue;
                const int64_t s0 = b * seq, kvh = h / g.group;
                for (int64_t i = 0; i < seq; i++) {
                    const int64_t qi = lp_attn_row(s0 + i, h, n_heads, head_dim);
                    float max = -INFINITY;
                    for (int64_t j = 0; j <= i; j++) {
                        if (!lp_attn_visible(segment_ids, s0, i, j)) continue;
                        float s = scale * lp_attn_dot(q, qi, k, lp_attn_row(s0 + j, kvh, n_kv_heads, head_dim),
                                                      head_dim, g.bf);
                        scores[j] = s;
                        if (s > max) max = s;
                    }
                    double sum = 0.0;
                    for (int64_t d = 0; d < head_dim; d++) acc[d] = 0.0f;
                    for (int64_t j = 0; j <= i; j++) {
                        if (!lp_attn_visible(segment_ids, s0, i, j)) continue;
                        float p = expf(scores[j] - max);
                        sum += p;
                        const int64_t vj = lp_attn_row(s0 + j, kvh, n_kv_heads, head_dim);
                        for (int64_t d = 0; d < head_dim; d++) acc[d] += p * lp_act_load(v, vj + d, g.bf);
                    }
                    const float inv = (float)(1.0 / sum);
                    for (int64_t d = 0; d < head_dim; d++) lp_act_store(out, qi + d, acc[d] * inv, g.bf);
                    lse[(b * n_heads + h) * seq + i] = max + (float)log(sum); /* lse [batch×n_heads×seq] */
                }
            }
        free(scores);
    }
    if (failed)
        return lp_fail(LP_ERR_OUT_OF_MEMORY, "lp_attention_forward: CPU score scratch failed, asked %zu bytes",
                       (size_t)(seq + head_dim) * sizeof(float));
    return LP_OK;
}

lp_status lp_cpu_attention_backward(lp_stream stream, lp_dtype dtype, int64_t batch, int64_t seq, int64_t n_heads,
                                    int64_t n_kv_heads, int64_t head_dim, float scale, const void *q, const void *k,
                                    const void *v, const int32_t *segment_ids, const void *out, const float *lse,
                                    const void *d_out, void *dq, void *dk, void *dv) {
    const lp_attn_dims g = {seq, n_heads, n_kv_heads, head_dim, n_heads / n_kv_heads, dtype == LP_BF16};
    /* per thread: dk_acc, dv_acc [seq×head_dim] of this kv head, dq_acc [head_dim] */
    const size_t scratch = (size_t)(2 * seq * head_dim + head_dim) * sizeof(float);
    int failed = 0;
#pragma omp parallel if (batch * n_heads * seq * seq * head_dim >= 65536)
    {
        float *dk_acc = malloc(scratch);
        if (dk_acc == NULL) {
#pragma omp atomic write
            failed = 1;
        }
        float *dv_acc = dk_acc == NULL ? NULL : dk_acc + seq * head_dim;
        float *dq_acc = dk_acc == NULL ? NULL : dv_acc + seq * head_dim;
#pragma omp for collapse(2) schedule(dynamic, 1)
        for (int64_t b = 0; b < batch; b++)
            for (int64_t kvh = 0; kvh < n_kv_heads; kvh++) {
                if (dk_acc == NULL) continue;
                const int64_t s0 = b * seq;
                memset(dk_acc, 0, 2 * (size_t)(seq * head_dim) * sizeof(float));
                for (int64_t h = kvh * g.group; h < (kvh + 1) * g.group; h++) {
                    for (int64_t i = 0; i < seq; i++) {
                        const int64_t qi = lp_attn_row(s0 + i, h, n_heads, head_dim);
                        const float lse_i = lse[(b * n_heads + h) * seq + i];
                        const float D = lp_attn_dot(d_out, qi, out, qi, head_dim, g.bf);
                        for (int64_t d = 0; d < head_dim; d++) dq_acc[d] = 0.0f;
                        for (int64_t j = 0; j <= i; j++) {
                            if (!lp_attn_visible(segment_ids, s0, i, j)) continue;
                            const int64_t kj = lp_attn_row(s0 + j, kvh, n_kv_heads, head_dim);
                            float p = expf(scale * lp_attn_dot(q, qi, k, kj, head_dim, g.bf) - lse_i);
                            float ds = p * (lp_attn_dot(d_out, qi, v, kj, head_dim, g.bf) - D);
                            float *dkj = dk_acc + j * head_dim, *dvj = dv_acc + j * head_dim;
                            for (int64_t d = 0; d < head_dim; d++) {
                                dq_acc[d] += ds * lp_act_load(k, kj + d, g.bf);
                                dkj[d] += ds * lp_act_load(q, qi + d, g.bf);
                                dvj[d] += p * lp_act_load(d_out, qi + d, g.bf);
                            }
                        }
                        for (int64_t d = 0; d < head_dim; d++) lp_act_store(dq, qi + d, scale * dq_acc[d], g.bf);
                    }
                }
                for (int64_t j = 0; j < seq; j++) {
                    const int64_t kj = lp_attn_row(s0 + j, kvh, n_kv_heads, head_dim);
                    for (int64_t d = 0; d < head_dim; d++) {
                        lp_act_store(dk, kj + d, scale * dk_acc[j * head_dim + d], g.bf);
                        lp_act_store(dv, kj + d, dv_acc[j * head_dim + d], g.bf);
                    }
                }
            }
        free(dk_acc);
    }
    if (failed)
        return lp_fail(LP_ERR_OUT_OF_MEMORY, "lp_attention_backward: CPU dk/dv scratch failed, asked %zu bytes",
                       scratch);
    return LP_OK;
}
