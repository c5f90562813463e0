/*
 * attention_tc_bwd.cuh — the causal GQA attention backward on tensor cores (bf16 operands, fp32
 * accumulate), FlashAttention-2 style, for head_dim D = 64 or 128. Deterministic: no atomics; every
 * output row is owned by one warp, which sums its terms in a fixed order. With x_ij = s_ij·log2 e,
 * s_ij = scale·q_i·k_j, lse2_i = lse_i·log2 e and delta_i = Σ_c dO_ic·O_ic (lp_attention_delta_kernel):
 *   p_ij = 2^(x_ij − lse2_i) (0 where masked),  dS_ij = p_ij·(dO_i·v_j − delta_i)
 *   dV_j = Σ_{h in group} Σ_i p_ij dO_i,  dK_j = scale·Σ_{h in group} Σ_i dS_ij q_i   (dK/dV kernel)
 *   dQ_i = scale·Σ_j dS_ij k_j                                                       (dQ kernel)
 * P and dS are rounded to bf16 as the A operands of the value products (and the dK/dV kernel forms dS
 * from that bf16 P, for registers); fp32 everywhere else. Tile shapes and fragment layouts: attention_tc_common.cuh.
 */
#ifndef LORAPAR_ATTENTION_TC_BWD_CUH
#define LORAPAR_ATTENTION_TC_BWD_CUH

#include "attention_tc_common.cuh"

/*
 * dk, dv [tokens×n_kv_heads×D] bf16 (overwritten) for one tile of 64 keys of one kv head of one sequence;
 * warp w owns keys 16w..16w+15 and accumulates dK_w, dV_w [16×D] in registers over the query heads of
 * the group (in order) and, per head, the 64-query tiles from the diagonal on (ascending). Per query tile:
 *   Sᵀ [16 keys×64 queries] = K_w·Qᵀ → Pᵀ;   dPᵀ [16×64] = V_w·dOᵀ;   dSᵀ = Pᵀ ⊙ (dPᵀ − delta)
 *   dV_w [16×D] += Pᵀ·dO [64×D];   dK_w [16×D] += dSᵀ·Q [64×D]
 * Q, dO, lse, delta and segment tiles are double-buffered (cp.async). lse, delta [batch×n_heads×seq] f32.
 * grid (⌈seq/64⌉, n_kv_heads, batch), LP_TC_THREADS threads, lp_tc_dkdv_smem_bytes<D>() shared bytes.
 */
