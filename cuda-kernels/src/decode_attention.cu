/*
 * decode_attention.cu — the KV-cache ops of token generation on CUDA (contracts: lorapar.h):
 *  - lp_cuda_kv_cache_write: a grid-stride copy of rows into cache slots (16-byte units when rows and
 *    pointers allow), rows with a slot outside [0, cache_slots) skipped;
 *  - lp_cuda_attention_decode: flash-decoding. The keys 0..max_len−1 of a sequence are cut into chunks;
 *    block (chunk, kv head [, head slice], sequence) runs an online softmax over its chunk for the query
 *    heads of one kv head (GQA: up to 4, sharing every k / v load; MHA: 1, so the registers of 3 unused
 *    heads do not halve the blocks resident per multiprocessor) and writes unnormalised partial results;
 *    a combine kernel merges the chunks of each (sequence, head). When one chunk covers max_len, the block
 *    writes the normalised output itself and there is no combine pass. The grid depends on max_len only:
 *    blocks whose chunk starts at or past lengths[b] return at once, so the launch is the same for every
 *    step and can be captured in a CUDA graph. Partials live in the stream's scratch arena. With a prefix
 *    table, the keys a sequence shares with another row (its prompt) are read from that row: the G
 *    sequences of one prompt, neighbours in the grid, then read the same addresses, mostly from L2.
 *    Inside a block: a key's head_dim elements are spread over head_dim/8 lanes (8 elements, one 16-byte
 *    bf16 load, each), so a warp handles 32/(head_dim/8) keys at a time; softmax in base 2 (scale·log2 e
 *    folded into q), fp32 throughout.
 */
#include <math.h>

#include "cuda_common.cuh"

#define LP_DEC_THREADS 128
#define LP_DEC_WARPS (LP_DEC_THREADS / 32)
#define LP_DEC_HEADS 4          /* query heads per block (of one kv head) at most: GQA groups */
#define LP_DEC_MAX_CHUNKS 1024  /* chunks per sequence at most (bounds the partials) */
#define LP_DEC_MAX_HEAD_DIM 256
#define LP_DEC_UNROLL 4         /* warp steps whose k / v loads are in flight together */

/* ------------------------------------------------------------------------------------ KV-cache write */

/* k_cache / v_cache unit e of slot[t] ← unit e of row t, for row_units units U per row. */
template <class U>
__global__ void lp_kv_cache_write_kernel(const U *k, const U *v, const int32_t *slot, U *k_cache, U *v_cache,
                                         int64_t rows, int64_t row_units, int64_t cache_slots) {
    lp_pdl_wait(); /* launched by lp_launch_pdl */
    const int64_t total = rows * row_units;
    for (int64_t i = lp_thread_index(); i < total; i += lp_grid_stride()) {
        const int64_t t = i / row_units, e = i - t * row_units;
        const int64_t s = slot[t];
        if (s < 0 || s >= cache_slots) continue; /* documented: skipped on CUDA */
        k_cache[s * row_units + e] = k[i];
        v_cache[s * row_units + e] = v[i];
    }
}

template <class U>
static lp_status lp_kv_cache_write_run(lp_stream stream, const void *k, const void *v, const int32_t *slot,
                                       void *k_cache, void *v_cache, int64_t rows, int64_t row_bytes,
                                       int64_t cache_slots) {
    const int64_t row_units = row_bytes / (int64_t)sizeof(U);
    LP_CUDA_CHECK_PDL("lp_kv_cache_write_kernel",
                      lp_launch_pdl(stream, lp_kv_cache_write_kernel<U>, lp_cuda_grid(stream, rows * row_units),
                                    LP_THREADS, 0, static_cast<const U *>(k), static_cast<const U *>(v), slot,
                                    static_cast<U *>(k_cache), static_cast<U *>(v_cache), rows, row_units,
                                    cache_slots));
    return LP_OK;
}

