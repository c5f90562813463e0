/*
 * attention_tc_common.cuh — what the tensor-core (bf16 mma.sync) attention kernels share
 * (attention_tc_fwd.cuh, attention_tc_bwd.cuh): tile configuration and shared-memory sizes, the tile
 * loader and the warp-level products, on the PTX wrappers of attention_tc_ptx.cuh (cp.async, ldmatrix,
 * mma.sync m16n8k16 bf16 → f32).
 *
 * Block layout of every kernel: 4 warps (128 threads); the block owns 64 rows (queries or keys), warp w
 * rows 16w..16w+15; streamed tiles are 64 rows too. head_dim D is 64 or 128 (compile time).
 * Shared tiles: bf16 [64×LD] row-major, LD = D + 8 (a row is (D + 8)·2 bytes ≡ 16 mod 128: the 8 rows
 * one ldmatrix 8×8 reads fall on 8 different 16-byte bank groups, so no bank conflicts).
 *
 * Fragment layouts (PTX ISA, mma.m16n8k16 .bf16, g = lane / 4, t = lane % 4):
 *   A [16×16] row-major, 4 × b32 (two bf16 each, lower column in the low half):
 *     a0 = (row g,   cols 2t, 2t+1)   a1 = (row g+8, cols 2t, 2t+1)
 *     a2 = (row g,   cols 2t+8, +9)   a3 = (row g+8, cols 2t+8, +9)
 *   B [16×8] (k × n), 2 × b32: b0 = (k 2t, 2t+1; n g)   b1 = (k 2t+8, 2t+9; n g)
 *   C [16×8] f32, 4 floats: c0, c1 = (row g, cols 2t, 2t+1)   c2, c3 = (row g+8, cols 2t, 2t+1)
 * ldmatrix .x4: lane L gives the address of row L % 8 of 8×8 matrix L / 8 (16 contiguous bytes);
 * register i of lane L receives matrix i's (row L / 4, cols 2(L % 4), +1) — with .trans, the transposed
 * matrix's, i.e. (rows 2(L % 4), +1 of column L / 4).
 * Consequence used throughout: the C fragments of two adjacent n-tiles (cols 8j..8j+15) are exactly
 * the A fragment of one k-step once packed to bf16 (c0c1 → a0, c2c3 → a1 of tile 2j; → a2, a3 of 2j+1),
 * so a probability tile computed as C feeds the next product as A without leaving registers.
 */
#ifndef LORAPAR_ATTENTION_TC_COMMON_CUH
#define LORAPAR_ATTENTION_TC_COMMON_CUH

#include <math.h>

#include "attention_tc_ptx.cuh"
#include "cuda_common.cuh"

#define LP_TC_THREADS 128 /* 4 warps */
#define LP_TC_ROWS 64     /* rows a block owns, and rows per streamed tile */
#define LP_TC_LOG2E 1.4426950408889634f
#define LP_TC_LN2 0.6931471805599453f

template <int D> struct lp_tc_cfg {
    static_assert(D == 64 || D == 128, "the tensor-core attention kernels take head_dim 64 or 128");
    static constexpr int ld = D + 8;                   /* bf16 elements per shared tile row */
    static constexpr int tile = LP_TC_ROWS * ld;       /* bf16 elements per shared tile [64×ld] */
    static constexpr int ksteps = D / 16;              /* k-steps of a product contracting over D */
    static constexpr int dtiles = D / 8;               /* 8-wide n-tiles of a [16×D] accumulator */
};

/* Dynamic shared bytes (host and device use the same formulas):
 *   forward: q [64×ld], k, v [2 buffers][64×ld] bf16; seg_q [64], seg_k [2][64] i32
 *   dK/dV:   k, v [64×ld], q, dO [2][64×ld] bf16; lse, delta [2][64] f32; seg_k [64], seg_q [2][64] i32
 *   dQ:      q, dO [64×ld], k, v [2][64×ld] bf16; seg_q [64], seg_k [2][64] i32 */
template <int D> __host__ __device__ constexpr size_t lp_tc_fwd_smem_bytes() {
    return sizeof(lp_bf16) * 5 * (size_t)lp_tc_cfg<D>::tile + sizeof(int32_t) * 3 * LP_TC_ROWS;
}
template <int D> __host__ __device__ constexpr size_t lp_tc_dkdv_smem_bytes() {
    return sizeof(lp_bf16) * 6 * (size_t)lp_tc_cfg<D>::tile + sizeof(float) * 4 * LP_TC_ROWS +
           sizeof(int32_t) * 3 * LP_TC_ROWS;
}
template <int D> __host__ __device__ constexpr size_t lp_tc_dq_smem_bytes() {
    return sizeof(lp_bf16) * 6 * (size_t)lp_tc_cfg<D>::tile + sizeof(int32_t) * 3 * LP_TC_ROWS;
}

