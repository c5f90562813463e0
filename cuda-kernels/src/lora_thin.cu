/*
 * lora_thin.cu — the LoRA path of the few rows of a decode step, for a group of projections of one input (q, k, v
 * of a layer; or one projection), in two launches instead of cuBLASLt's two GEMMs per projection:
 *  - down: u_i [m×r] = x [m×k] · A'_iᵀ (A'_i stored [r×k]). cuBLASLt picks a split-K kernel of 3 blocks plus a
 *    reduction kernel for m = 64, k = 4096, r = 8 (8.4 µs on an H200 under Nsight Compute). Block (row, chunk,
 *    projection) computes 8 adapter rows of one row of u: its threads stride over k in groups of 8 elements
 *    (16-byte loads when rows are 16-byte aligned), so every load of a pass is in flight at once; fp32 accumulation
 *    in a fixed order (deterministic), the result rounded once to T. A first version looped over k one element per
 *    thread per iteration and was slower than cuBLASLt (a 64-row decode step of a 7B model: 19.3 instead of 9.5 ms
 *    with a rank-16 adapter on all seven projections).
 *  - up: y_i [m×n_i] += scale · u_i · B'_iᵀ (B'_i stored [n_i×r]), onto the base GEMM's output: thread (8 rows,
 *    2 columns, projection) sums r products per element in fp32 in order and adds once onto y. A first version
 *    (thread = 1 row × 8 columns, every row's block re-reading B', 16-byte loads 256 bytes apart across a warp)
 *    made a 64-row decode step of a 7B model with a rank-16 adapter on all seven projections 0.6 ms slower than
 *    cuBLASLt's beta = 1 GEMM (9.32 vs ~8.7 ms, H200); this one measured 7.7 µs a launch under Nsight Compute, the
 *    down kernel 6.2 µs, which is why a group shares the two launches.
 *  - fused (r ≤ 16, the usual case): down and up in one launch, each block recomputing the rows of u it needs
 *    (lp_thin_fused_kernel below).
 * LORAPAR_THIN_LORA=0 in the environment sends every down and up projection to cuBLASLt, LORAPAR_THIN_FUSED=0 keeps
 * the two thin launches (for A/B measurements).
 */
#include <stdlib.h>
#include <string.h>

#include "gemm.cuh"
#include "layer_rows.cuh"

#define LP_THIN_THREADS 256
#define LP_THIN_CHUNK 8 /* adapter rows per block */
#define LP_THIN_UP_THREADS 128
#define LP_THIN_UP_ROWS 8 /* rows of y per block of the up projection */
#define LP_THIN_FUSED_THREADS (LP_THIN_UP_ROWS * 32) /* one warp per row in the down phase */
#define LP_THIN_FUSED_MAX_RANK 16                    /* the fused kernel keeps r sums per lane */
#define LP_THIN_FUSED_COLS 2048                      /* columns of y per block of the fused kernel */