extern "C" lp_status lp_cuda_kv_cache_write(lp_stream stream, lp_dtype dtype, int64_t rows, int64_t n_kv_heads,
                                            int64_t head_dim, const void *k, const void *v, const int32_t *slot,
                                            void *k_cache, void *v_cache, int64_t cache_slots) {
    LP_CHECK(lp_cuda_use_device(stream->device));
    const int64_t row_bytes = n_kv_heads * head_dim * (int64_t)lp_dtype_size(dtype); /* one [kvH×D] row */
    const uintptr_t addresses = (uintptr_t)k | (uintptr_t)v | (uintptr_t)k_cache | (uintptr_t)v_cache;
    if (row_bytes % 16 == 0 && (addresses & 15u) == 0)
        return lp_kv_cache_write_run<int4>(stream, k, v, slot, k_cache, v_cache, rows, row_bytes, cache_slots);
    if (dtype == LP_BF16)
        return lp_kv_cache_write_run<uint16_t>(stream, k, v, slot, k_cache, v_cache, rows, row_bytes, cache_slots);
    return lp_kv_cache_write_run<uint32_t>(stream, k, v, slot, k_cache, v_cache, rows, row_bytes, cache_slots);
}

/* ------------------------------------------------------------------------------- decode attention */

/* One call's geometry as the kernels take it. */
struct lp_dec_problem {
    int batch, n_heads, n_kv_heads, head_dim, max_len, group; /* group = n_heads / n_kv_heads */
    int head_slices;                                   /* ⌈group / heads per block⌉ blocks per kv head */
    int chunk, n_chunks;                               /* keys per chunk, chunks per sequence */
    float scale_log2;                                  /* scale · log2 e */
};

/* lanes per key (8 elements each) and keys per warp step for a head-dim bound DMAX ∈ {64, 128, 256}. */
template <int DMAX> struct lp_dec_cfg {
    static constexpr int lanes_per_key = DMAX / 8;
    static constexpr int keys_per_warp = 32 / lanes_per_key;
};

/* 8 elements [d0, d0+8) of one row, as loaded (VEC: head_dim % 8 == 0 and rows 16-byte aligned; raw
 * 16-byte vectors, converted when used) or as floats (scalar loads); zeros past head_dim. Loads are
 * issued for several keys before any is used, so raw storage keeps the registers in flight small. */
template <class T, bool VEC> struct lp_dec_row8 {
    static constexpr int parts = 8 / lp_vec16<T>::count; /* 16-byte vectors per 8 elements */
    lp_vec16<T> raw[VEC ? parts : 1];
    float f[VEC ? 1 : 8];

    __device__ __forceinline__ void load(const T *row, int d0, int head_dim) {
        if constexpr (VEC) {
            if (d0 < head_dim) {
#pragma unroll
                for (int p = 0; p < parts; p++) raw[p] = lp_load16(row + d0 + p * lp_vec16<T>::count);
            } else {
                zero();
            }
        } else {
#pragma unroll
            for (int e = 0; e < 8; e++) f[e] = d0 + e < head_dim ? lp_to_float(row[d0 + e]) : 0.0f;
        }
    }
    __device__ __forceinline__ void zero() {
        if constexpr (VEC) {
#pragma unroll
            for (int p = 0; p < parts; p++) *reinterpret_cast<int4 *>(&raw[p]) = make_int4(0, 0, 0, 0);
        } else {
#pragma unroll
            for (int e = 0; e < 8; e++) f[e] = 0.0f;
        }
    }
    __device__ __forceinline__ void to_float(float out[8]) const {
        if constexpr (VEC) {
#pragma unroll
            for (int p = 0; p < parts; p++)
#pragma unroll
                for (int e = 0; e < lp_vec16<T>::count; e++) out[p * lp_vec16<T>::count + e] = lp_to_float(raw[p].v[e]);
        } else {
#pragma unroll
            for (int e = 0; e < 8; e++) out[e] = f[e];
        }
    }
};

/* Merges the softmax state (m, l, acc) of another part of the keys into (m, l, acc), base 2. */
static __device__ __forceinline__ void lp_dec_merge(float &m, float &l, float acc[8], float m_o, float l_o,
                                                    const float acc_o[8]) {
    const float m_new = fmaxf(m, m_o);
    const float a = m == -INFINITY ? 0.0f : exp2f(m - m_new);
    const float b = m_o == -INFINITY ? 0.0f : exp2f(m_o - m_new);
    l = l * a + l_o * b;
#pragma unroll
    for (int e = 0; e < 8; e++) acc[e] = acc[e] * a + acc_o[e] * b;
    m = m_new;
}

