/*
 * gemm_scale.cu — lp_cuda_scale_matrix: C = beta · C over strided, batched matrices. The k == 0 case
 * of lp_gemm (an empty product), which cuBLASLt does not take.
 */
#include "gemm.cuh"

/* c: batch × [rows×cols], element (b, i, j) at c[b·stride_c + i·ldc + j]. */
template <class T>
__global__ void lp_scale_matrix_kernel(T *c, int64_t rows, int64_t cols, int64_t ldc, int64_t stride_c,
                                       int64_t total, float beta) {
    const int64_t per_matrix = rows * cols;
    for (int64_t idx = lp_thread_index(); idx < total; idx += lp_grid_stride()) {
        const int64_t b = idx / per_matrix, within = idx - b * per_matrix;
        const int64_t i = within / cols, j = within - i * cols;
        T *p = c + b * stride_c + i * ldc + j;
        *p = lp_from_float<T>(beta == 0.0f ? 0.0f : beta * lp_to_float(*p));
    }
}

lp_status lp_cuda_scale_matrix(lp_stream stream, void *c, lp_dtype dtype, int64_t rows, int64_t cols, int64_t ldc,
                               int64_t stride_c, int64_t batch, float beta) {
    if (rows == 0 || cols == 0 || batch == 0 || beta == 1.0f) return LP_OK;
    const int64_t total = batch * rows * cols;
    const unsigned int grid = lp_cuda_grid(stream, total);
    cudaStream_t cuda_stream = lp_cuda_stream_of(stream);
    if (dtype == LP_F32) {
        lp_scale_matrix_kernel<float><<<grid, LP_THREADS, 0, cuda_stream>>>(static_cast<float *>(c), rows, cols, ldc,
                                                                            stride_c, total, beta);
    } else if (dtype == LP_BF16) {
        lp_scale_matrix_kernel<lp_bf16><<<grid, LP_THREADS, 0, cuda_stream>>>(static_cast<lp_bf16 *>(c), rows, cols,
                                                                              ldc, stride_c, total, beta);
    } else {
        return lp_fail(LP_ERR_UNSUPPORTED, "lp_gemm: c dtype %s is not supported", lp_dtype_name(dtype));
    }
    LP_CUDA_CHECK_LAUNCH("lp_scale_matrix_kernel");
    return LP_OK;
}
