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
 * LORAPAR_THIN_LORA=0 in the environment sends every down and up projection to cuBLASLt (for A/B measurements).
 */
#include <stdlib.h>
#include <string.h>

#include "gemm.cuh"
#include "layer_rows.cuh"

#define LP_THIN_THREADS 256
#define LP_THIN_CHUNK 8 /* adapter rows per block */
#define LP_THIN_UP_THREADS 128
#define LP_THIN_UP_ROWS 8 /* rows of y per block of the up projection */

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

/* grid (⌈max n_i / (2·threads)⌉, ⌈m / 8⌉, count): thread (8 rows, columns c, c + 1) of projection z. B'_z rows c,
 * c + 1 are read once per block of 8 rows, in pieces of 8 values (16-byte loads when VEC: r a multiple of 8, every B'_i
 * aligned); the 16 y values are loaded before the sums, so their latency overlaps them; neighbouring threads update
 * neighbouring columns of y (coalesced). u_z's 8 rows sit in shared memory. */
template <class T, bool VEC>
__global__ void __launch_bounds__(LP_THIN_UP_THREADS)
lp_thin_up_kernel(lp_thin_group g, int64_t m, int64_t r, float scale) {
    lp_pdl_wait(); /* launched by lp_launch_pdl */
    __shared__ float u_rows[LP_THIN_UP_ROWS][LP_THIN_MAX_RANK]; /* [row of the block][adapter row] */
    const T *__restrict__ u = static_cast<const T *>(g.u[blockIdx.z]);
    const T *__restrict__ b = static_cast<const T *>(g.b[blockIdx.z]);
    T *__restrict__ y = static_cast<T *>(g.y[blockIdx.z]);
    const int64_t n = g.n[blockIdx.z];
    const int64_t row0 = (int64_t)blockIdx.y * LP_THIN_UP_ROWS;
    const int rows = m - row0 < LP_THIN_UP_ROWS ? (int)(m - row0) : LP_THIN_UP_ROWS;
    for (int i = threadIdx.x; i < rows * r; i += blockDim.x)
        u_rows[i / r][i % r] = lp_to_float(u[(row0 + i / r) * r + i % r]);
    __syncthreads();
    const int64_t c0 = ((int64_t)blockIdx.x * blockDim.x + threadIdx.x) * 2;
    if (c0 >= n) return;
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
        /* u_i [m×r] = x [m×k] · A'_iᵀ */
        const dim3 down_grid((unsigned int)m, (unsigned int)((r + LP_THIN_CHUNK - 1) / LP_THIN_CHUNK),
                             (unsigned int)g.count);
        const bool down_vec = lp_cuda_thin_group_aligned(g, m, k, r, sizeof(T), x, true);
        LP_CUDA_CHECK_PDL("lp_thin_down_kernel",
                          lp_launch_pdl(stream, down_vec ? lp_thin_down_kernel<T, true> : lp_thin_down_kernel<T, false>,
                                        down_grid, LP_THIN_THREADS, 0, static_cast<const T *>(x), g, k, r));
        /* y_i [m×n_i] += scale · u_i · B'_iᵀ */
        int64_t max_n = 0;
        for (int i = 0; i < g.count; i++) max_n = g.n[i] > max_n ? g.n[i] : max_n;
        if (max_n == 0) return LP_OK;
        const int64_t per_block = (int64_t)LP_THIN_UP_THREADS * 2;
        const dim3 up_grid((unsigned int)((max_n + per_block - 1) / per_block),
                           (unsigned int)((m + LP_THIN_UP_ROWS - 1) / LP_THIN_UP_ROWS), (unsigned int)g.count);
        const bool up_vec = lp_cuda_thin_group_aligned(g, m, k, r, sizeof(T), x, false);
        LP_CUDA_CHECK_PDL("lp_thin_up_kernel",
                          lp_launch_pdl(stream, up_vec ? lp_thin_up_kernel<T, true> : lp_thin_up_kernel<T, false>,
                                        up_grid, LP_THIN_UP_THREADS, 0, g, m, r, scale));
        return LP_OK;
    });
}
