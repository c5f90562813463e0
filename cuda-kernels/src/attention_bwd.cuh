/*
 * attention_bwd.cuh — the causal GQA attention backward kernels, FlashAttention-2 style, fp32 scalar
 * arithmetic, deterministic (no atomics: every output element is written by exactly one thread, which
 * sums in a fixed order). With s_ij = scale·q_i·k_j, p_ij = e^{s_ij − lse_i} (masked: 0):
 *   delta_i = Σ_c dO_ic · O_ic                                   lp_attention_delta_kernel
 *   dV_j = Σ_{h in group} Σ_i p_ij dO_i                           lp_attention_dkdv_kernel
 *   dK_j = scale · Σ_{h in group} Σ_i dS_ij q_i,  dS_ij = p_ij (dO_i·v_j − delta_i)
 *   dQ_i = scale · Σ_j dS_ij k_j                                  lp_attention_dq_kernel
 * Layout and thread mapping: attention_tile.cuh.
 */
#ifndef LORAPAR_ATTENTION_BWD_CUH
#define LORAPAR_ATTENTION_BWD_CUH

#include "attention_tile.cuh"

/*
 * delta [batch×n_heads×seq] f32 = rowsum(d_out ⊙ out); out, d_out [tokens×n_heads×d]. One warp per
 * (token, head) row, grid-stride over rows; LP_THREADS threads per block.
 */
template <class T>
__global__ void lp_attention_delta_kernel(const T *__restrict__ out, const T *__restrict__ d_out,
                                          float *__restrict__ delta, int64_t rows, int seq, int n_heads, int d) {
    const int lane = threadIdx.x & 31;
    const int64_t warps = lp_grid_stride() / 32;
    for (int64_t row = lp_thread_index() / 32; row < rows; row += warps) {
        const T *o = out + row * d, *g = d_out + row * d;
        float acc = 0.0f;
        for (int x = lane; x < d; x += 32) acc += lp_to_float(g[x]) * lp_to_float(o[x]);
#pragma unroll
        for (int offset = 16; offset > 0; offset >>= 1) acc += __shfl_xor_sync(0xffffffffu, acc, offset);
        if (lane == 0) {
            const int64_t token = row / n_heads, b = token / seq;
            const int h = (int)(row - token * n_heads), i = (int)(token - b * seq);
            delta[(b * n_heads + h) * seq + i] = acc;
        }
    }
}

/*
 * dk, dv [tokens×n_kv_heads×d] (overwritten) for one key tile of `rows` keys of one kv head of one
 * sequence, summed over the query heads of its group and the query tiles (of bwd_cols rows) at or after
 * the key tile. lse, delta [batch×n_heads×seq] f32. grid (⌈seq / rows⌉, n_kv_heads, batch),
 * LP_ATTN_THREADS threads, lp_attn_dkdv_smem_bytes<DMAX>(d) dynamic shared bytes.
 */
