/*
 * gemm_cublaslt.cu — lp_cuda_gemm and the internal lp_cuda_gemm_run, on cuBLASLt.
 *
 * Row-major → column-major: a row-major [r×c] matrix with leading dimension ld is, in memory, the
 * column-major [c×r] matrix (its transpose) with the same ld. So the row-major C = op(A)·op(B) is
 * computed as the column-major Cᵀ = op(B)ᵀ·op(A)ᵀ: cuBLAS's "A" operand is our B and its "B" is our A,
 * with the same transpose flags, and C / D are the column-major [n×m] view of our C.
 *
 * Per stream (lp_cuda_state.gemm, created on the first GEMM): the cuBLASLt handle, a 32 MiB
 * workspace, and a cache of plans (descriptors + heuristic algorithm) keyed by everything that shapes
 * the problem: transposes, m, n, k, leading dimensions, batch count and strides, dtypes and the
 * pointer alignments. Compute type is always CUBLAS_COMPUTE_32F (no TF32) with fp32 alpha / beta.
 * A stream is used by one host thread at a time, so the cache needs no lock.
 */
#include <cublasLt.h>

#include <array>
#include <map>
#include <new>

#include "cuda_common.cuh"
#include "gemm.cuh"

namespace {

constexpr size_t kWorkspaceBytes = (size_t)32 << 20; /* cuBLASLt workspace per stream */
constexpr size_t kMaxPlans = 1024;                    /* the cache is emptied when it reaches this */
constexpr int kHeuristicResults = 8;

lp_status lp_cublas_error(cublasStatus_t status, const char *file, int line, const char *call) {
    return lp_fail(LP_ERR_CUBLAS, "%s:%d %s: %s", lp_source_name(file), line, call, cublasLtGetStatusName(status));
}

#define LP_CUBLAS_STATUS(call)                                                                       \
    ([&]() -> lp_status {                                                                            \
        cublasStatus_t lp_cublas_st_ = (call);                                                       \
        return lp_cublas_st_ == CUBLAS_STATUS_SUCCESS ? LP_OK                                        \
                                                      : lp_cublas_error(lp_cublas_st_, __FILE__, __LINE__, #call); \
    }())
#define LP_CUBLAS_CHECK(call)                             \
    do {                                                  \
        lp_status lp_cublas_chk_ = LP_CUBLAS_STATUS(call); \
        if (lp_cublas_chk_ != LP_OK) return lp_cublas_chk_; \
    } while (0)

/* transa, transb, m, n, k, lda, ldb, ldc, stride_a, stride_b, stride_c, batch, ab, c, align a, b, c */
using lp_plan_key = std::array<int64_t, 17>;

/* Everything cublasLtMatmul needs besides pointers and alpha / beta. */
struct lp_plan {
    cublasLtMatmulDesc_t op = nullptr;
    cublasLtMatrixLayout_t lt_a = nullptr; /* cuBLAS "A" = our B */
    cublasLtMatrixLayout_t lt_b = nullptr; /* cuBLAS "B" = our A */
    cublasLtMatrixLayout_t lt_c = nullptr; /* C and D: column-major [n×m], ld = ldc */
    cublasLtMatmulAlgo_t algo;
};

struct lp_gemm_ctx {
    cublasLtHandle_t handle = nullptr;
    void *workspace = nullptr; /* device [kWorkspaceBytes] */
    std::map<lp_plan_key, lp_plan> plans;
};

void lp_plan_destroy(lp_plan *plan) {
    if (plan->lt_c != nullptr) (void)cublasLtMatrixLayoutDestroy(plan->lt_c);
    if (plan->lt_b != nullptr) (void)cublasLtMatrixLayoutDestroy(plan->lt_b);
    if (plan->lt_a != nullptr) (void)cublasLtMatrixLayoutDestroy(plan->lt_a);
    if (plan->op != nullptr) (void)cublasLtMatmulDescDestroy(plan->op);
    *plan = lp_plan();
}

void lp_plans_clear(lp_gemm_ctx *ctx) {
    for (auto &entry : ctx->plans) lp_plan_destroy(&entry.second);
    ctx->plans.clear();
}

/* lp_cuda_state.gemm_release: the stream has been synchronized and its device is current. */
lp_status lp_gemm_ctx_release(void *opaque) {
    lp_gemm_ctx *ctx = static_cast<lp_gemm_ctx *>(opaque);
    lp_status result = LP_OK, st;
    lp_plans_clear(ctx);
    if (ctx->handle != nullptr && (st = LP_CUBLAS_STATUS(cublasLtDestroy(ctx->handle))) != LP_OK) result = st;
    if (ctx->workspace != nullptr && (st = LP_CUDA_STATUS(cudaFree(ctx->workspace))) != LP_OK) result = st;
    delete ctx;
    return result;
}

/* The stream's cuBLASLt context, created on first use. */
lp_status lp_gemm_ctx_of(lp_stream stream, lp_gemm_ctx **out_ctx) {
    lp_cuda_state *state = lp_cuda_state_of(stream);
    if (state->gemm != nullptr) {
        *out_ctx = static_cast<lp_gemm_ctx *>(state->gemm);
        return LP_OK;
    }
    lp_gemm_ctx *ctx = new (std::nothrow) lp_gemm_ctx();
    if (ctx == nullptr)
        return lp_fail(LP_ERR_OUT_OF_MEMORY, "lp_gemm: no host memory for the cuBLASLt context (%zu bytes)",
                       sizeof(lp_gemm_ctx));
    lp_status st = LP_CUBLAS_STATUS(cublasLtCreate(&ctx->handle));
    if (st == LP_OK) st = lp_cuda_device_alloc(state->device, kWorkspaceBytes, &ctx->workspace);
    if (st != LP_OK) {
        (void)lp_gemm_ctx_release(ctx);
        return st;
    }
    state->gemm = ctx;
    state->gemm_release = lp_gemm_ctx_release;
    *out_ctx = ctx;
    return LP_OK;
}

cudaDataType_t lp_cuda_data_type(lp_dtype dtype) { return dtype == LP_BF16 ? CUDA_R_16BF : CUDA_R_32F; }

/* Largest power of two ≤ 256 dividing every address the GEMM uses for one operand. */
int64_t lp_alignment(const void *ptr, int64_t stride_bytes, int64_t batch) {
    uint64_t bits = (uint64_t)(uintptr_t)ptr | 256u;
    if (batch > 1) bits |= (uint64_t)stride_bytes;
    return (int64_t)(bits & (~bits + 1)); /* lowest set bit */
}

/* Column-major layout [rows×cols] with leading dimension ld, batched when batch > 1. */
lp_status lp_layout_create(cublasLtMatrixLayout_t *out, lp_dtype dtype, int64_t rows, int64_t cols, int64_t ld,
                           int64_t batch, int64_t stride) {
    LP_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(out, lp_cuda_data_type(dtype), (uint64_t)rows, (uint64_t)cols, ld));
    if (batch > 1) {
        const int32_t batch_count = (int32_t)batch;
        LP_CUBLAS_CHECK(cublasLtMatrixLayoutSetAttribute(*out, CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT, &batch_count,
                                                         sizeof batch_count));
        LP_CUBLAS_CHECK(cublasLtMatrixLayoutSetAttribute(*out, CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET, &stride,
                                                         sizeof stride));
    }
    return LP_OK;
}

/* Descriptors + the heuristic's best algorithm for the problem of `g` (batch = chunk count). */
lp_status lp_plan_build(lp_gemm_ctx *ctx, const lp_gemm_args *g, int64_t batch, const lp_plan_key &key,
                        lp_plan *plan) {
    const cublasOperation_t op_lt_a = g->trans_b ? CUBLAS_OP_T : CUBLAS_OP_N; /* applied to our B */
    const cublasOperation_t op_lt_b = g->trans_a ? CUBLAS_OP_T : CUBLAS_OP_N; /* applied to our A */
    LP_CUBLAS_CHECK(cublasLtMatmulDescCreate(&plan->op, CUBLAS_COMPUTE_32F, CUDA_R_32F));
    LP_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(plan->op, CUBLASLT_MATMUL_DESC_TRANSA, &op_lt_a, sizeof op_lt_a));
    LP_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(plan->op, CUBLASLT_MATMUL_DESC_TRANSB, &op_lt_b, sizeof op_lt_b));
    /* cuBLAS A = our B, stored row-major [k×n] (N: column-major [n×k]) or [n×k] (T: column-major [k×n]) */
    LP_CHECK(lp_layout_create(&plan->lt_a, g->ab_dtype, g->trans_b ? g->k : g->n, g->trans_b ? g->n : g->k, g->ldb,
                              batch, g->stride_b));
    /* cuBLAS B = our A, stored row-major [m×k] (N: column-major [k×m]) or [k×m] (T: column-major [m×k]) */
    LP_CHECK(lp_layout_create(&plan->lt_b, g->ab_dtype, g->trans_a ? g->m : g->k, g->trans_a ? g->k : g->m, g->lda,
                              batch, g->stride_a));
    LP_CHECK(lp_layout_create(&plan->lt_c, g->c_dtype, g->n, g->m, g->ldc, batch, g->stride_c));

    cublasLtMatmulPreference_t pref = nullptr;
    LP_CUBLAS_CHECK(cublasLtMatmulPreferenceCreate(&pref));
    const uint64_t workspace_bytes = kWorkspaceBytes;
    const uint32_t align_lt_a = (uint32_t)key[15], align_lt_b = (uint32_t)key[14], align_c = (uint32_t)key[16];
    lp_status st = LP_CUBLAS_STATUS(cublasLtMatmulPreferenceSetAttribute(
        pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &workspace_bytes, sizeof workspace_bytes));
    if (st == LP_OK)
        st = LP_CUBLAS_STATUS(cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES,
                                                                   &align_lt_a, sizeof align_lt_a));
    if (st == LP_OK)
        st = LP_CUBLAS_STATUS(cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES,
                                                                   &align_lt_b, sizeof align_lt_b));
    if (st == LP_OK)
        st = LP_CUBLAS_STATUS(cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES,
                                                                   &align_c, sizeof align_c));
    if (st == LP_OK)
        st = LP_CUBLAS_STATUS(cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES,
                                                                   &align_c, sizeof align_c));
    cublasLtMatmulHeuristicResult_t results[kHeuristicResults];
    int returned = 0;
    if (st == LP_OK)
        st = LP_CUBLAS_STATUS(cublasLtMatmulAlgoGetHeuristic(ctx->handle, plan->op, plan->lt_a, plan->lt_b,
                                                             plan->lt_c, plan->lt_c, pref, kHeuristicResults, results,
                                                             &returned));
    (void)cublasLtMatmulPreferenceDestroy(pref);
    if (st != LP_OK) return st;
    for (int i = 0; i < returned; i++) {
        if (results[i].state == CUBLAS_STATUS_SUCCESS && results[i].workspaceSize <= kWorkspaceBytes) {
            plan->algo = results[i].algo;
            return LP_OK;
        }
    }
    return lp_fail(LP_ERR_CUBLAS,
                   "lp_gemm: cuBLASLt has no algorithm for m=%lld n=%lld k=%lld trans_a=%d trans_b=%d "
                   "lda=%lld ldb=%lld ldc=%lld batch=%lld ab=%s c=%s (CUBLAS_STATUS_NOT_SUPPORTED)",
                   (long long)g->m, (long long)g->n, (long long)g->k, (int)g->trans_a, (int)g->trans_b,
                   (long long)g->lda, (long long)g->ldb, (long long)g->ldc, (long long)batch,
                   lp_dtype_name(g->ab_dtype), lp_dtype_name(g->c_dtype));
}

