/*
 * rmsnorm.cu — lp_cuda_rmsnorm_forward / lp_cuda_rmsnorm_backward, one block of LP_THREADS per row.
 * Forward: Σ x² of the row in double (block sum in a fixed order), mean = (float)(Σ / dim),
 *   rstd = 1.0f / sqrtf(mean + eps) (IEEE sqrt and division), then y = (x · rstd) · w in fp32.
 * Backward: per row, dot = Σ_j (dy_j·w_j)·x̂_j in double, m = (float)(dot / dim), x̂ = x·rstd,
 *   dx_j = rstd · (dy_j·w_j − x̂_j·m) (+ old dx). dw is deterministic: a first kernel sums dy·x̂ (fp32) over
 *   fixed chunks of rows per column, rows in order, into f32 partials [chunks×dim] (scratch arena); a second
 *   adds the chunk partials in chunk order in double and sets dw[j] = (float)((double)dw[j] + total).
 *   Chunking (≤ 256 chunks of ≥ 16 rows) depends only on rows and is the CPU backend's (cpu_rmsnorm.c), so
 *   every GPU gives the same bits. The dw kernels run before the dx kernel, so dx may alias x or dy.
 *   Every fp32 step is rounded as written (_rn intrinsics, no FMA contraction).
 */
#include <limits.h>

#include "layer_rows.cuh"

#define LP_RMS_MAX_CHUNKS 256 /* row chunks of the dw partial sums (as cpu_rmsnorm.c) */
#define LP_RMS_MIN_CHUNK_ROWS 16

/* ------------------------------------------------------------------------------------------ kernels */

/* x, y [rows×dim] T, w [dim] T, rstd [rows] f32; vec: rows of x, y and w are 16-byte aligned. */
template <class T>
__global__ void lp_rmsnorm_forward_kernel(const T *x, const T *w, T *y, float *rstd, int64_t rows, int64_t dim,
                                          float eps, bool vec) {
    lp_pdl_wait(); /* launched by lp_launch_pdl */
    for (int64_t row = blockIdx.x; row < rows; row += gridDim.x) {
        const T *xr = x + row * dim;
        T *yr = y + row * dim;
        double ss = 0.0;
        lp_row_groups(dim, vec, [&](int64_t first, int count) {
            float v[8];
            lp_load_n(xr + first, count, v);
            for (int e = 0; e < count; e++) ss += (double)v[e] * (double)v[e];
        });
        const double total = lp_block_broadcast(lp_block_sum(ss));
        const float mean = (float)(dim > 0 ? total / (double)dim : 0.0);
        const float r = __frcp_rn(__fsqrt_rn(__fadd_rn(mean, eps)));
        if (threadIdx.x == 0) rstd[row] = r;
        lp_row_groups(dim, vec, [&](int64_t first, int count) {
            float v[8], g[8];
            lp_load_n(xr + first, count, v);
            lp_load_n(w + first, count, g);
            for (int e = 0; e < count; e++) v[e] = __fmul_rn(__fmul_rn(v[e], r), g[e]);
            lp_store_n(yr + first, count, v);
        });
    }
}