/*
 * Block (chunk c, kv head slice y, sequence b): partial softmax of up to HEADS query heads over the keys
 * [c·chunk, min((c+1)·chunk, len)). Writes part_acc [batch×n_heads×n_chunks×head_dim] (Σ p·v with p
 * relative to the chunk's max) and part_ml [batch×n_heads×n_chunks×2] (max m in base 2, Σ p); DIRECT (one
 * chunk per sequence): out [batch×n_heads×head_dim] = Σ p·v / Σ p instead, zeros when lengths[b] == 0.
 */
template <class T, int DMAX, bool VEC, int HEADS, bool DIRECT>
__global__ void __launch_bounds__(LP_DEC_THREADS, HEADS == 1 && DMAX <= 128 ? 8 : 1)
    lp_decode_partial_kernel(const T *__restrict__ q, const T *__restrict__ k_cache, const T *__restrict__ v_cache,
                             const int32_t *__restrict__ lengths, float *__restrict__ part_acc,
                             float *__restrict__ part_ml, const int32_t *__restrict__ prefix, T *__restrict__ out,
                             lp_dec_problem pb) {
    lp_pdl_wait(); /* launched by lp_launch_pdl */
    typedef lp_dec_cfg<DMAX> C;
    __shared__ float sh_m[LP_DEC_WARPS][HEADS], sh_l[LP_DEC_WARPS][HEADS];
    __shared__ float sh_acc[LP_DEC_WARPS][HEADS][DMAX];

    const int c = blockIdx.x, b = blockIdx.z;
    const int kvh = blockIdx.y / pb.head_slices, slice = blockIdx.y % pb.head_slices;
    const int h0 = kvh * pb.group + slice * HEADS;
    const int heads = min(HEADS, pb.group - slice * HEADS);
    const int len = min(max(lengths[b], 0), pb.max_len);
    const int k0 = c * pb.chunk;
    if (k0 >= len) { /* an empty chunk: the combine kernel does not read it */
        if (DIRECT) /* the only chunk, of an empty sequence: zeros */
            for (int i = threadIdx.x; i < heads * pb.head_dim; i += blockDim.x)
                out[((size_t)b * pb.n_heads + h0) * pb.head_dim + i] = lp_from_float<T>(0.0f);
        return;
    }
    const int k1 = min(k0 + pb.chunk, len);

    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const int sub = lane / C::lanes_per_key, d0 = (lane % C::lanes_per_key) * 8;
    float qv[HEADS][8], acc[HEADS][8], m[HEADS], l[HEADS];
#pragma unroll
    for (int g = 0; g < HEADS; g++) {
        lp_dec_row8<T, VEC> q_row;
        if (g < heads)
            q_row.load(q + ((size_t)b * pb.n_heads + h0 + g) * pb.head_dim, d0, pb.head_dim);
        else
            q_row.zero();
        q_row.to_float(qv[g]);
#pragma unroll
        for (int e = 0; e < 8; e++) {
            qv[g][e] *= pb.scale_log2;
            acc[g][e] = 0.0f;
        }
        m[g] = -INFINITY;
        l[g] = 0.0f;
    }
    /* position j of sequence b, kv head kvh: row (b·max_len + j)·n_kv_heads + kvh of the caches; j < shared:
     * the same position of row src (a prefix row or length out of range: the sequence's own keys) */
    int src = b, shared = 0;
    if (prefix != NULL) {
        const int r = prefix[2 * b], n = prefix[2 * b + 1];
        if (r >= 0 && r < pb.batch && n >= 0 && n <= pb.max_len) {
            src = r;
            shared = n;
        }
    }
    const size_t pos_stride = (size_t)pb.n_kv_heads * pb.head_dim;
    const size_t base = ((size_t)b * pb.max_len * pb.n_kv_heads + kvh) * pb.head_dim;
    const size_t src_base = ((size_t)src * pb.max_len * pb.n_kv_heads + kvh) * pb.head_dim;
    /* a warp step covers keys_per_warp keys; LP_DEC_UNROLL steps load before any is used */
    constexpr int step = LP_DEC_WARPS * C::keys_per_warp;
    for (int j0 = k0 + warp * C::keys_per_warp; j0 < k1; j0 += LP_DEC_UNROLL * step) { /* warp-uniform */
        lp_dec_row8<T, VEC> k_rows[LP_DEC_UNROLL], v_rows[LP_DEC_UNROLL];
#pragma unroll
        for (int u = 0; u < LP_DEC_UNROLL; u++) {
            const int j = j0 + u * step + sub;
            if (j < k1) {
                const size_t at = (j < shared ? src_base : base) + (size_t)j * pos_stride;
                k_rows[u].load(k_cache + at, d0, pb.head_dim);
                v_rows[u].load(v_cache + at, d0, pb.head_dim);
            } else {
                k_rows[u].zero();
                v_rows[u].zero();
            }
        }
        /* the tile's scores first (independent chains), then one rescale per tile: s = −∞ for keys past k1 */
        float s[HEADS][LP_DEC_UNROLL];
#pragma unroll
        for (int u = 0; u < LP_DEC_UNROLL; u++) {
            const bool valid = j0 + u * step + sub < k1;
            float kv[8];
            k_rows[u].to_float(kv);
#pragma unroll
            for (int g = 0; g < HEADS; g++) {
                if (g >= heads) break; /* block-uniform */
                float dot = 0.0f;
#pragma unroll
                for (int e = 0; e < 8; e++) dot = fmaf(qv[g][e], kv[e], dot);
#pragma unroll
                for (int off = C::lanes_per_key / 2; off > 0; off >>= 1) dot += __shfl_xor_sync(0xffffffffu, dot, off);
                s[g][u] = valid ? dot : -INFINITY;
            }
        }
#pragma unroll
        for (int g = 0; g < HEADS; g++) {
            if (g >= heads) break;
            float m_new = m[g];
#pragma unroll
            for (int u = 0; u < LP_DEC_UNROLL; u++) m_new = fmaxf(m_new, s[g][u]);
            /* no valid key yet (m_new = −∞): corr = p = 0 keeps l = acc = 0 */
            const float ref = m_new == -INFINITY ? 0.0f : m_new;
            const float corr = exp2f(m[g] - ref); /* exp2f(−∞) = 0 */
            l[g] *= corr;
#pragma unroll
            for (int e = 0; e < 8; e++) acc[g][e] *= corr;
#pragma unroll
            for (int u = 0; u < LP_DEC_UNROLL; u++) {
                s[g][u] = exp2f(s[g][u] - ref); /* now p */
                l[g] += s[g][u];
            }
            m[g] = m_new;
        }
#pragma unroll
        for (int u = 0; u < LP_DEC_UNROLL; u++) {
            if (j0 + u * step >= k1) break; /* warp-uniform: no key of this warp step is left (p = 0) */
            float vv[8];
            v_rows[u].to_float(vv);
#pragma unroll
            for (int g = 0; g < HEADS; g++) {
                if (g >= heads) break;
#pragma unroll
                for (int e = 0; e < 8; e++) acc[g][e] = fmaf(s[g][u], vv[e], acc[g][e]);
            }
        }
    }
    /* merge the keys_per_warp key lanes of the warp (same element slice, lanes apart by lanes_per_key) */
#pragma unroll
    for (int off = C::lanes_per_key; off < 32; off <<= 1) {
#pragma unroll
        for (int g = 0; g < HEADS; g++) {
            float acc_o[8];
#pragma unroll
            for (int e = 0; e < 8; e++) acc_o[e] = __shfl_xor_sync(0xffffffffu, acc[g][e], off);
            const float m_o = __shfl_xor_sync(0xffffffffu, m[g], off);
            const float l_o = __shfl_xor_sync(0xffffffffu, l[g], off);
            lp_dec_merge(m[g], l[g], acc[g], m_o, l_o, acc_o);
        }
    }
    if (sub == 0) {
#pragma unroll
        for (int g = 0; g < HEADS; g++) {
#pragma unroll
            for (int e = 0; e < 8; e++) sh_acc[warp][g][d0 + e] = acc[g][e];
            if (d0 == 0) {
                sh_m[warp][g] = m[g];
                sh_l[warp][g] = l[g];
            }
        }
    }
    __syncthreads();
    if (warp != 0 || sub != 0) return;
    for (int g = 0; g < heads; g++) {
        float mg = sh_m[0][g], lg = sh_l[0][g], ag[8];
#pragma unroll
        for (int e = 0; e < 8; e++) ag[e] = sh_acc[0][g][d0 + e];
        for (int w = 1; w < LP_DEC_WARPS; w++) {
            float aw[8];
#pragma unroll
            for (int e = 0; e < 8; e++) aw[e] = sh_acc[w][g][d0 + e];
            lp_dec_merge(mg, lg, ag, sh_m[w][g], sh_l[w][g], aw);
        }
        if (DIRECT) {
            const float inv = 1.0f / lg; /* lg ≥ 1: the chunk holds the max key (p = 1) */
            T *o = out + ((size_t)b * pb.n_heads + h0 + g) * pb.head_dim;
#pragma unroll
            for (int e = 0; e < 8; e++)
                if (d0 + e < pb.head_dim) o[d0 + e] = lp_from_float<T>(ag[e] * inv);
            continue;
        }
        const size_t row = ((size_t)b * pb.n_heads + h0 + g) * pb.n_chunks + c; /* (b, h, c) */
#pragma unroll
        for (int e = 0; e < 8; e++)
            if (d0 + e < pb.head_dim) part_acc[row * pb.head_dim + d0 + e] = ag[e];
        if (d0 == 0) {
            part_ml[row * 2] = mg;
            part_ml[row * 2 + 1] = lg;
        }
    }
}