/* Two floats → bf16x2 (round to nearest even), lo in the low half. */
static __device__ __forceinline__ uint32_t lp_tc_pack(float lo, float hi) {
    __nv_bfloat162 v = __floats2bfloat162_rn(lo, hi);
    return *reinterpret_cast<uint32_t *>(&v);
}

/* Max / sum over the 4 lanes of a quad (the lanes holding one accumulator row); same bits in each. */
static __device__ __forceinline__ float lp_tc_quad_max(float v) {
    v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, 1));
    return fmaxf(v, __shfl_xor_sync(0xffffffffu, v, 2));
}
static __device__ __forceinline__ float lp_tc_quad_sum(float v) {
    v += __shfl_xor_sync(0xffffffffu, v, 1);
    return v + __shfl_xor_sync(0xffffffffu, v, 2);
}

/* ------------------------------------------------------------------------------ tile movement */

/*
 * dst [64×ld] bf16 (shared) ← 64 rows of one head: row r at src + r·row_stride (D contiguous bf16,
 * 16-byte aligned); rows r ≥ valid are zero-filled and never read. cp.async by the whole block; the
 * caller commits, waits and synchronizes.
 */
template <int D>
static __device__ __forceinline__ void lp_tc_load_tile(lp_bf16 *dst, const lp_bf16 *src, int64_t row_stride,
                                                       int valid) {
    constexpr int CHUNKS = D / 8, LD = lp_tc_cfg<D>::ld; /* 16-byte chunks per row */
    const uint32_t base = lp_tc_smem_addr(dst);
#pragma unroll
    for (int it = 0; it < LP_TC_ROWS * CHUNKS / LP_TC_THREADS; it++) {
        const int c = (int)threadIdx.x + it * LP_TC_THREADS;
        const int r = c / CHUNKS, x = (c % CHUNKS) * 8;
        const bool ok = r < valid;
        lp_tc_cp_async16(base + (uint32_t)(r * LD + x) * 2u, ok ? src + (int64_t)r * row_stride + x : src, ok);
    }
}

/* dst [64] ← segment ids of the tile's tokens (0 for all when seg == NULL), `pad` past valid. Plain
 * stores by threads 0..63; visible after the caller's __syncthreads. */
static __device__ __forceinline__ void lp_tc_load_segments(int32_t *dst, const int32_t *seg, int valid, int32_t pad) {
    const int r = threadIdx.x;
    if (r < LP_TC_ROWS) dst[r] = r < valid ? (seg != NULL ? seg[r] : 0) : pad;
}

/*
 * Warp w's 16 accumulator rows [16×D] f32 → bf16 rows of the shared tile `stage` (rows 16w.., its own,
 * so only a __syncwarp orders them) → global rows dst + r·row_stride for the rows r < valid (of the
 * warp's 16). acc[n][e] holds (row g + 8(e/2), col 8n + 2t + e%2), multiplied by mul[e/2].
 */
template <int D>
static __device__ __forceinline__ void lp_tc_store_rows(const float (&acc)[D / 8][4], const float (&mul)[2],
                                                        lp_bf16 *stage, lp_bf16 *dst, int64_t row_stride,
                                                        int valid) {
    constexpr int LD = lp_tc_cfg<D>::ld, CHUNKS = D / 8;
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, g = lane >> 2, t = lane & 3;
    lp_bf16 *rows = stage + warp * 16 * LD;
#pragma unroll
    for (int n = 0; n < D / 8; n++)
#pragma unroll
        for (int h = 0; h < 2; h++)
            *reinterpret_cast<uint32_t *>(rows + (g + 8 * h) * LD + 8 * n + 2 * t) =
                lp_tc_pack(acc[n][2 * h] * mul[h], acc[n][2 * h + 1] * mul[h]);
    __syncwarp();
#pragma unroll
    for (int it = 0; it < 16 * CHUNKS / 32; it++) {
        const int c = lane + 32 * it, r = c / CHUNKS, x = (c % CHUNKS) * 8;
        if (r < valid)
            *reinterpret_cast<int4 *>(dst + (int64_t)r * row_stride + x) =
                *reinterpret_cast<const int4 *>(rows + r * LD + x);
    }
}

/* ------------------------------------------------------------------------------ warp products */

/*
 * acc [16×64] f32 += A [16×D] · Bᵀ, B [64×D] a shared tile (row-major, ld): the "score" products
 * (Q·Kᵀ, dO·Vᵀ, K·Qᵀ, V·dOᵀ). a_frag(kk, a) supplies A's fragment of k-step kk (cols 16kk..16kk+15).
 * acc[n] is the 16×8 C fragment of columns 8n..8n+7.
 */