/* grid (m, ⌈r / 8⌉, count); VEC: x and every A'_i row 16-byte aligned and k a multiple of 8 elements. */
template <class T, bool VEC>
__global__ void __launch_bounds__(LP_THIN_THREADS)
lp_thin_down_kernel(const T *__restrict__ x, lp_thin_group g, int64_t k, int64_t r) {
    lp_pdl_wait(); /* launched by lp_launch_pdl */
    __shared__ float partial[LP_THIN_THREADS / 32][LP_THIN_CHUNK]; /* [warp][adapter row of the chunk] */
    const T *__restrict__ a = static_cast<const T *>(g.a[blockIdx.z]);
    T *__restrict__ u = static_cast<T *>(g.u[blockIdx.z]);
    const int64_t row = blockIdx.x;
    const int64_t j0 = (int64_t)blockIdx.y * LP_THIN_CHUNK;
    const int nj = r - j0 < LP_THIN_CHUNK ? (int)(r - j0) : LP_THIN_CHUNK;
    const T *x_row = x + row * k;
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    float acc[LP_THIN_CHUNK];
#pragma unroll
    for (int j = 0; j < LP_THIN_CHUNK; j++) acc[j] = 0.f;
    if (VEC) {
#pragma unroll 2
        for (int64_t i = (int64_t)threadIdx.x * 8; i < k; i += (int64_t)LP_THIN_THREADS * 8) {
            float xv[8];
            lp_load8(x_row + i, xv);
#pragma unroll
            for (int j = 0; j < LP_THIN_CHUNK; j++) {
                if (j < nj) {
                    float av[8];
                    lp_load8(a + (j0 + j) * k + i, av);
#pragma unroll
                    for (int e = 0; e < 8; e++) acc[j] = fmaf(xv[e], av[e], acc[j]);
                }
            }
        }
    } else {
        for (int64_t i = threadIdx.x; i < k; i += LP_THIN_THREADS) {
            const float xv = lp_to_float(x_row[i]);
#pragma unroll
            for (int j = 0; j < LP_THIN_CHUNK; j++)
                if (j < nj) acc[j] = fmaf(xv, lp_to_float(a[(j0 + j) * k + i]), acc[j]);
        }
    }
#pragma unroll
    for (int j = 0; j < LP_THIN_CHUNK; j++) {
#pragma unroll
        for (int offset = 16; offset > 0; offset >>= 1) acc[j] += __shfl_down_sync(0xffffffffu, acc[j], offset);
    }
    if (lane == 0) {
#pragma unroll
        for (int j = 0; j < LP_THIN_CHUNK; j++) partial[warp][j] = acc[j];
    }
    __syncthreads();
    if (threadIdx.x < nj) {
        float sum = 0.f;
#pragma unroll
        for (int w = 0; w < LP_THIN_THREADS / 32; w++) sum += partial[w][threadIdx.x];
        u[row * r + j0 + threadIdx.x] = lp_from_float<T>(sum);
    }
}

bool lp_cuda_thin_down_applies(int64_t m, int64_t r) {
    static int enabled = -1; /* read once: LORAPAR_THIN_LORA=0 disables */
    if (enabled < 0) {
        const char *v = getenv("LORAPAR_THIN_LORA");
        enabled = v != NULL && strcmp(v, "0") == 0 ? 0 : 1;
    }
    return enabled && m >= 1 && m <= LP_THIN_MAX_ROWS && r >= 1 && r <= LP_THIN_MAX_RANK;
}

/* Thread (8 rows row0.., columns c0, c0 + 1) of one projection: y [m×n] += scale · u_rows · B'ᵀ for those elements,
 * u_rows [8][r] (rows − 1 of them valid) in shared memory, B' [n×r]. B' rows c0, c0 + 1 are read once, in pieces of 8
 * values (16-byte loads when VEC: r a multiple of 8, B' aligned); the 16 y values are loaded before the sums, so their
 * latency overlaps them; neighbouring threads update neighbouring columns of y (coalesced). */