/* Block (b·n_heads + h): out = Σ_c acc_c·2^(m_c − M) / Σ_c l_c·2^(m_c − M) over the chunks holding keys;
 * zeros when lengths[b] == 0. */
template <class T>
__global__ void __launch_bounds__(LP_DEC_THREADS)
    lp_decode_combine_kernel(const float *__restrict__ part_acc, const float *__restrict__ part_ml,
                             const int32_t *__restrict__ lengths, T *__restrict__ out, lp_dec_problem pb) {
    lp_pdl_wait(); /* launched by lp_launch_pdl */
    __shared__ float weight[LP_DEC_MAX_CHUNKS];
    const size_t bh = blockIdx.x;
    const int b = (int)(bh / pb.n_heads);
    const int len = min(max(lengths[b], 0), pb.max_len);
    T *o = out + bh * pb.head_dim;
    if (len == 0) {
        for (int d = threadIdx.x; d < pb.head_dim; d += blockDim.x) o[d] = lp_from_float<T>(0.0f);
        return;
    }
    const int nc = (len + pb.chunk - 1) / pb.chunk;
    const float *ml = part_ml + bh * pb.n_chunks * 2;
    float mx = -INFINITY;
    for (int c = 0; c < nc; c++) mx = fmaxf(mx, ml[2 * c]);
    for (int c = threadIdx.x; c < nc; c += blockDim.x) weight[c] = exp2f(ml[2 * c] - mx);
    __syncthreads();
    float total = 0.0f;
    for (int c = 0; c < nc; c++) total += ml[2 * c + 1] * weight[c];
    const float inv = 1.0f / total;
    const float *acc = part_acc + bh * pb.n_chunks * pb.head_dim;
    for (int d = threadIdx.x; d < pb.head_dim; d += blockDim.x) {
        float sum = 0.0f;
        for (int c = 0; c < nc; c++) sum += acc[(size_t)c * pb.head_dim + d] * weight[c];
        o[d] = lp_from_float<T>(sum * inv);
    }
}

