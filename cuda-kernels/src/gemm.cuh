/*
 * gemm.cuh — the internal GEMM entry of the CUDA backend, for ops built on GEMMs (lora_masked.cu).
 * lp_cuda_gemm_run is implemented with cuBLASLt in cublas/gemm_cublaslt.cu; lp_cuda_scale_matrix (the
 * k == 0 case, C = beta·C) in src/gemm_scale.cu.
 */
#ifndef LORAPAR_CUDA_GEMM_CUH
#define LORAPAR_CUDA_GEMM_CUH

#include "cuda_common.cuh"

/* C = alpha · op(A) · op(B) + beta · C, row-major, exactly as lp_gemm in lorapar.h. */
struct lp_gemm_args {
    int32_t trans_a, trans_b;
    int64_t m, n, k;
    float alpha;
    const void *a; /* op(A) [m×k]: trans_a = 0 → A stored [m×k] (lda ≥ k), else [k×m] (lda ≥ m) */
    int64_t lda, stride_a;
    const void *b; /* op(B) [k×n]: trans_b = 0 → B stored [k×n] (ldb ≥ n), else [n×k] (ldb ≥ k) */
    int64_t ldb, stride_b;
    float beta;
    void *c; /* C [m×n] (ldc ≥ n); not read when beta == 0 */
    int64_t ldc, stride_c;
    int64_t batch;
    lp_dtype ab_dtype; /* F32 or BF16 */
    lp_dtype c_dtype;  /* F32 or ab_dtype */
};

/* Runs the GEMM on the stream (the stream's device must already be current). Arguments valid. */
lp_status lp_cuda_gemm_run(lp_stream stream, const lp_gemm_args *args);

/* Creates the stream's cuBLASLt context (handle, workspace) now if it does not exist yet, so that a GEMM
 * inside a CUDA graph capture allocates nothing (graph.cu calls it when a capture begins). */
lp_status lp_cuda_gemm_prepare(lp_stream stream);

/* C = beta · C for `batch` matrices C [rows×cols] (row stride ldc, batch stride stride_c, elements of
 * dtype F32 or BF16). beta == 0 writes zeros without reading C; beta == 1 does nothing. */
lp_status lp_cuda_scale_matrix(lp_stream stream, void *c, lp_dtype dtype, int64_t rows, int64_t cols, int64_t ldc,
                               int64_t stride_c, int64_t batch, float beta);

/* The LoRA paths of a group of projections of one input x [m×k] (dtype F32 or BF16, rows contiguous): down
 * projections u_i [m×r] = x · A'_iᵀ (A'_i stored [r×k]) and up projections y_i [m×n_i] += scale · u_i · B'_iᵀ (B'_i
 * stored [n_i×r]) by lora_thin.cu's kernels instead of cuBLASLt, when lp_cuda_thin_down_applies(m, r): the few rows of
 * a decode step. Two launches for the whole group (A' and B' already masked as the mode requires). */
#define LP_THIN_MAX_ROWS 128
#define LP_THIN_MAX_RANK 64
struct lp_thin_group {
    const void *a[LP_LORA_GROUP_MAX]; /* A'_i [r×k] */
    const void *b[LP_LORA_GROUP_MAX]; /* B'_i [n_i×r] */
    void *u[LP_LORA_GROUP_MAX];       /* u_i [m×r] */
    void *y[LP_LORA_GROUP_MAX];       /* y_i [m×n_i] */
    int64_t n[LP_LORA_GROUP_MAX];
    int count;
};
bool lp_cuda_thin_down_applies(int64_t m, int64_t r);
lp_status lp_cuda_thin_lora_group(lp_stream stream, lp_dtype dtype, int64_t m, int64_t k, int64_t r, float scale,
                                  const void *x, const lp_thin_group &g);

#endif /* LORAPAR_CUDA_GEMM_CUH */
