// gemm_algos.cu — how far cuBLASLt's first heuristic choice is from the fastest of its candidates, for the GEMM
// shapes of a LLaMA-2-7B decode step (M = batch rows) and of training (M = 8192).
// Row-major y[M×N] = x[M×K]·W[N×K]ᵀ in bf16 with fp32 compute, as lorapar's lp_gemm issues it; the weight is
// rotated over enough copies to exceed the 60 MB L2, so each call streams it from HBM.
//
// build and run THERE: nvcc -O2 -std=c++17 -gencode arch=compute_90,code=sm_90 benchmarks/cuda/gemm_algos.cu \
//                          -lcublasLt -o /tmp/gemm_algos && /tmp/gemm_algos
// prints per shape: heuristic #0's median µs and weight GB/s, the best candidate's, and its index. "batch" rows: one
// strided-batched call for q, k, v (or gate, up) sharing x — what a decode step could issue instead of 3 (2) GEMMs.
#include <cublasLt.h>
#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>

#define CK(x)                                                                                      \
    do {                                                                                           \
        auto e_ = (x);                                                                             \
        if ((int)e_ != 0) {                                                                        \
            std::fprintf(stderr, "%s:%d %s failed: %d\n", __FILE__, __LINE__, #x, (int)e_);       \
            std::exit(1);                                                                          \
        }                                                                                          \
    } while (0)

namespace {

constexpr int kCandidates = 32;
constexpr int kReps = 30;
constexpr size_t kWorkspace = 32u << 20;

struct Shape {
    const char *name;
    int m, n, k;
    int batch = 1; /* > 1: `batch` weights [N×K] side by side, one shared x (stride 0), outputs side by side */
};

// median µs of kReps calls of algo (nullptr: the call fails → negative)
float time_algo(cublasLtHandle_t h, cublasLtMatmulDesc_t op, cublasLtMatrixLayout_t la, cublasLtMatrixLayout_t lb,
                cublasLtMatrixLayout_t lc, const cublasLtMatmulAlgo_t *algo, std::vector<void *> &weights, void *x,
                void *y, void *ws, cudaStream_t s) {
    const float alpha = 1.f, beta = 0.f;
    cudaEvent_t e0, e1;
    CK(cudaEventCreate(&e0));
    CK(cudaEventCreate(&e1));
    std::vector<float> us;
    for (int r = -3; r < kReps; r++) {
        void *w = weights[(r + 3) % weights.size()];
        CK(cudaEventRecord(e0, s));
        cublasStatus_t st = cublasLtMatmul(h, op, &alpha, w, la, x, lb, &beta, y, lc, y, lc, algo, ws, kWorkspace, s);
        CK(cudaEventRecord(e1, s));
        if (st != CUBLAS_STATUS_SUCCESS) {
            cudaEventDestroy(e0);
            cudaEventDestroy(e1);
            return -1.f;
        }
        CK(cudaEventSynchronize(e1));
        float ms = 0;
        CK(cudaEventElapsedTime(&ms, e0, e1));
        if (r >= 0) us.push_back(ms * 1000.f);
    }
    cudaEventDestroy(e0);
    cudaEventDestroy(e1);
    std::sort(us.begin(), us.end());
    return us[us.size() / 2];
}

void set_batch(cublasLtMatrixLayout_t layout, int batch, int64_t stride) {
    if (batch <= 1) return;
    CK(cublasLtMatrixLayoutSetAttribute(layout, CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT, &batch, sizeof batch));
    CK(cublasLtMatrixLayoutSetAttribute(layout, CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET, &stride, sizeof stride));
}

void run_shape(cublasLtHandle_t h, const Shape &sh, void *ws, cudaStream_t s) {
    const size_t wbytes = (size_t)sh.n * sh.k * 2 * sh.batch;
    const int copies = (int)std::max<size_t>(2, (size_t)(200u << 20) / wbytes + 1);
    std::vector<void *> weights(copies);
    for (auto &w : weights) {
        CK(cudaMalloc(&w, wbytes));
        CK(cudaMemset(w, 0x3c, wbytes));
    }
    void *x, *y;
    CK(cudaMalloc(&x, (size_t)sh.m * sh.k * 2));
    CK(cudaMemset(x, 0x3c, (size_t)sh.m * sh.k * 2));
    CK(cudaMalloc(&y, (size_t)sh.m * sh.n * 2 * sh.batch));
    // column-major view: yᵀ[N×M] = W[N×K] (stored K-major: column-major [K×N], op T) · xᵀ[K×M]
    cublasLtMatmulDesc_t op;
    CK(cublasLtMatmulDescCreate(&op, CUBLAS_COMPUTE_32F, CUDA_R_32F));
    cublasOperation_t t = CUBLAS_OP_T, nn = CUBLAS_OP_N;
    CK(cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_TRANSA, &t, sizeof t));
    CK(cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_TRANSB, &nn, sizeof nn));
    cublasLtMatrixLayout_t la, lb, lc;
    CK(cublasLtMatrixLayoutCreate(&la, CUDA_R_16BF, sh.k, sh.n, sh.k));
    CK(cublasLtMatrixLayoutCreate(&lb, CUDA_R_16BF, sh.k, sh.m, sh.k));
    CK(cublasLtMatrixLayoutCreate(&lc, CUDA_R_16BF, sh.n, sh.m, sh.n));
    set_batch(la, sh.batch, (int64_t)sh.n * sh.k);
    set_batch(lb, sh.batch, 0);
    set_batch(lc, sh.batch, (int64_t)sh.n * sh.m);
    cublasLtMatmulPreference_t pref;
    CK(cublasLtMatmulPreferenceCreate(&pref));
    uint64_t wsb = kWorkspace;
    CK(cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &wsb, sizeof wsb));
    cublasLtMatmulHeuristicResult_t res[kCandidates];
    int got = 0;
    CK(cublasLtMatmulAlgoGetHeuristic(h, op, la, lb, lc, lc, pref, kCandidates, res, &got));
    float first = -1, best = 1e30f;
    int best_i = -1;
    for (int i = 0; i < got; i++) {
        if (res[i].state != CUBLAS_STATUS_SUCCESS) continue;
        float us = time_algo(h, op, la, lb, lc, &res[i].algo, weights, x, y, ws, s);
        if (i == 0) first = us;
        if (us > 0 && us < best) {
            best = us;
            best_i = i;
        }
    }
    const double gb = (double)wbytes / 1e9;
    const double flops = 2.0 * sh.m * sh.n * sh.k * sh.batch;
    std::printf("gemm-algos %-10s M=%5d N=%5d K=%5d x%d  candidates %2d  heuristic#0 %8.1f us %6.0f GB/s %6.1f TF/s"
                "  best #%2d %8.1f us %6.0f GB/s %6.1f TF/s  gain %5.2fx\n",
                sh.name, sh.m, sh.n, sh.k, sh.batch, got, first, gb / (first * 1e-6), flops / (first * 1e-6) / 1e12, best_i,
                best, gb / (best * 1e-6), flops / (best * 1e-6) / 1e12, first / best);
    std::fflush(stdout);
    cublasLtMatmulPreferenceDestroy(pref);
    cublasLtMatrixLayoutDestroy(la);
    cublasLtMatrixLayoutDestroy(lb);
    cublasLtMatrixLayoutDestroy(lc);
    cublasLtMatmulDescDestroy(op);
    for (auto w : weights) cudaFree(w);
    cudaFree(x);
    cudaFree(y);
}

} // namespace

int main() {
    cublasLtHandle_t h;
    CK(cublasLtCreate(&h));
    cudaStream_t s;
    CK(cudaStreamCreate(&s));
    void *ws;
    CK(cudaMalloc(&ws, kWorkspace));
    const Shape shapes[] = {
        {"q/k/v/o", 64, 4096, 4096},  {"gate/up", 64, 11008, 4096}, {"down", 64, 4096, 11008},
        {"lm-head", 64, 32000, 4096}, {"q/k/v/o", 1, 4096, 4096},   {"gate/up", 1, 11008, 4096},
        {"down", 1, 4096, 11008},     {"qkv", 64, 12288, 4096},     {"gate+up", 64, 22016, 4096},
        {"q,k,v batch", 64, 4096, 4096, 3}, {"gate,up batch", 64, 11008, 4096, 2},
        {"q/k/v/o", 128, 4096, 4096}, {"down", 128, 4096, 11008},   {"q/k/v/o", 8192, 4096, 4096},
        {"gate/up", 8192, 11008, 4096}, {"down", 8192, 4096, 11008},
    };
    for (const Shape &sh : shapes) run_shape(h, sh, ws, s);
    cudaFree(ws);
    cublasLtDestroy(h);
    return 0;
}