template <int D>
__global__ void __launch_bounds__(LP_TC_THREADS, 2)
    lp_attention_tc_dkdv_kernel(const lp_bf16 *__restrict__ q, const lp_bf16 *__restrict__ k,
                                const lp_bf16 *__restrict__ v, const int32_t *__restrict__ segment_ids,
                                const float *__restrict__ lse, const float *__restrict__ delta,
                                const lp_bf16 *__restrict__ d_out, lp_bf16 *__restrict__ dk,
                                lp_bf16 *__restrict__ dv, int seq, int n_heads, int n_kv_heads, float scale) {
    typedef lp_tc_cfg<D> C;
    constexpr int TILE = C::tile, R = LP_TC_ROWS;
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, g = lane >> 2, t = lane & 3;
    const int j0 = blockIdx.x * R, kvh = blockIdx.y; /* largest key tiles (most queries) are blockIdx 0.. */
    const int64_t b = blockIdx.z;
    const int group = n_heads / n_kv_heads;

    lp_bf16 *ks = lp_tc_smem();                                        /* [64×ld] keys of the tile */
    lp_bf16 *vs = ks + TILE;                                           /* [64×ld] values of the tile */
    lp_bf16 *qs = vs + TILE;                                           /* [2][64×ld] streamed queries */
    lp_bf16 *dos = qs + 2 * TILE;                                      /* [2][64×ld] streamed dO */
    float *lse_s = reinterpret_cast<float *>(dos + 2 * TILE);          /* [2][64] lse·log2 e */
    float *delta_s = lse_s + 2 * R;                                    /* [2][64] */
    int32_t *seg_k = reinterpret_cast<int32_t *>(delta_s + 2 * R);     /* [64] */
    int32_t *seg_q = seg_k + R;                                        /* [2][64] */

    const int64_t q_stride = (int64_t)n_heads * D, kv_stride = (int64_t)n_kv_heads * D;
    const int64_t seq_first = b * seq;
    const int32_t *seg = segment_ids != NULL ? segment_ids + seq_first : NULL;
    const int k_valid = min(R, seq - j0);
    const int64_t kv_offset = (seq_first + j0) * kv_stride + (int64_t)kvh * D;
    lp_tc_load_tile<D>(ks, k + kv_offset, kv_stride, k_valid);
    lp_tc_load_tile<D>(vs, v + kv_offset, kv_stride, k_valid);
    lp_tc_load_segments(seg_k, seg != NULL ? seg + j0 : NULL, k_valid, -2);

    const int first_qt = blockIdx.x;                       /* causal: query tiles before the key tile see none */
    const int n_qt = (seq + R - 1) / R - first_qt;         /* query tiles per head */
    const int total = group * n_qt;
    /* Query tile `it` of the flattened (head, tile) loop into buffer buf; one commit group. */
    auto load_q = [&](int it, int buf) {
        const int h = kvh * group + it / n_qt, i0 = (first_qt + it % n_qt) * R;
        const int q_valid = min(R, seq - i0);
        const int64_t q_offset = (seq_first + i0) * q_stride + (int64_t)h * D;
        lp_tc_load_tile<D>(qs + buf * TILE, q + q_offset, q_stride, q_valid);
        lp_tc_load_tile<D>(dos + buf * TILE, d_out + q_offset, q_stride, q_valid);
        const int r = threadIdx.x;
        if (r < R) {
            const int64_t stat = ((int64_t)b * n_heads + h) * seq + i0 + r; /* index into lse / delta */
            lse_s[buf * R + r] = r < q_valid ? lse[stat] * LP_TC_LOG2E : 0.0f;
            delta_s[buf * R + r] = r < q_valid ? delta[stat] : 0.0f;
        }
        lp_tc_load_segments(seg_q + buf * R, seg != NULL ? seg + i0 : NULL, q_valid, -1);
        lp_tc_cp_async_commit();
    };
    load_q(0, 0); /* the key / value copies join this first group */

    const float scale_log2 = scale * LP_TC_LOG2E;
    const int key0 = j0 + warp * 16 + g; /* this lane's key rows: key0 (e = 0, 1) and key0 + 8 (e = 2, 3) */
    int32_t my_seg[2] = {0, 0};
    float acc_dk[C::dtiles][4], acc_dv[C::dtiles][4]; /* dK_w / scale, dV_w [16×D] */
#pragma unroll
    for (int n = 0; n < C::dtiles; n++)
#pragma unroll
        for (int e = 0; e < 4; e++) acc_dk[n][e] = acc_dv[n][e] = 0.0f;
    const lp_tc_a_shared<D> ka(ks + warp * 16 * C::ld), va(vs + warp * 16 * C::ld);

    for (int it = 0; it < total; it++) {
        const int buf = it & 1, i0 = (first_qt + it % n_qt) * R;
        if (it + 1 < total) {
            load_q(it + 1, buf ^ 1);
            lp_tc_cp_async_wait<1>();
        } else {
            lp_tc_cp_async_wait<0>();
        }
        __syncthreads();
        if (it == 0) {
            my_seg[0] = seg_k[warp * 16 + g];
            my_seg[1] = seg_k[warp * 16 + g + 8];
        }
        const lp_bf16 *qt = qs + buf * TILE, *dot = dos + buf * TILE;
        const float *lse_t = lse_s + buf * R, *delta_t = delta_s + buf * R;
        const int32_t *sq = seg_q + buf * R;

        /* Sᵀ [16×64] = K_w · Qᵀ → Pᵀ (in place) */
        float p[8][4];
#pragma unroll
        for (int n = 0; n < 8; n++) p[n][0] = p[n][1] = p[n][2] = p[n][3] = 0.0f;
        lp_tc_mma_abt<D>(p, ka, qt);
        /* masked on the diagonal tile (causal), the last tile (queries past seq) and with segments */
        const bool masked = seg != NULL || i0 == j0 || i0 + R > seq;
#pragma unroll
        for (int n = 0; n < 8; n++)
#pragma unroll
            for (int e = 0; e < 4; e++) {
                const int col = 8 * n + 2 * t + (e & 1); /* query i0 + col */
                float x = exp2f(fmaf(p[n][e], scale_log2, -lse_t[col]));
                if (masked) {
                    const int i = i0 + col, j = key0 + 8 * (e >> 1);
                    if (j > i || i >= seq || sq[col] != my_seg[e >> 1]) x = 0.0f;
                }
                p[n][e] = x;
            }

        /* dV_w += Pᵀ · dO  ([16×64]·[64×D]); from here on P lives only as bf16 fragments */
        uint32_t pa[4][4];
        lp_tc_c_to_a(p, pa);
        lp_tc_mma_ab<D>(acc_dv, pa, dot);

        /* dPᵀ [16×64] = V_w · dOᵀ → dSᵀ = Pᵀ ⊙ (dPᵀ − delta) (in place, with the bf16 Pᵀ that dV used:
         * dSᵀ is rounded to bf16 for its one use below anyway, and fp32 Pᵀ would not fit the registers) */
        float ds[8][4];
#pragma unroll
        for (int n = 0; n < 8; n++) ds[n][0] = ds[n][1] = ds[n][2] = ds[n][3] = 0.0f;
        lp_tc_mma_abt<D>(ds, va, dot);
#pragma unroll
        for (int n = 0; n < 8; n++)
#pragma unroll
            for (int hr = 0; hr < 2; hr++) {
                /* the pair (row g + 8hr, cols 8n + 2t, +1) is packed in pa[n / 2][2(n % 2) + hr] */
                const float2 pp = __bfloat1622float2(
                    *reinterpret_cast<const __nv_bfloat162 *>(&pa[n >> 1][2 * (n & 1) + hr]));
                const int col = 8 * n + 2 * t;
                ds[n][2 * hr] = pp.x * (ds[n][2 * hr] - delta_t[col]);
                ds[n][2 * hr + 1] = pp.y * (ds[n][2 * hr + 1] - delta_t[col + 1]);
            }

        /* dK_w += dSᵀ · Q  ([16×64]·[64×D]) */
        lp_tc_c_to_a(ds, pa);
        lp_tc_mma_ab<D>(acc_dk, pa, qt);
        __syncthreads(); /* buffer buf consumed */
    }

    /* rows of the own key tile are free now: stage through them */
    const int w_valid = min(16, seq - (j0 + warp * 16));
    const int64_t out_offset = (seq_first + j0 + warp * 16) * kv_stride + (int64_t)kvh * D;
    const float mul_dk[2] = {scale, scale}, mul_dv[2] = {1.0f, 1.0f};
    lp_tc_store_rows<D>(acc_dk, mul_dk, ks, dk + out_offset, kv_stride, w_valid);
    lp_tc_store_rows<D>(acc_dv, mul_dv, vs, dv + out_offset, kv_stride, w_valid);
}