/* The cached plan for `key`, built on a miss. */
lp_status lp_plan_get(lp_gemm_ctx *ctx, const lp_gemm_args *g, int64_t batch, const lp_plan_key &key,
                      const lp_plan **out_plan) {
    auto found = ctx->plans.find(key);
    if (found != ctx->plans.end()) {
        *out_plan = &found->second;
        return LP_OK;
    }
    if (ctx->plans.size() >= kMaxPlans) lp_plans_clear(ctx);
    lp_plan plan;
    lp_status st = lp_plan_build(ctx, g, batch, key, &plan);
    if (st != LP_OK) {
        lp_plan_destroy(&plan);
        return st;
    }
    try {
        *out_plan = &ctx->plans.emplace(key, plan).first->second;
    } catch (const std::bad_alloc &) {
        lp_plan_destroy(&plan);
        return lp_fail(LP_ERR_OUT_OF_MEMORY, "lp_gemm: no host memory for the cuBLASLt plan cache");
    }
    return LP_OK;
}

} // namespace

lp_status lp_cuda_gemm_prepare(lp_stream stream) {
    lp_gemm_ctx *ctx = nullptr;
    return lp_gemm_ctx_of(stream, &ctx);
}

lp_status lp_cuda_gemm_run(lp_stream stream, const lp_gemm_args *g) {
    if (g->m == 0 || g->n == 0 || g->batch == 0) return LP_OK;
    if (g->k == 0) /* empty product: C = beta · C */
        return lp_cuda_scale_matrix(stream, g->c, g->c_dtype, g->m, g->n, g->ldc, g->stride_c, g->batch, g->beta);
    lp_gemm_ctx *ctx = nullptr;
    LP_CHECK(lp_gemm_ctx_of(stream, &ctx));
    const int64_t ab_size = (int64_t)lp_dtype_size(g->ab_dtype), c_size = (int64_t)lp_dtype_size(g->c_dtype);
    const char *a = static_cast<const char *>(g->a), *b = static_cast<const char *>(g->b);
    char *c = static_cast<char *>(g->c);
    const int64_t max_chunk = 65535; /* batch count per cublasLtMatmul call */
    for (int64_t done = 0; done < g->batch;) {
        const int64_t chunk = g->batch - done < max_chunk ? g->batch - done : max_chunk;
        const char *a_chunk = a + done * g->stride_a * ab_size, *b_chunk = b + done * g->stride_b * ab_size;
        char *c_chunk = c + done * g->stride_c * c_size;
        const bool batched = chunk > 1;
        const lp_plan_key key = {g->trans_a, g->trans_b, g->m, g->n, g->k, g->lda, g->ldb, g->ldc,
                                 batched ? g->stride_a : 0, batched ? g->stride_b : 0, batched ? g->stride_c : 0,
                                 chunk, g->ab_dtype, g->c_dtype,
                                 lp_alignment(a_chunk, g->stride_a * ab_size, chunk),
                                 lp_alignment(b_chunk, g->stride_b * ab_size, chunk),
                                 lp_alignment(c_chunk, g->stride_c * c_size, chunk)};
        const lp_plan *plan = nullptr;
        LP_CHECK(lp_plan_get(ctx, g, chunk, key, &plan));
        LP_CUBLAS_CHECK(cublasLtMatmul(ctx->handle, plan->op, &g->alpha, b_chunk, plan->lt_a, a_chunk, plan->lt_b,
                                       &g->beta, c_chunk, plan->lt_c, c_chunk, plan->lt_c, &plan->algo, ctx->workspace,
                                       kWorkspaceBytes, lp_cuda_stream_of(stream)));
        done += chunk;
    }
    return LP_OK;
}

extern "C" lp_status lp_cuda_gemm(lp_stream stream, int32_t trans_a, int32_t trans_b, int64_t m, int64_t n, int64_t k,
                                  float alpha, const void *a, int64_t lda, int64_t stride_a, const void *b,
                                  int64_t ldb, int64_t stride_b, float beta, void *c, int64_t ldc, int64_t stride_c,
                                  int64_t batch, lp_dtype ab_dtype, lp_dtype c_dtype) {
    LP_CHECK(lp_cuda_use_device(stream->device));
    const lp_gemm_args args = {trans_a != 0, trans_b != 0, m, n, k, alpha, a, lda, stride_a, b, ldb, stride_b,
                               beta, c, ldc, stride_c, batch, ab_dtype, c_dtype};
    return lp_cuda_gemm_run(stream, &args);
}
