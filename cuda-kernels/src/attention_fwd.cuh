/*
 * attention_fwd.cuh — the causal GQA attention forward kernel (flash-style, fp32 scalar arithmetic).
 * One block per (query tile of `rows` rows, query head, sequence); key / value tiles of fwd_cols rows are
 * streamed through shared memory with an online softmax: per query row the running max m, the running
 * sum l of e^{s − m} and the fp32 output accumulator, rescaled by e^{m_old − m_new} at each tile.
 * Layout and thread mapping: attention_tile.cuh.
 */
#ifndef LORAPAR_ATTENTION_FWD_CUH
#define LORAPAR_ATTENTION_FWD_CUH

#include "attention_tile.cuh"

/*
 * q [tokens×n_heads×d], k, v [tokens×n_kv_heads×d], segment_ids [tokens] i32 or NULL, out like q,
 * lse [batch×n_heads×seq] f32 or NULL (skipped). tokens = batch·seq. FIXED: d == DMAX (compile-time loops),
 * else any d ≤ DMAX. grid (⌈seq / rows⌉, n_heads, batch), LP_ATTN_THREADS threads,
 * lp_attn_fwd_smem_bytes<DMAX>(d) dynamic shared bytes.
 */
template <class T, int DMAX, bool FIXED>
__global__ void __launch_bounds__(LP_ATTN_THREADS, 1)
    lp_attention_forward_kernel(const T *__restrict__ q, const T *__restrict__ k, const T *__restrict__ v,
                                const int32_t *__restrict__ segment_ids, T *__restrict__ out, float *__restrict__ lse,
                                int seq, int n_heads, int n_kv_heads, int d_arg, float scale) {
    typedef lp_attn_cfg<DMAX> C;
    constexpr int R = C::rows, N = C::fwd_cols, TPR = C::tpr, SPT = N / TPR, DPT = C::dpt;
    const int d = FIXED ? DMAX : d_arg;
    const int ld = d + 1;
    const int q0 = blockIdx.x * R, h = blockIdx.y;
    const int64_t b = blockIdx.z;
    const int kvh = h / (n_heads / n_kv_heads);
    const int r = threadIdx.x / TPR, lane = threadIdx.x % TPR;
    const int i = q0 + r;                /* this thread's query row in the sequence */
    const bool row_valid = i < seq;

    float *qs = lp_attn_smem();                                  /* [R×ld] queries of the tile */
    float *kvs = qs + R * ld;                                    /* [N×ld] keys, then values */
    float *ps = kvs + N * ld;                                    /* [R×(N+1)] probabilities */
    int32_t *seg_q = reinterpret_cast<int32_t *>(ps + R * (N + 1)); /* [R] */
    int32_t *seg_k = seg_q + R;                                  /* [N] */

    const int64_t q_stride = (int64_t)n_heads * d, kv_stride = (int64_t)n_kv_heads * d;
    const int64_t seq_first = b * seq; /* token index of this sequence's first row */
    const int32_t *seg = segment_ids != NULL ? segment_ids + seq_first : NULL;
    const int q_valid = min(R, seq - q0);
    lp_attn_load_tile(qs, ld, q + (seq_first + q0) * q_stride + (int64_t)h * d, q_stride, R, q_valid, d);
    lp_attn_load_segments(seg_q, seg != NULL ? seg + q0 : NULL, R, q_valid);
    __syncthreads();
    const int32_t my_seg = seg_q[r];

    float m_run = -INFINITY; /* running max of this row (same in every lane of the row) */
    float l_part = 0.0f;     /* this lane's share of the running sum of e^{s − m_run} */
    float acc[DPT];          /* out[i, lane + TPR·k], unnormalised */
#pragma unroll
    for (int kk = 0; kk < DPT; kk++) acc[kk] = 0.0f;

    const int key_end = min(seq, q0 + R); /* causal: no row of the tile sees a key ≥ key_end */
    const T *k_head = k + seq_first * kv_stride + (int64_t)kvh * d;
    const T *v_head = v + seq_first * kv_stride + (int64_t)kvh * d;
    for (int k0 = 0; k0 < key_end; k0 += N) {
        const int k_valid = min(N, seq - k0);
        __syncthreads(); /* the previous tile's values and probabilities are consumed */
        lp_attn_load_tile(kvs, ld, k_head + (int64_t)k0 * kv_stride, kv_stride, N, k_valid, d);
        lp_attn_load_segments(seg_k, seg != NULL ? seg + k0 : NULL, N, k_valid);
        __syncthreads();

        float s[SPT];
#pragma unroll
        for (int m = 0; m < SPT; m++) s[m] = 0.0f;
        for (int x = 0; x < d; x++) {
            const float qx = qs[r * ld + x];
#pragma unroll
            for (int m = 0; m < SPT; m++) s[m] += qx * kvs[(lane + TPR * m) * ld + x];
        }
        float tile_max = -INFINITY;
#pragma unroll
        for (int m = 0; m < SPT; m++) {
            const int n = lane + TPR * m, j = k0 + n;
            const bool valid = row_valid && j <= i && seg_k[n] == my_seg;
            s[m] = valid ? scale * s[m] : -INFINITY;
            tile_max = fmaxf(tile_max, s[m]);
        }
        tile_max = lp_attn_group_max<TPR>(tile_max);
        const float m_new = fmaxf(m_run, tile_max);
        /* m_new = −∞: no key seen yet by this row; everything stays 0 (avoids −∞ − −∞). */
        const float alpha = m_new == -INFINITY ? 1.0f : expf(m_run - m_new);
        float p_sum = 0.0f;
#pragma unroll
        for (int m = 0; m < SPT; m++) {
            const float p = m_new == -INFINITY ? 0.0f : expf(s[m] - m_new);
            ps[r * (N + 1) + lane + TPR * m] = p;
            p_sum += p;
        }
        l_part = l_part * alpha + p_sum;
        m_run = m_new;
        __syncthreads(); /* keys consumed, probabilities written */
        lp_attn_load_tile(kvs, ld, v_head + (int64_t)k0 * kv_stride, kv_stride, N, k_valid, d);
        __syncthreads();

#pragma unroll
        for (int kk = 0; kk < DPT; kk++) acc[kk] *= alpha;
        for (int n = 0; n < N; n++) {
            const float p = ps[r * (N + 1) + n];
#pragma unroll
            for (int kk = 0; kk < DPT; kk++) {
                const int c = lane + TPR * kk;
                if (FIXED || c < d) acc[kk] += p * kvs[n * ld + c];
            }
        }
    }

    const float l = lp_attn_group_sum<TPR>(l_part);
    if (!row_valid) return; /* after the last shuffle: every lane took part in it */
    const float inv_l = 1.0f / l;
    T *out_row = out + (seq_first + i) * q_stride + (int64_t)h * d;
#pragma unroll
    for (int kk = 0; kk < DPT; kk++) {
        const int c = lane + TPR * kk;
        if (FIXED || c < d) out_row[c] = lp_from_float<T>(acc[kk] * inv_l);
    }
    if (lse != NULL && lane == 0) lse[((int64_t)b * n_heads + h) * seq + i] = m_run + logf(l);
}

#endif /* LORAPAR_ATTENTION_FWD_CUH */