template <class T, bool VEC>
static __device__ __forceinline__ void lp_thin_up_columns(const float (*u_rows)[LP_THIN_MAX_RANK],
                                                          const T *__restrict__ b, T *__restrict__ y, int64_t n,
                                                          int64_t row0, int rows, int64_t c0, int64_t r, float scale) {
    const int cols = n - c0 < 2 ? 1 : 2;
    float y_old[LP_THIN_UP_ROWS][2];
#pragma unroll
    for (int i = 0; i < LP_THIN_UP_ROWS; i++) {
        const T *y_row = y + (row0 + (i < rows ? i : 0)) * n + c0;
        y_old[i][0] = lp_to_float(y_row[0]);
        y_old[i][1] = cols == 2 ? lp_to_float(y_row[1]) : 0.f;
    }
    float acc[LP_THIN_UP_ROWS][2];
#pragma unroll
    for (int i = 0; i < LP_THIN_UP_ROWS; i++) acc[i][0] = acc[i][1] = 0.f;
    const T *b0 = b + c0 * r, *b1 = b0 + (cols == 2 ? r : 0); /* B' rows c0, c0 + 1 (c0 again at an odd n's end) */
    if (VEC) {
        for (int64_t j = 0; j < r; j += 8) {
            float bv0[8], bv1[8];
            lp_load8(b0 + j, bv0);
            lp_load8(b1 + j, bv1);
#pragma unroll
            for (int i = 0; i < LP_THIN_UP_ROWS; i++)
#pragma unroll
                for (int q = 0; q < 8; q++) {
                    acc[i][0] = fmaf(u_rows[i][j + q], bv0[q], acc[i][0]);
                    acc[i][1] = fmaf(u_rows[i][j + q], bv1[q], acc[i][1]);
                }
        }
    } else {
        for (int64_t j = 0; j < r; j++) {
            const float bv0 = lp_to_float(b0[j]), bv1 = lp_to_float(b1[j]);
#pragma unroll
            for (int i = 0; i < LP_THIN_UP_ROWS; i++) {
                acc[i][0] = fmaf(u_rows[i][j], bv0, acc[i][0]);
                acc[i][1] = fmaf(u_rows[i][j], bv1, acc[i][1]);
            }
        }
    }
#pragma unroll
    for (int i = 0; i < LP_THIN_UP_ROWS; i++) {
        if (i < rows) {
            T *y_row = y + (row0 + i) * n + c0;
            y_row[0] = lp_from_float<T>(fmaf(scale, acc[i][0], y_old[i][0]));
            if (cols == 2) y_row[1] = lp_from_float<T>(fmaf(scale, acc[i][1], y_old[i][1]));
        }
    }
}

/* grid (⌈max n_i / (2·threads)⌉, ⌈m / 8⌉, count): thread (8 rows, columns c, c + 1) of projection z, u_z's 8 rows in
 * shared memory. */
template <class T, bool VEC>
__global__ void __launch_bounds__(LP_THIN_UP_THREADS)
lp_thin_up_kernel(lp_thin_group g, int64_t m, int64_t r, float scale) {
    lp_pdl_wait(); /* launched by lp_launch_pdl */
    __shared__ float u_rows[LP_THIN_UP_ROWS][LP_THIN_MAX_RANK]; /* [row of the block][adapter row] */
    const T *__restrict__ u = static_cast<const T *>(g.u[blockIdx.z]);
    const int64_t n = g.n[blockIdx.z];
    const int64_t row0 = (int64_t)blockIdx.y * LP_THIN_UP_ROWS;
    const int rows = m - row0 < LP_THIN_UP_ROWS ? (int)(m - row0) : LP_THIN_UP_ROWS;
    for (int i = threadIdx.x; i < rows * r; i += blockDim.x)
        u_rows[i / r][i % r] = lp_to_float(u[(row0 + i / r) * r + i % r]);
    __syncthreads();
    const int64_t c0 = ((int64_t)blockIdx.x * blockDim.x + threadIdx.x) * 2;
    if (c0 >= n) return;
    lp_thin_up_columns<T, VEC>(u_rows, static_cast<const T *>(g.b[blockIdx.z]), static_cast<T *>(g.y[blockIdx.z]), n,
                               row0, rows, c0, r, scale);
}

/*
 * Down and up in one launch, for r ≤ LP_THIN_FUSED_MAX_RANK: grid (column slices, ⌈m / 8⌉, count). Block (slice,
 * rows row0..row0+7, projection z) first computes those 8 rows of u_z itself — warp w row row0 + w, its lanes striding
 * over k in groups of 8 elements (16-byte loads when VEC_DOWN), r fp32 sums reduced across the warp, rounded to T
 * once — so no launch waits for another; the blocks of slice 0 store them to u_z. Every slice of a row group repeats
 * that work (x rows and A'_z come from L2), which costs less than the second launch it saves: the two launches took
 * 6.4 + 4.7 µs a group in a 64-row decode step of a 7B model (H200, Nsight Compute). Then y_z's columns of the slice,
 * as lp_thin_up_kernel does them, from the rounded u.
 */