/* x, dy, dx [rows×dim] T, w [dim] T, rstd [rows] f32; vec: rows of x, dy, dx and w are 16-byte aligned. */
template <class T>
__global__ void lp_rmsnorm_dx_kernel(const T *x, const T *w, const float *rstd, const T *dy, T *dx, int64_t rows,
                                     int64_t dim, bool accumulate, bool vec) {
    for (int64_t row = blockIdx.x; row < rows; row += gridDim.x) {
        const T *xr = x + row * dim;
        const T *dyr = dy + row * dim;
        T *dxr = dx + row * dim;
        const float r = rstd[row];
        double dot = 0.0;
        lp_row_groups(dim, vec, [&](int64_t first, int count) {
            float xv[8], gv[8], wv[8];
            lp_load_n(xr + first, count, xv);
            lp_load_n(dyr + first, count, gv);
            lp_load_n(w + first, count, wv);
            for (int e = 0; e < count; e++)
                dot += (double)__fmul_rn(gv[e], wv[e]) * (double)__fmul_rn(xv[e], r);
        });
        const double total = lp_block_broadcast(lp_block_sum(dot));
        const float m = (float)(dim > 0 ? total / (double)dim : 0.0);
        lp_row_groups(dim, vec, [&](int64_t first, int count) {
            float xv[8], gv[8], wv[8], old[8];
            lp_load_n(xr + first, count, xv);
            lp_load_n(dyr + first, count, gv);
            lp_load_n(w + first, count, wv);
            if (accumulate) lp_load_n(dxr + first, count, old);
            for (int e = 0; e < count; e++) {
                const float g = __fmul_rn(gv[e], wv[e]);
                const float xhat = __fmul_rn(xv[e], r);
                float d = __fmul_rn(r, __fsub_rn(g, __fmul_rn(xhat, m)));
                if (accumulate) d = __fadd_rn(old[e], d);
                xv[e] = d;
            }
            lp_store_n(dxr + first, count, xv);
        });
    }
}

/* partials [chunks×dim] f32: partials[k][j] = Σ over rows [k·chunk_rows, (k+1)·chunk_rows) ∩ [0, rows), in
 * order, of dy[i][j] · (x[i][j] · rstd[i]), all fp32. Grid (⌈dim/LP_THREADS⌉, chunks). */