template <class T, int DMAX, bool FIXED>
__global__ void __launch_bounds__(LP_ATTN_THREADS, 1)
    lp_attention_dkdv_kernel(const T *__restrict__ q, const T *__restrict__ k, const T *__restrict__ v,
                             const int32_t *__restrict__ segment_ids, const float *__restrict__ lse,
                             const float *__restrict__ delta, const T *__restrict__ d_out, T *__restrict__ dk,
                             T *__restrict__ dv, int seq, int n_heads, int n_kv_heads, int d_arg, float scale) {
    typedef lp_attn_cfg<DMAX> C;
    constexpr int R = C::rows, N = C::bwd_cols, TPR = C::tpr, SPT = N / TPR, DPT = C::dpt;
    const int d = FIXED ? DMAX : d_arg;
    const int ld = d + 1;
    const int j0 = blockIdx.x * R, kvh = blockIdx.y;
    const int64_t b = blockIdx.z;
    const int group = n_heads / n_kv_heads;
    const int r = threadIdx.x / TPR, lane = threadIdx.x % TPR;
    const int j = j0 + r; /* this thread's key row in the sequence */
    const bool key_valid = j < seq;

    float *ks = lp_attn_smem();            /* [R×ld] keys of the tile */
    float *vs = ks + R * ld;               /* [R×ld] values of the tile */
    float *qs = vs + R * ld;               /* [N×ld] streamed queries */
    float *dos = qs + N * ld;              /* [N×ld] streamed output gradients */
    float *ps = dos + N * ld;              /* [R×(N+1)] p_ji */
    float *dss = ps + R * (N + 1);         /* [R×(N+1)] dS_ji */
    float *lse_s = dss + R * (N + 1);      /* [N] */
    float *delta_s = lse_s + N;            /* [N] */
    int32_t *seg_k = reinterpret_cast<int32_t *>(delta_s + N); /* [R] */
    int32_t *seg_q = seg_k + R;                                /* [N] */

    const int64_t q_stride = (int64_t)n_heads * d, kv_stride = (int64_t)n_kv_heads * d;
    const int64_t seq_first = b * seq;
    const int32_t *seg = segment_ids != NULL ? segment_ids + seq_first : NULL;
    const int k_valid = min(R, seq - j0);
    const int64_t kv_offset = (seq_first + j0) * kv_stride + (int64_t)kvh * d;
    lp_attn_load_tile(ks, ld, k + kv_offset, kv_stride, R, k_valid, d);
    lp_attn_load_tile(vs, ld, v + kv_offset, kv_stride, R, k_valid, d);
    lp_attn_load_segments(seg_k, seg != NULL ? seg + j0 : NULL, R, k_valid);
    __syncthreads();
    const int32_t my_seg = seg_k[r];

    float acc_dk[DPT], acc_dv[DPT]; /* dK, dV [j, lane + TPR·k] */
#pragma unroll
    for (int kk = 0; kk < DPT; kk++) acc_dk[kk] = acc_dv[kk] = 0.0f;

    for (int g = 0; g < group; g++) {
        const int h = kvh * group + g;
        const float *lse_h = lse + ((int64_t)b * n_heads + h) * seq;
        const float *delta_h = delta + ((int64_t)b * n_heads + h) * seq;
        for (int q0 = j0; q0 < seq; q0 += N) { /* causal: queries before j0 see no key of the tile */
            const int q_valid = min(N, seq - q0);
            __syncthreads(); /* the previous query tile is consumed */
            const int64_t q_offset = (seq_first + q0) * q_stride + (int64_t)h * d;
            lp_attn_load_tile(qs, ld, q + q_offset, q_stride, N, q_valid, d);
            lp_attn_load_tile(dos, ld, d_out + q_offset, q_stride, N, q_valid, d);
            lp_attn_load_segments(seg_q, seg != NULL ? seg + q0 : NULL, N, q_valid);
            for (int t = threadIdx.x; t < N; t += LP_ATTN_THREADS) {
                lse_s[t] = t < q_valid ? lse_h[q0 + t] : 0.0f;
                delta_s[t] = t < q_valid ? delta_h[q0 + t] : 0.0f;
            }
            __syncthreads();

            float s[SPT], dp[SPT]; /* k_j·q_i and v_j·dO_i for i = q0 + lane + TPR·m */
#pragma unroll
            for (int m = 0; m < SPT; m++) s[m] = dp[m] = 0.0f;
            for (int x = 0; x < d; x++) {
                const float kx = ks[r * ld + x], vx = vs[r * ld + x];
#pragma unroll
                for (int m = 0; m < SPT; m++) {
                    const int n = lane + TPR * m;
                    s[m] += kx * qs[n * ld + x];
                    dp[m] += vx * dos[n * ld + x];
                }
            }
#pragma unroll
            for (int m = 0; m < SPT; m++) {
                const int n = lane + TPR * m, i = q0 + n;
                const bool valid = key_valid && i < seq && j <= i && seg_q[n] == my_seg;
                const float p = valid ? expf(scale * s[m] - lse_s[n]) : 0.0f;
                ps[r * (N + 1) + n] = p;
                dss[r * (N + 1) + n] = p * (dp[m] - delta_s[n]);
            }
            __syncthreads();

            for (int n = 0; n < N; n++) {
                const float p = ps[r * (N + 1) + n], ds = dss[r * (N + 1) + n];
#pragma unroll
                for (int kk = 0; kk < DPT; kk++) {
                    const int c = lane + TPR * kk;
                    if (FIXED || c < d) {
                        acc_dv[kk] += p * dos[n * ld + c];
                        acc_dk[kk] += ds * qs[n * ld + c];
                    }
                }
            }
        }
    }

    if (!key_valid) return;
    const int64_t row = (seq_first + j) * kv_stride + (int64_t)kvh * d;
#pragma unroll
    for (int kk = 0; kk < DPT; kk++) {
        const int c = lane + TPR * kk;
        if (FIXED || c < d) {
            dk[row + c] = lp_from_float<T>(scale * acc_dk[kk]);
            dv[row + c] = lp_from_float<T>(acc_dv[kk]);
        }
    }
}

/*
 * dq [tokens×n_heads×d] (overwritten) for one query tile of `rows` queries of one head of one sequence,
 * streaming the key / value tiles (bwd_cols rows) up to the tile's last query. grid (⌈seq / rows⌉,
 * n_heads, batch), LP_ATTN_THREADS threads, lp_attn_dq_smem_bytes<DMAX>(d) dynamic shared bytes.
 */