template <class T, bool VEC_DOWN, bool VEC_UP, int RMAX>
__global__ void __launch_bounds__(LP_THIN_FUSED_THREADS)
lp_thin_fused_kernel(const T *__restrict__ x, lp_thin_group g, int64_t m, int64_t k, int64_t r, float scale) {
    lp_pdl_wait(); /* launched by lp_launch_pdl */
    __shared__ float u_rows[LP_THIN_UP_ROWS][LP_THIN_MAX_RANK]; /* [row of the block][adapter row] */
    const int z = blockIdx.z;
    const T *__restrict__ a = static_cast<const T *>(g.a[z]);
    const int64_t row0 = (int64_t)blockIdx.y * LP_THIN_UP_ROWS;
    const int rows = m - row0 < LP_THIN_UP_ROWS ? (int)(m - row0) : LP_THIN_UP_ROWS;
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    if (warp < rows) {
        const T *x_row = x + (row0 + warp) * k;
        float acc[RMAX];
#pragma unroll
        for (int j = 0; j < RMAX; j++) acc[j] = 0.f;
        if (VEC_DOWN) {
#pragma unroll 4
            for (int64_t i = (int64_t)lane * 8; i < k; i += 32 * 8) {
                float xv[8];
                lp_load8(x_row + i, xv);
#pragma unroll
                for (int j = 0; j < RMAX; j++) {
                    if (j < r) {
                        float av[8];
                        lp_load8(a + j * k + i, av);
#pragma unroll
                        for (int e = 0; e < 8; e++) acc[j] = fmaf(xv[e], av[e], acc[j]);
                    }
                }
            }
        } else {
            for (int64_t i = lane; i < k; i += 32) {
                const float xv = lp_to_float(x_row[i]);
#pragma unroll
                for (int j = 0; j < RMAX; j++)
                    if (j < r) acc[j] = fmaf(xv, lp_to_float(a[j * k + i]), acc[j]);
            }
        }
#pragma unroll
        for (int j = 0; j < RMAX; j++)
#pragma unroll
            for (int offset = 16; offset > 0; offset >>= 1) acc[j] += __shfl_xor_sync(0xffffffffu, acc[j], offset);
        T *__restrict__ u = static_cast<T *>(g.u[z]);
#pragma unroll
        for (int j = 0; j < RMAX; j++) {
            if (j < r && lane == j % 32) {
                const T uj = lp_from_float<T>(acc[j]);
                u_rows[warp][j] = lp_to_float(uj);
                if (blockIdx.x == 0) u[(row0 + warp) * r + j] = uj;
            }
        }
    }
    __syncthreads();
    const int64_t n = g.n[z];
    const int64_t per_slice = (int64_t)LP_THIN_FUSED_COLS;
    const int64_t c_end = (int64_t)(blockIdx.x + 1) * per_slice < n ? (int64_t)(blockIdx.x + 1) * per_slice : n;
    const T *__restrict__ b = static_cast<const T *>(g.b[z]);
    T *__restrict__ y = static_cast<T *>(g.y[z]);
    for (int64_t c0 = (int64_t)blockIdx.x * per_slice + threadIdx.x * 2; c0 < c_end; c0 += LP_THIN_FUSED_THREADS * 2)
        lp_thin_up_columns<T, VEC_UP>(u_rows, b, y, n, row0, rows, c0, r, scale);
}

/* LORAPAR_THIN_FUSED=0 in the environment keeps the two launches for every rank (for A/B measurements). */
static bool lp_cuda_thin_fused_enabled() {
    static int enabled = -1; /* read once */
    if (enabled < 0) {
        const char *v = getenv("LORAPAR_THIN_FUSED");
        enabled = v != NULL && strcmp(v, "0") == 0 ? 0 : 1;
    }
    return enabled != 0;
}

bool lp_cuda_thin_group_aligned(const lp_thin_group &g, int64_t m, int64_t k, int64_t r, size_t elem,
                                const void *x, bool down) {
    if (down) {
        if (k % 8 != 0 || !lp_rows_aligned16(x, k, elem)) return false;
        for (int i = 0; i < g.count; i++)
            if (!lp_rows_aligned16(g.a[i], k, elem)) return false;
        return true;
    }
    if (r % 8 != 0) return false;
    for (int i = 0; i < g.count; i++)
        if (!lp_rows_aligned16(g.b[i], r, elem)) return false;
    return true;
}