template <class T>
__global__ void lp_rmsnorm_dw_partial_kernel(const T *x, const float *rstd, const T *dy, int64_t rows, int64_t dim,
                                             int64_t chunk_rows, float *partials) {
    const int64_t j = (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (j >= dim) return;
    const int64_t k = blockIdx.y;
    const int64_t begin = k * chunk_rows;
    const int64_t end = begin + chunk_rows < rows ? begin + chunk_rows : rows;
    float acc = 0.0f;
    for (int64_t i = begin; i < end; i++) {
        const float xhat = __fmul_rn(lp_to_float(x[i * dim + j]), rstd[i]);
        acc = __fadd_rn(acc, __fmul_rn(lp_to_float(dy[i * dim + j]), xhat));
    }
    partials[k * dim + j] = acc;
}

/* dw [dim] f32 = (float)((double)dw[j] + Σ_k partials[k][j]), the sum in double in chunk order. */
__global__ void lp_rmsnorm_dw_finish_kernel(const float *partials, int64_t chunks, int64_t dim, float *dw) {
    for (int64_t j = lp_thread_index(); j < dim; j += lp_grid_stride()) {
        double total = 0.0;
        for (int64_t k = 0; k < chunks; k++) total += (double)partials[k * dim + j];
        dw[j] = (float)((double)dw[j] + total);
    }
}

/* ---------------------------------------------------------------------------------------- entries */

extern "C" lp_status lp_cuda_rmsnorm_forward(lp_stream stream, lp_dtype dtype, int64_t rows, int64_t dim, float eps,
                                             const void *x, const void *w, void *y, float *rstd) {
    LP_CHECK(lp_cuda_use_device(stream->device));
    if (rows == 0) return LP_OK;
    return lp_dispatch_float_dtype("lp_rmsnorm_forward", dtype, [&](auto tag) -> lp_status {
        using T = decltype(tag);
        const bool vec = lp_rows_aligned16(x, dim, sizeof(T)) && lp_rows_aligned16(y, dim, sizeof(T)) &&
                         lp_rows_aligned16(w, dim, sizeof(T));
        LP_CUDA_CHECK_PDL("lp_rmsnorm_forward_kernel",
                          lp_launch_pdl(stream, lp_rmsnorm_forward_kernel<T>, lp_row_grid(rows), LP_THREADS, 0,
                                        static_cast<const T *>(x), static_cast<const T *>(w), static_cast<T *>(y),
                                        rstd, rows, dim, eps, vec));
        return LP_OK;
    });
}

/* dw [dim] += Σ_rows dy ⊙ x̂ through f32 partials of fixed row chunks (scratch arena). */
template <class T>
static lp_status lp_rmsnorm_dw(lp_stream stream, int64_t rows, int64_t dim, const T *x, const float *rstd,
                               const T *dy, float *dw) {
    int64_t chunk_rows = (rows + LP_RMS_MAX_CHUNKS - 1) / LP_RMS_MAX_CHUNKS;
    if (chunk_rows < LP_RMS_MIN_CHUNK_ROWS) chunk_rows = LP_RMS_MIN_CHUNK_ROWS;
    const int64_t chunks = (rows + chunk_rows - 1) / chunk_rows; /* ≤ LP_RMS_MAX_CHUNKS */
    lp_scratch_layout layout;
    const size_t partials_off = layout.add((size_t)chunks * (size_t)dim * sizeof(float)); /* [chunks×dim] */
    void *base = NULL;
    LP_CHECK(lp_cuda_scratch(stream, layout.bytes, &base));
    float *partials = reinterpret_cast<float *>(static_cast<unsigned char *>(base) + partials_off);
    cudaStream_t s = lp_cuda_stream_of(stream);
    const int64_t col_blocks = (dim + LP_THREADS - 1) / LP_THREADS;
    if (col_blocks > INT_MAX)
        return lp_fail(LP_ERR_UNSUPPORTED, "lp_rmsnorm_backward: dim = %lld is too large for the CUDA backend",
                       (long long)dim);
    const dim3 grid((unsigned int)col_blocks, (unsigned int)chunks);
    lp_rmsnorm_dw_partial_kernel<T><<<grid, LP_THREADS, 0, s>>>(x, rstd, dy, rows, dim, chunk_rows, partials);
    LP_CUDA_CHECK_LAUNCH("lp_rmsnorm_dw_partial_kernel");
    lp_rmsnorm_dw_finish_kernel<<<lp_cuda_grid(stream, dim), LP_THREADS, 0, s>>>(partials, chunks, dim, dw);
    LP_CUDA_CHECK_LAUNCH("lp_rmsnorm_dw_finish_kernel");
    return LP_OK;
}

extern "C" lp_status lp_cuda_rmsnorm_backward(lp_stream stream, lp_dtype dtype, int64_t rows, int64_t dim,
                                              const void *x, const void *w, const float *rstd, const void *dy,
                                              void *dx, float *dw, int32_t accumulate_dx) {
    LP_CHECK(lp_cuda_use_device(stream->device));
    if (rows == 0 || dim == 0) return LP_OK;
    return lp_dispatch_float_dtype("lp_rmsnorm_backward", dtype, [&](auto tag) -> lp_status {
        using T = decltype(tag);
        const T *xt = static_cast<const T *>(x);
        const T *dyt = static_cast<const T *>(dy);
        if (dw != NULL) LP_CHECK(lp_rmsnorm_dw<T>(stream, rows, dim, xt, rstd, dyt, dw)); /* before dx: aliasing */
        if (dx == NULL) return LP_OK;
        const bool vec = lp_rows_aligned16(x, dim, sizeof(T)) && lp_rows_aligned16(dy, dim, sizeof(T)) &&
                         lp_rows_aligned16(dx, dim, sizeof(T)) && lp_rows_aligned16(w, dim, sizeof(T));
        lp_rmsnorm_dx_kernel<T><<<lp_row_grid(rows), LP_THREADS, 0, lp_cuda_stream_of(stream)>>>(
            xt, static_cast<const T *>(w), rstd, dyt, static_cast<T *>(dx), rows, dim, accumulate_dx != 0, vec);
        LP_CUDA_CHECK_LAUNCH("lp_rmsnorm_dx_kernel");
        return LP_OK;
    });
}