/* Keys per chunk: 64 doubled while the blocks of all chunks would exceed 8 per multiprocessor (up to 1024),
 * and at least ⌈max_len / LP_DEC_MAX_CHUNKS⌉ rounded up to 64. */
static int lp_dec_chunk(lp_stream stream, int64_t units, int64_t max_len) {
    const int64_t target = (int64_t)lp_cuda_state_of(stream)->sm_count * 8;
    int64_t chunk = 64;
    while (chunk < 1024 && chunk < max_len && units * ((max_len + chunk - 1) / chunk) > target) chunk *= 2;
    int64_t floor_chunk = (max_len + LP_DEC_MAX_CHUNKS - 1) / LP_DEC_MAX_CHUNKS;
    floor_chunk = (floor_chunk + 63) / 64 * 64;
    return (int)(chunk > floor_chunk ? chunk : floor_chunk);
}

template <class T, int DMAX, bool VEC, int HEADS>
static lp_status lp_dec_run(lp_stream stream, int64_t batch, const lp_dec_problem &pb, const void *q,
                            const void *k_cache, const void *v_cache, const int32_t *lengths,
                            const int32_t *prefix, void *out) {
    const dim3 grid((unsigned int)pb.n_chunks, (unsigned int)(pb.n_kv_heads * pb.head_slices), (unsigned int)batch);
    if (pb.n_chunks == 1) { /* one chunk per sequence: normalised in place, no partials, no combine pass */
        LP_CUDA_CHECK_PDL("lp_decode_partial_kernel (direct)",
                          lp_launch_pdl(stream, lp_decode_partial_kernel<T, DMAX, VEC, HEADS, true>, grid,
                                        LP_DEC_THREADS, 0, static_cast<const T *>(q), static_cast<const T *>(k_cache),
                                        static_cast<const T *>(v_cache), lengths, (float *)NULL, (float *)NULL,
                                        prefix, static_cast<T *>(out), pb));
        return LP_OK;
    }
    const size_t partials = (size_t)batch * pb.n_heads * pb.n_chunks;
    lp_scratch_layout layout;
    const size_t acc_off = layout.add(partials * pb.head_dim * sizeof(float)); /* [batch×H×chunks×D] */
    const size_t ml_off = layout.add(partials * 2 * sizeof(float));            /* [batch×H×chunks×2] */
    void *base = NULL;
    LP_CHECK(lp_cuda_scratch(stream, layout.bytes, &base));
    float *part_acc = reinterpret_cast<float *>(static_cast<unsigned char *>(base) + acc_off);
    float *part_ml = reinterpret_cast<float *>(static_cast<unsigned char *>(base) + ml_off);
    LP_CUDA_CHECK_PDL("lp_decode_partial_kernel",
                      lp_launch_pdl(stream, lp_decode_partial_kernel<T, DMAX, VEC, HEADS, false>, grid, LP_DEC_THREADS,
                                    0, static_cast<const T *>(q), static_cast<const T *>(k_cache),
                                    static_cast<const T *>(v_cache), lengths, part_acc, part_ml, prefix, (T *)NULL,
                                    pb));
    LP_CUDA_CHECK_PDL("lp_decode_combine_kernel",
                      lp_launch_pdl(stream, lp_decode_combine_kernel<T>, dim3((unsigned int)(batch * pb.n_heads)),
                                    LP_DEC_THREADS, 0, part_acc, part_ml, lengths, static_cast<T *>(out), pb));
    return LP_OK;
}