lp_status lp_cuda_thin_lora_group(lp_stream stream, lp_dtype dtype, int64_t m, int64_t k, int64_t r, float scale,
                                  const void *x, const lp_thin_group &g) {
    return lp_dispatch_float_dtype("lp_lora (thin projections)", dtype, [&](auto tag) -> lp_status {
        using T = decltype(tag);
        if (m == 0 || r == 0 || g.count == 0) return LP_OK;
        const bool down_vec = lp_cuda_thin_group_aligned(g, m, k, r, sizeof(T), x, true);
        const bool up_vec = lp_cuda_thin_group_aligned(g, m, k, r, sizeof(T), x, false);
        int64_t max_n = 0;
        for (int i = 0; i < g.count; i++) max_n = g.n[i] > max_n ? g.n[i] : max_n;
        if (r <= LP_THIN_FUSED_MAX_RANK && lp_cuda_thin_fused_enabled()) { /* one launch */
            const int64_t slices = max_n > 0 ? (max_n + LP_THIN_FUSED_COLS - 1) / LP_THIN_FUSED_COLS : 1;
            const dim3 grid((unsigned int)slices, (unsigned int)((m + LP_THIN_UP_ROWS - 1) / LP_THIN_UP_ROWS),
                            (unsigned int)g.count);
            void (*kernel)(const T *, lp_thin_group, int64_t, int64_t, int64_t, float) =
                r <= 8 ? (down_vec ? (up_vec ? lp_thin_fused_kernel<T, true, true, 8>
                                             : lp_thin_fused_kernel<T, true, false, 8>)
                                   : (up_vec ? lp_thin_fused_kernel<T, false, true, 8>
                                             : lp_thin_fused_kernel<T, false, false, 8>))
                       : (down_vec ? (up_vec ? lp_thin_fused_kernel<T, true, true, 16>
                                             : lp_thin_fused_kernel<T, true, false, 16>)
                                   : (up_vec ? lp_thin_fused_kernel<T, false, true, 16>
                                             : lp_thin_fused_kernel<T, false, false, 16>));
            LP_CUDA_CHECK_PDL("lp_thin_fused_kernel",
                              lp_launch_pdl(stream, kernel, grid, LP_THIN_FUSED_THREADS, 0, static_cast<const T *>(x),
                                            g, m, k, r, scale));
            return LP_OK;
        }
        /* u_i [m×r] = x [m×k] · A'_iᵀ */
        const dim3 down_grid((unsigned int)m, (unsigned int)((r + LP_THIN_CHUNK - 1) / LP_THIN_CHUNK),
                             (unsigned int)g.count);
        LP_CUDA_CHECK_PDL("lp_thin_down_kernel",
                          lp_launch_pdl(stream, down_vec ? lp_thin_down_kernel<T, true> : lp_thin_down_kernel<T, false>,
                                        down_grid, LP_THIN_THREADS, 0, static_cast<const T *>(x), g, k, r));
        /* y_i [m×n_i] += scale · u_i · B'_iᵀ */
        if (max_n == 0) return LP_OK;
        const int64_t per_block = (int64_t)LP_THIN_UP_THREADS * 2;
        const dim3 up_grid((unsigned int)((max_n + per_block - 1) / per_block),
                           (unsigned int)((m + LP_THIN_UP_ROWS - 1) / LP_THIN_UP_ROWS), (unsigned int)g.count);
        LP_CUDA_CHECK_PDL("lp_thin_up_kernel",
                          lp_launch_pdl(stream, up_vec ? lp_thin_up_kernel<T, true> : lp_thin_up_kernel<T, false>,
                                        up_grid, LP_THIN_UP_THREADS, 0, g, m, r, scale));
        return LP_OK;
    });
}