template <class T, int DMAX, bool FIXED>
__global__ void __launch_bounds__(LP_ATTN_THREADS, 1)
    lp_attention_dq_kernel(const T *__restrict__ q, const T *__restrict__ k, const T *__restrict__ v,
                           const int32_t *__restrict__ segment_ids, const float *__restrict__ lse,
                           const float *__restrict__ delta, const T *__restrict__ d_out, T *__restrict__ dq,
                           int seq, int n_heads, int n_kv_heads, int d_arg, float scale) {
    typedef lp_attn_cfg<DMAX> C;
    constexpr int R = C::rows, N = C::bwd_cols, TPR = C::tpr, SPT = N / TPR, DPT = C::dpt;
    const int d = FIXED ? DMAX : d_arg;
    const int ld = d + 1;
    const int q0 = blockIdx.x * R, h = blockIdx.y;
    const int64_t b = blockIdx.z;
    const int kvh = h / (n_heads / n_kv_heads);
    const int r = threadIdx.x / TPR, lane = threadIdx.x % TPR;
    const int i = q0 + r; /* this thread's query row in the sequence */
    const bool row_valid = i < seq;

    float *qs = lp_attn_smem();            /* [R×ld] queries of the tile */
    float *dos = qs + R * ld;              /* [R×ld] output gradients of the tile */
    float *ks = dos + R * ld;              /* [N×ld] streamed keys */
    float *vs = ks + N * ld;               /* [N×ld] streamed values */
    float *dss = vs + N * ld;              /* [R×(N+1)] dS_ij */
    int32_t *seg_q = reinterpret_cast<int32_t *>(dss + R * (N + 1)); /* [R] */
    int32_t *seg_k = seg_q + R;                                      /* [N] */

    const int64_t q_stride = (int64_t)n_heads * d, kv_stride = (int64_t)n_kv_heads * d;
    const int64_t seq_first = b * seq;
    const int32_t *seg = segment_ids != NULL ? segment_ids + seq_first : NULL;
    const int q_valid = min(R, seq - q0);
    const int64_t q_offset = (seq_first + q0) * q_stride + (int64_t)h * d;
    lp_attn_load_tile(qs, ld, q + q_offset, q_stride, R, q_valid, d);
    lp_attn_load_tile(dos, ld, d_out + q_offset, q_stride, R, q_valid, d);
    lp_attn_load_segments(seg_q, seg != NULL ? seg + q0 : NULL, R, q_valid);
    __syncthreads();
    const int32_t my_seg = seg_q[r];
    const int64_t stat = ((int64_t)b * n_heads + h) * seq + i; /* index into lse / delta */
    const float lse_i = row_valid ? lse[stat] : 0.0f;
    const float delta_i = row_valid ? delta[stat] : 0.0f;

    float acc[DPT]; /* dQ [i, lane + TPR·k] / scale */
#pragma unroll
    for (int kk = 0; kk < DPT; kk++) acc[kk] = 0.0f;

    const int key_end = min(seq, q0 + R);
    const T *k_head = k + seq_first * kv_stride + (int64_t)kvh * d;
    const T *v_head = v + seq_first * kv_stride + (int64_t)kvh * d;
    for (int k0 = 0; k0 < key_end; k0 += N) {
        const int k_valid = min(N, seq - k0);
        __syncthreads(); /* the previous key tile is consumed */
        lp_attn_load_tile(ks, ld, k_head + (int64_t)k0 * kv_stride, kv_stride, N, k_valid, d);
        lp_attn_load_tile(vs, ld, v_head + (int64_t)k0 * kv_stride, kv_stride, N, k_valid, d);
        lp_attn_load_segments(seg_k, seg != NULL ? seg + k0 : NULL, N, k_valid);
        __syncthreads();

        float s[SPT], dp[SPT]; /* q_i·k_j and dO_i·v_j for j = k0 + lane + TPR·m */
#pragma unroll
        for (int m = 0; m < SPT; m++) s[m] = dp[m] = 0.0f;
        for (int x = 0; x < d; x++) {
            const float qx = qs[r * ld + x], gx = dos[r * ld + x];
#pragma unroll
            for (int m = 0; m < SPT; m++) {
                const int n = lane + TPR * m;
                s[m] += qx * ks[n * ld + x];
                dp[m] += gx * vs[n * ld + x];
            }
        }
#pragma unroll
        for (int m = 0; m < SPT; m++) {
            const int n = lane + TPR * m, j = k0 + n;
            const bool valid = row_valid && j <= i && seg_k[n] == my_seg;
            const float p = valid ? expf(scale * s[m] - lse_i) : 0.0f;
            dss[r * (N + 1) + n] = p * (dp[m] - delta_i);
        }
        __syncthreads();

        for (int n = 0; n < N; n++) {
            const float ds = dss[r * (N + 1) + n];
#pragma unroll
            for (int kk = 0; kk < DPT; kk++) {
                const int c = lane + TPR * kk;
                if (FIXED || c < d) acc[kk] += ds * ks[n * ld + c];
            }
        }
    }

    if (!row_valid) return;
    T *dq_row = dq + (seq_first + i) * q_stride + (int64_t)h * d;
#pragma unroll
    for (int kk = 0; kk < DPT; kk++) {
        const int c = lane + TPR * kk;
        if (FIXED || c < d) dq_row[c] = lp_from_float<T>(scale * acc[kk]);
    }
}

#endif /* LORAPAR_ATTENTION_BWD_CUH */