template <int D, class AFrag>
static __device__ __forceinline__ void lp_tc_mma_abt(float (&acc)[8][4], AFrag a_frag, const lp_bf16 *b) {
    constexpr int LD = lp_tc_cfg<D>::ld;
    const int lane = threadIdx.x & 31;
    /* B (n = tile row, k = col): matrices (rows 0-7, k 0-7), (rows 0-7, k 8-15), (rows 8-15, k 0-7),
     * (rows 8-15, k 8-15) = b0, b1 of n-tile 2p and b0, b1 of n-tile 2p+1. */
    const uint32_t b_addr = lp_tc_smem_addr(b + ((lane & 7) + ((lane >> 4) << 3)) * LD + ((lane >> 3) & 1) * 8);
#pragma unroll
    for (int kk = 0; kk < D / 16; kk++) {
        uint32_t a[4];
        a_frag(kk, a);
#pragma unroll
        for (int p = 0; p < 4; p++) {
            uint32_t bf[4];
            lp_tc_ldmatrix_x4(bf, b_addr + (uint32_t)(p * 16 * LD + kk * 16) * 2u);
            lp_tc_mma(acc[2 * p], a, bf[0], bf[1]);
            lp_tc_mma(acc[2 * p + 1], a, bf[2], bf[3]);
        }
    }
}

/* A-fragment source for lp_tc_mma_abt: the 16 rows of a shared tile starting at a_rows, read per k-step
 * (lanes 0-15 give rows 0-15 at col 16kk, lanes 16-31 the same rows at col 16kk+8 → a0..a3). */
template <int D> struct lp_tc_a_shared {
    uint32_t addr;
    __device__ __forceinline__ explicit lp_tc_a_shared(const lp_bf16 *a_rows) {
        const int lane = threadIdx.x & 31;
        addr = lp_tc_smem_addr(a_rows + (lane & 15) * lp_tc_cfg<D>::ld + (lane >> 4) * 8);
    }
    __device__ __forceinline__ void operator()(int kk, uint32_t (&a)[4]) const { lp_tc_ldmatrix_x4(a, addr + kk * 32); }
};

/* a[kk] ← the bf16 A fragments of the [16×64] matrix held as C fragments c[8][4] (k-step kk = cols 16kk..). */
static __device__ __forceinline__ void lp_tc_c_to_a(const float (&c)[8][4], uint32_t (&a)[4][4]) {
#pragma unroll
    for (int kk = 0; kk < 4; kk++) {
        a[kk][0] = lp_tc_pack(c[2 * kk][0], c[2 * kk][1]);
        a[kk][1] = lp_tc_pack(c[2 * kk][2], c[2 * kk][3]);
        a[kk][2] = lp_tc_pack(c[2 * kk + 1][0], c[2 * kk + 1][1]);
        a[kk][3] = lp_tc_pack(c[2 * kk + 1][2], c[2 * kk + 1][3]);
    }
}

/*
 * acc [16×D] f32 += A [16×64] · B, A as register fragments (lp_tc_c_to_a), B [64×D] a shared tile
 * (row-major, ld; its rows are the contraction index): the "value" products (P·V, Pᵀ·dO, dSᵀ·Q, dS·K).
 * acc[n] is the C fragment of columns 8n..8n+7.
 */
template <int D>
static __device__ __forceinline__ void lp_tc_mma_ab(float (&acc)[D / 8][4], const uint32_t (&a)[4][4],
                                                    const lp_bf16 *b) {
    constexpr int LD = lp_tc_cfg<D>::ld;
    const int lane = threadIdx.x & 31;
    /* B (k = tile row, n = col), transposed loads: matrices (k 0-7, n 0-7), (k 8-15, n 0-7),
     * (k 0-7, n 8-15), (k 8-15, n 8-15) = b0, b1 of n-tile 2p and b0, b1 of n-tile 2p+1. */
    const uint32_t b_addr = lp_tc_smem_addr(b + ((lane & 7) + (((lane >> 3) & 1) << 3)) * LD + (lane >> 4) * 8);
#pragma unroll
    for (int kk = 0; kk < 4; kk++)
#pragma unroll
        for (int p = 0; p < D / 16; p++) {
            uint32_t bf[4];
            lp_tc_ldmatrix_x4_trans(bf, b_addr + (uint32_t)(kk * 16 * LD + p * 16) * 2u);
            lp_tc_mma(acc[2 * p], a[kk], bf[0], bf[1]);
            lp_tc_mma(acc[2 * p + 1], a[kk], bf[2], bf[3]);
        }
}

#endif /* LORAPAR_ATTENTION_TC_COMMON_CUH */