/* HEADS query heads per block: 1 for MHA (64 instead of 128 registers a thread at head_dim 128: twice the
 * blocks resident), LP_DEC_HEADS for GQA groups. The MHA kernel for head_dim ≤ 128 is held to 64 registers
 * (__launch_bounds__ min 8 blocks; ptxas -v: 71 without it, no spills with it): 8 blocks of 128 threads per
 * multiprocessor, so 64 sequences × 32 heads = 2,048 blocks take 2 waves on an H200's 132 multiprocessors
 * instead of 3 at 7 blocks (batch-64 decode of a 7B shape: 6.24 → 6.01 ms a step, H200 run L). */
template <class T, int HEADS>
static lp_status lp_dec_dispatch_dim(lp_stream stream, int64_t batch, const lp_dec_problem &pb, bool vec,
                                     const void *q, const void *k_cache, const void *v_cache, const int32_t *lengths,
                                     const int32_t *prefix, void *out) {
    if (pb.head_dim <= 64)
        return vec ? lp_dec_run<T, 64, true, HEADS>(stream, batch, pb, q, k_cache, v_cache, lengths, prefix, out)
                   : lp_dec_run<T, 64, false, HEADS>(stream, batch, pb, q, k_cache, v_cache, lengths, prefix, out);
    if (pb.head_dim <= 128)
        return vec ? lp_dec_run<T, 128, true, HEADS>(stream, batch, pb, q, k_cache, v_cache, lengths, prefix, out)
                   : lp_dec_run<T, 128, false, HEADS>(stream, batch, pb, q, k_cache, v_cache, lengths, prefix, out);
    return vec ? lp_dec_run<T, 256, true, HEADS>(stream, batch, pb, q, k_cache, v_cache, lengths, prefix, out)
               : lp_dec_run<T, 256, false, HEADS>(stream, batch, pb, q, k_cache, v_cache, lengths, prefix, out);
}

