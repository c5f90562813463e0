/*
 * attention_tc_fwd.cuh — the causal GQA attention forward on tensor cores (bf16 in, fp32 accumulate),
 * FlashAttention-2 style, for head_dim D = 64 or 128 (the BF16 fast path of attention.cu).
 *
 * One block per (64-query tile, query head, sequence); warp w owns queries 16w..16w+15 of the tile.
 * Key / value tiles of 64 rows stream through shared memory (cp.async, double-buffered: tile n+1 loads
 * while tile n is computed), only up to the diagonal tile (causal). Per tile and warp, all in registers:
 *   S [16×64]  = Q_w · Kᵀ                       (mma, Q_w fragments held in registers for the whole loop)
 *   x = S·scale·log2(e), masked to −∞ (causal j > i, other segment) on the diagonal tile / with segments
 *   m_new = max(m, rowmax x);  α = 2^(m − m_new);  P = 2^(x − m_new);  l = α·l + rowsum P
 *   O [16×D]   = α·O + P · V                   (P rounded to bf16 as the A operand; O fp32)
 * At the end out = O / l (bf16) and lse = ln 2 · (m + log2 l) = ln Σ_j e^{s_ij}.
 * Query tiles are scheduled last-first (the longest rows of keys start first).
 */
#ifndef LORAPAR_ATTENTION_TC_FWD_CUH
#define LORAPAR_ATTENTION_TC_FWD_CUH

#include "attention_tc_common.cuh"

/*
 * q [tokens×n_heads×D], k, v [tokens×n_kv_heads×D] bf16 (16-byte aligned), segment_ids [tokens] i32 or
 * NULL, out like q, lse [batch×n_heads×seq] f32 (or NULL: skipped). grid (⌈seq/64⌉, n_heads, batch),
 * LP_TC_THREADS threads, lp_tc_fwd_smem_bytes<D>() dynamic shared bytes.
 */