/*
 * dq [tokens×n_heads×D] bf16 (overwritten) for one tile of 64 queries of one head of one sequence;
 * warp w owns queries 16w..16w+15 and streams the key / value tiles 0..diagonal (double-buffered):
 *   S [16×64] = Q_w·Kᵀ → P;   dP [16×64] = dO_w·Vᵀ;   dS = P ⊙ (dP − delta);   dQ_w [16×D] += dS·K
 * grid (⌈seq/64⌉, n_heads, batch), LP_TC_THREADS threads, lp_tc_dq_smem_bytes<D>() shared bytes.
 */
template <int D>
__global__ void __launch_bounds__(LP_TC_THREADS, 2)
    lp_attention_tc_dq_kernel(const lp_bf16 *__restrict__ q, const lp_bf16 *__restrict__ k,
                              const lp_bf16 *__restrict__ v, const int32_t *__restrict__ segment_ids,
                              const float *__restrict__ lse, const float *__restrict__ delta,
                              const lp_bf16 *__restrict__ d_out, lp_bf16 *__restrict__ dq, int seq, int n_heads,
                              int n_kv_heads, float scale) {
    typedef lp_tc_cfg<D> C;
    constexpr int TILE = C::tile, R = LP_TC_ROWS;
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, g = lane >> 2, t = lane & 3;
    const int q0 = (int)(gridDim.x - 1 - blockIdx.x) * R; /* last tile first */
    const int h = blockIdx.y;
    const int64_t b = blockIdx.z;
    const int kvh = h / (n_heads / n_kv_heads);

    lp_bf16 *qs = lp_tc_smem();                                        /* [64×ld] queries of the tile */
    lp_bf16 *dos = qs + TILE;                                          /* [64×ld] dO of the tile */
    lp_bf16 *ks = dos + TILE;                                          /* [2][64×ld] streamed keys */
    lp_bf16 *vs = ks + 2 * TILE;                                       /* [2][64×ld] streamed values */
    int32_t *seg_q = reinterpret_cast<int32_t *>(vs + 2 * TILE);       /* [64] */
    int32_t *seg_k = seg_q + R;                                        /* [2][64] */

    const int64_t q_stride = (int64_t)n_heads * D, kv_stride = (int64_t)n_kv_heads * D;
    const int64_t seq_first = b * seq;
    const int32_t *seg = segment_ids != NULL ? segment_ids + seq_first : NULL;
    const lp_bf16 *k_head = k + seq_first * kv_stride + (int64_t)kvh * D;
    const lp_bf16 *v_head = v + seq_first * kv_stride + (int64_t)kvh * D;
    const int q_valid = min(R, seq - q0);
    const int n_tiles = q0 / R + 1;
    const int64_t q_offset = (seq_first + q0) * q_stride + (int64_t)h * D;

    auto load_kv = [&](int tile, int buf) {
        const int k0 = tile * R, k_valid = min(R, seq - k0);
        lp_tc_load_tile<D>(ks + buf * TILE, k_head + (int64_t)k0 * kv_stride, kv_stride, k_valid);
        lp_tc_load_tile<D>(vs + buf * TILE, v_head + (int64_t)k0 * kv_stride, kv_stride, k_valid);
        lp_tc_load_segments(seg_k + buf * R, seg != NULL ? seg + k0 : NULL, k_valid, -2);
        lp_tc_cp_async_commit();
    };
    lp_tc_load_tile<D>(qs, q + q_offset, q_stride, q_valid);
    lp_tc_load_tile<D>(dos, d_out + q_offset, q_stride, q_valid);
    lp_tc_load_segments(seg_q, seg != NULL ? seg + q0 : NULL, q_valid, -1);
    load_kv(0, 0);

    const float scale_log2 = scale * LP_TC_LOG2E;
    const int row0 = q0 + warp * 16 + g; /* this lane's query rows: row0 (e = 0, 1), row0 + 8 (e = 2, 3) */
    float lse2[2], delta_r[2];
#pragma unroll
    for (int hr = 0; hr < 2; hr++) {
        const int i = row0 + 8 * hr;
        const int64_t stat = ((int64_t)b * n_heads + h) * seq + i;
        lse2[hr] = i < seq ? lse[stat] * LP_TC_LOG2E : 0.0f;
        delta_r[hr] = i < seq ? delta[stat] : 0.0f;
    }
    int32_t my_seg[2] = {0, 0};
    float acc[C::dtiles][4]; /* dQ_w / scale [16×D] */
#pragma unroll
    for (int n = 0; n < C::dtiles; n++) acc[n][0] = acc[n][1] = acc[n][2] = acc[n][3] = 0.0f;
    const lp_tc_a_shared<D> qa(qs + warp * 16 * C::ld), da(dos + warp * 16 * C::ld);

    for (int it = 0; it < n_tiles; it++) {
        const int buf = it & 1, k0 = it * R;
        if (it + 1 < n_tiles) {
            load_kv(it + 1, buf ^ 1);
            lp_tc_cp_async_wait<1>();
        } else {
            lp_tc_cp_async_wait<0>();
        }
        __syncthreads();
        if (it == 0) {
            my_seg[0] = seg_q[warp * 16 + g];
            my_seg[1] = seg_q[warp * 16 + g + 8];
        }
        const lp_bf16 *kt = ks + buf * TILE, *vt = vs + buf * TILE;
        const int32_t *sk = seg_k + buf * R;

        /* S [16×64] = Q_w · Kᵀ → P (in place) */
        float p[8][4];
#pragma unroll
        for (int n = 0; n < 8; n++) p[n][0] = p[n][1] = p[n][2] = p[n][3] = 0.0f;
        lp_tc_mma_abt<D>(p, qa, kt);
        const bool masked = seg != NULL || k0 == q0; /* the diagonal tile holds every key past seq */
#pragma unroll
        for (int n = 0; n < 8; n++)
#pragma unroll
            for (int e = 0; e < 4; e++) {
                const int col = 8 * n + 2 * t + (e & 1); /* key k0 + col */
                float x = exp2f(fmaf(p[n][e], scale_log2, -lse2[e >> 1]));
                if (masked && (k0 + col > row0 + 8 * (e >> 1) || sk[col] != my_seg[e >> 1])) x = 0.0f;
                p[n][e] = x;
            }

        /* dP [16×64] = dO_w · Vᵀ → dS = P ⊙ (dP − delta) (in place) */
        float ds[8][4];
#pragma unroll
        for (int n = 0; n < 8; n++) ds[n][0] = ds[n][1] = ds[n][2] = ds[n][3] = 0.0f;
        lp_tc_mma_abt<D>(ds, da, vt);
#pragma unroll
        for (int n = 0; n < 8; n++)
#pragma unroll
            for (int e = 0; e < 4; e++) ds[n][e] = p[n][e] * (ds[n][e] - delta_r[e >> 1]);

        /* dQ_w [16×D] += dS [16×64] · K [64×D] */
        uint32_t a[4][4];
        lp_tc_c_to_a(ds, a);
        lp_tc_mma_ab<D>(acc, a, kt);
        __syncthreads(); /* buffer buf consumed */
    }

    const int w_valid = min(16, seq - (q0 + warp * 16));
    const float mul[2] = {scale, scale};
    lp_tc_store_rows<D>(acc, mul, qs, dq + q_offset + (int64_t)warp * 16 * q_stride, q_stride, w_valid);
}

#endif /* LORAPAR_ATTENTION_TC_BWD_CUH */