template <class T>
static lp_status lp_dec_dispatch(lp_stream stream, int64_t batch, const lp_dec_problem &pb, bool vec, const void *q,
                                 const void *k_cache, const void *v_cache, const int32_t *lengths,
                                 const int32_t *prefix, void *out) {
    if (pb.group == 1)
        return lp_dec_dispatch_dim<T, 1>(stream, batch, pb, vec, q, k_cache, v_cache, lengths, prefix, out);
    return lp_dec_dispatch_dim<T, LP_DEC_HEADS>(stream, batch, pb, vec, q, k_cache, v_cache, lengths, prefix, out);
}

extern "C" lp_status lp_cuda_attention_decode(lp_stream stream, lp_dtype dtype, int64_t batch, int64_t n_heads,
                                              int64_t n_kv_heads, int64_t head_dim, int64_t max_len, float scale,
                                              const void *q, const void *k_cache, const void *v_cache,
                                              const int32_t *lengths, const int32_t *prefix, void *out) {
    static const char fn[] = "lp_attention_decode";
    LP_CHECK(lp_cuda_use_device(stream->device));
    if (head_dim > LP_DEC_MAX_HEAD_DIM)
        return lp_fail(LP_ERR_UNSUPPORTED, "%s: head_dim %lld is not supported on CUDA (1..%d)", fn,
                       (long long)head_dim, LP_DEC_MAX_HEAD_DIM);
    const int64_t group = n_heads / n_kv_heads;
    const int64_t heads_per_block = group == 1 ? 1 : LP_DEC_HEADS;
    const int64_t slices = (group + heads_per_block - 1) / heads_per_block;
    if (batch > 65535 || n_kv_heads * slices > 65535 || batch * n_heads > INT32_MAX)
        return lp_fail(LP_ERR_UNSUPPORTED,
                       "%s: batch %lld (<= 65535), n_kv_heads %lld x %lld head slices (<= 65535) and batch x n_heads "
                       "(< 2^31) exceed the CUDA grid",
                       fn, (long long)batch, (long long)n_kv_heads, (long long)slices);
    lp_dec_problem pb;
    pb.batch = (int)batch;
    pb.n_heads = (int)n_heads;
    pb.n_kv_heads = (int)n_kv_heads;
    pb.head_dim = (int)head_dim;
    pb.max_len = (int)max_len;
    pb.group = (int)group;
    pb.head_slices = (int)slices;
    pb.chunk = lp_dec_chunk(stream, batch * n_kv_heads * slices, max_len);
    pb.n_chunks = (int)((max_len + pb.chunk - 1) / pb.chunk);
    pb.scale_log2 = scale * 1.4426950408889634f;
    const uintptr_t addresses = (uintptr_t)q | (uintptr_t)k_cache | (uintptr_t)v_cache;
    const bool vec = head_dim % 8 == 0 && (addresses & 15u) == 0;
    if (dtype == LP_F32)
        return lp_dec_dispatch<float>(stream, batch, pb, vec, q, k_cache, v_cache, lengths, prefix, out);
    return lp_dec_dispatch<lp_bf16>(stream, batch, pb, vec, q, k_cache, v_cache, lengths, prefix, out);
}