template <int D>
__global__ void __launch_bounds__(LP_TC_THREADS, 2)
    lp_attention_tc_forward_kernel(const lp_bf16 *__restrict__ q, const lp_bf16 *__restrict__ k,
                                   const lp_bf16 *__restrict__ v, const int32_t *__restrict__ segment_ids,
                                   lp_bf16 *__restrict__ out, float *__restrict__ lse, int seq, int n_heads,
                                   int n_kv_heads, float scale) {
    typedef lp_tc_cfg<D> C;
    constexpr int TILE = C::tile;
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, g = lane >> 2, t = lane & 3;
    const int q0 = (int)(gridDim.x - 1 - blockIdx.x) * LP_TC_ROWS; /* last tile first */
    const int h = blockIdx.y;
    const int64_t b = blockIdx.z;
    const int kvh = h / (n_heads / n_kv_heads);

    lp_bf16 *qs = lp_tc_smem();                                       /* [64×ld] queries */
    lp_bf16 *ks = qs + TILE;                                          /* [2][64×ld] keys */
    lp_bf16 *vs = ks + 2 * TILE;                                      /* [2][64×ld] values */
    int32_t *seg_q = reinterpret_cast<int32_t *>(vs + 2 * TILE);      /* [64] */
    int32_t *seg_k = seg_q + LP_TC_ROWS;                              /* [2][64] */

    const int64_t q_stride = (int64_t)n_heads * D, kv_stride = (int64_t)n_kv_heads * D;
    const int64_t seq_first = b * seq; /* token index of this sequence's first row */
    const int32_t *seg = segment_ids != NULL ? segment_ids + seq_first : NULL;
    const lp_bf16 *k_head = k + seq_first * kv_stride + (int64_t)kvh * D;
    const lp_bf16 *v_head = v + seq_first * kv_stride + (int64_t)kvh * D;
    const int q_valid = min(LP_TC_ROWS, seq - q0);
    const int n_tiles = q0 / LP_TC_ROWS + 1; /* key tiles 0..diagonal */

    /* Key / value tile `tile` (and its segment ids) into buffer buf; one commit group. */
    auto load_kv = [&](int tile, int buf) {
        const int k0 = tile * LP_TC_ROWS, k_valid = min(LP_TC_ROWS, seq - k0);
        lp_tc_load_tile<D>(ks + buf * TILE, k_head + (int64_t)k0 * kv_stride, kv_stride, k_valid);
        lp_tc_load_tile<D>(vs + buf * TILE, v_head + (int64_t)k0 * kv_stride, kv_stride, k_valid);
        lp_tc_load_segments(seg_k + buf * LP_TC_ROWS, seg != NULL ? seg + k0 : NULL, k_valid, -2);
        lp_tc_cp_async_commit();
    };
    lp_tc_load_tile<D>(qs, q + (seq_first + q0) * q_stride + (int64_t)h * D, q_stride, q_valid);
    lp_tc_load_segments(seg_q, seg != NULL ? seg + q0 : NULL, q_valid, -1);
    load_kv(0, 0); /* the query copies join this first group */

    const float scale_log2 = scale * LP_TC_LOG2E;
    const int row0 = q0 + warp * 16 + g; /* this lane's query rows: row0 (e = 0, 1) and row0 + 8 (e = 2, 3) */
    int32_t my_seg[2] = {0, 0};
    uint32_t qf[C::ksteps][4]; /* Q_w [16×D] as A fragments */
    float o[C::dtiles][4];     /* O_w [16×D] unnormalised, C fragments */
    float m[2] = {-INFINITY, -INFINITY}; /* running max of x per row (same in the 4 lanes of a quad) */
    float l[2] = {0.0f, 0.0f};           /* this lane's share of the running Σ 2^(x − m) */
#pragma unroll
    for (int n = 0; n < C::dtiles; n++) o[n][0] = o[n][1] = o[n][2] = o[n][3] = 0.0f;

    for (int it = 0; it < n_tiles; it++) {
        const int buf = it & 1, k0 = it * LP_TC_ROWS;
        if (it + 1 < n_tiles) {
            load_kv(it + 1, buf ^ 1); /* buffer buf^1 was released by the previous iteration's barrier */
            lp_tc_cp_async_wait<1>();
        } else {
            lp_tc_cp_async_wait<0>();
        }
        __syncthreads(); /* tile `it` (and, at it = 0, the queries) visible to all */
        if (it == 0) {
            const lp_tc_a_shared<D> qa(qs + warp * 16 * C::ld);
#pragma unroll
            for (int kk = 0; kk < C::ksteps; kk++) qa(kk, qf[kk]);
            my_seg[0] = seg_q[warp * 16 + g];
            my_seg[1] = seg_q[warp * 16 + g + 8];
        }

        /* S [16×64] = Q_w · Kᵀ */
        float s[8][4];
#pragma unroll
        for (int n = 0; n < 8; n++) s[n][0] = s[n][1] = s[n][2] = s[n][3] = 0.0f;
        lp_tc_mma_abt<D>(s, [&](int kk, uint32_t(&a)[4]) {
#pragma unroll
            for (int x = 0; x < 4; x++) a[x] = qf[kk][x];
        }, ks + buf * TILE);

        /* x = s·scale·log2 e; masked on the diagonal tile (causal, and keys past seq there) and with segments */
        const bool masked = seg != NULL || k0 + LP_TC_ROWS > q0;
        const int32_t *sk = seg_k + buf * LP_TC_ROWS;
#pragma unroll
        for (int n = 0; n < 8; n++)
#pragma unroll
            for (int e = 0; e < 4; e++) {
                float x = s[n][e] * scale_log2;
                if (masked) {
                    const int col = 8 * n + 2 * t + (e & 1), i = row0 + 8 * (e >> 1);
                    if (k0 + col > i || sk[col] != my_seg[e >> 1]) x = -INFINITY;
                }
                s[n][e] = x;
            }

        /* online softmax per row h (e = 2h, 2h+1): P overwrites s */
#pragma unroll
        for (int hr = 0; hr < 2; hr++) {
            float mx = -INFINITY;
#pragma unroll
            for (int n = 0; n < 8; n++) mx = fmaxf(mx, fmaxf(s[n][2 * hr], s[n][2 * hr + 1]));
            const float m_new = fmaxf(m[hr], lp_tc_quad_max(mx));
            const float m_use = m_new == -INFINITY ? 0.0f : m_new; /* no key yet: P = 0, avoid −∞ − −∞ */
            const float alpha = exp2f(m[hr] - m_use);
            m[hr] = m_new;
            float sum = 0.0f;
#pragma unroll
            for (int n = 0; n < 8; n++) {
                s[n][2 * hr] = exp2f(s[n][2 * hr] - m_use);
                s[n][2 * hr + 1] = exp2f(s[n][2 * hr + 1] - m_use);
                sum += s[n][2 * hr] + s[n][2 * hr + 1];
            }
            l[hr] = l[hr] * alpha + sum;
#pragma unroll
            for (int n = 0; n < C::dtiles; n++) {
                o[n][2 * hr] *= alpha;
                o[n][2 * hr + 1] *= alpha;
            }
        }

        /* O [16×D] += P [16×64] · V [64×D] */
        uint32_t pa[4][4];
        lp_tc_c_to_a(s, pa);
        lp_tc_mma_ab<D>(o, pa, vs + buf * TILE);
        __syncthreads(); /* buffer buf consumed: the next iteration may refill it */
    }

    float inv_l[2];
#pragma unroll
    for (int hr = 0; hr < 2; hr++) {
        l[hr] = lp_tc_quad_sum(l[hr]);
        inv_l[hr] = l[hr] > 0.0f ? 1.0f / l[hr] : 0.0f; /* l = 0 only for rows past seq */
    }
    const int w_valid = min(16, seq - (q0 + warp * 16)); /* rows of this warp inside the sequence */
    lp_tc_store_rows<D>(o, inv_l, qs, out + (seq_first + q0 + warp * 16) * q_stride + (int64_t)h * D, q_stride,
                        w_valid);
    if (lse != NULL && t == 0) {
        float *lse_h = lse + ((int64_t)b * n_heads + h) * seq;
#pragma unroll
        for (int hr = 0; hr < 2; hr++)
            if (row0 + 8 * hr < seq) lse_h[row0 + 8 * hr] = LP_TC_LN2 * (m[hr] + log2f(l[hr]));
    }
}

#endif /* LORAPAR_ATTENTION_TC_FWD_CUH */
