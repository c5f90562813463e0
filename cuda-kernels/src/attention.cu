/*
 * attention.cu — causal grouped-query attention on CUDA: lp_cuda_attention_forward and
 * lp_cuda_attention_backward (contract: lorapar.h). Flash-style: the kernels stream key / query tiles
 * through shared memory and never hold a seq×seq matrix (attention_fwd.cuh, attention_bwd.cuh).
 * Kernels are instantiated per dtype (F32, BF16) and head-dim bound: exact head_dim 64 and 128, any
 * other head_dim ≤ 256 through the generic kernels bounded by 32, 64, 128 or 256.
 * BF16 with head_dim 64 or 128 takes the tensor-core kernels (attention_tc_fwd.cuh, attention_tc_bwd.cuh)
 * when every tensor is 16-byte aligned and the device gives their shared memory; everything else takes
 * the fp32 SIMT kernels.
 * The backward reserves delta [batch×n_heads×seq] f32 in the stream's scratch arena.
 */
#include <initializer_list>

#include "attention_bwd.cuh"
#include "attention_fwd.cuh"
#include "attention_tc_bwd.cuh"
#include "attention_tc_fwd.cuh"

/* The problem of one call, as the kernels take it (sizes checked to fit their int arithmetic). */
struct lp_attn_problem {
    int batch, seq, n_heads, n_kv_heads, head_dim;
    float scale;
};

/* Selects the kernel instantiation (dtype, head-dim bound, exact or generic) for a dtype and head_dim
 * and calls fn(tag) with tag::type, tag::dmax and tag::fixed. */
template <class T, int DMAX, bool FIXED> struct lp_attn_variant {
    typedef T type;
    static constexpr int dmax = DMAX;
    static constexpr bool fixed = FIXED;
};

template <class T, class Fn> static lp_status lp_attn_dispatch_dim(int head_dim, Fn &&fn) {
    if (head_dim == 64) return fn(lp_attn_variant<T, 64, true>());
    if (head_dim == 128) return fn(lp_attn_variant<T, 128, true>());
    if (head_dim <= 32) return fn(lp_attn_variant<T, 32, false>());
    if (head_dim <= 64) return fn(lp_attn_variant<T, 64, false>());
    if (head_dim <= 128) return fn(lp_attn_variant<T, 128, false>());
    return fn(lp_attn_variant<T, 256, false>());
}

template <class Fn> static lp_status lp_attn_dispatch(lp_dtype dtype, int head_dim, Fn &&fn) {
    if (dtype == LP_F32) return lp_attn_dispatch_dim<float>(head_dim, fn);
    return lp_attn_dispatch_dim<lp_bf16>(head_dim, fn);
}

/* Checks what the kernels support (dtype, head_dim, grid and index ranges) and fills *out.
 * *out_empty = 1 when there is nothing to compute (no tokens or no heads). */
static lp_status lp_attn_check(const char *fn, lp_dtype dtype, int64_t batch, int64_t seq, int64_t n_heads,
                               int64_t n_kv_heads, int64_t head_dim, float scale, lp_attn_problem *out,
                               int *out_empty) {
    if (dtype != LP_F32 && dtype != LP_BF16)
        return lp_fail(LP_ERR_UNSUPPORTED, "%s: dtype %s is not supported on CUDA (F32 or BF16)", fn,
                       lp_dtype_name(dtype));
    *out_empty = batch == 0 || seq == 0 || n_heads == 0;
    if (*out_empty) return LP_OK;
    if (head_dim < 1 || head_dim > LP_ATTN_MAX_HEAD_DIM)
        return lp_fail(LP_ERR_UNSUPPORTED, "%s: head_dim %lld is not supported on CUDA (1..%d)", fn,
                       (long long)head_dim, LP_ATTN_MAX_HEAD_DIM);
    if (n_kv_heads < 1 || n_heads % n_kv_heads != 0)
        return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: n_heads %lld is not a multiple of n_kv_heads %lld", fn,
                       (long long)n_heads, (long long)n_kv_heads);
    if (batch > 65535 || n_heads > 65535)
        return lp_fail(LP_ERR_UNSUPPORTED, "%s: batch %lld and n_heads %lld must each be <= 65535 on CUDA (grid)",
                       fn, (long long)batch, (long long)n_heads);
    if (seq > (1 << 30))
        return lp_fail(LP_ERR_UNSUPPORTED, "%s: seq %lld exceeds 2^30 on CUDA", fn, (long long)seq);
    out->batch = (int)batch;
    out->seq = (int)seq;
    out->n_heads = (int)n_heads;
    out->n_kv_heads = (int)n_kv_heads;
    out->head_dim = (int)head_dim;
    out->scale = scale;
    return LP_OK;
}

/* Lets `kernel` use `bytes` of dynamic shared memory (opt-in above 48 KiB); LP_ERR_UNSUPPORTED when the
 * device cannot give that much to one block. */
template <class Kernel>
static lp_status lp_attn_allow_smem(lp_stream stream, Kernel *kernel, size_t bytes, const char *name) {
    int optin = 0;
    LP_CUDA_CHECK(cudaDeviceGetAttribute(&optin, cudaDevAttrMaxSharedMemoryPerBlockOptin, stream->device));
    if (bytes > (size_t)optin)
        return lp_fail(LP_ERR_UNSUPPORTED, "%s needs %zu bytes of shared memory per block; device %d allows %d",
                       name, bytes, (int)stream->device, optin);
    if (bytes > 48 * 1024)
        LP_CUDA_CHECK(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)bytes));
    return LP_OK;
}

static dim3 lp_attn_grid(int seq, int rows, int heads, int batch) {
    return dim3((unsigned int)((seq + rows - 1) / rows), (unsigned int)heads, (unsigned int)batch);
}

template <class V>
static lp_status lp_attn_forward_run(lp_stream stream, const lp_attn_problem &pb, const void *q, const void *k,
                                     const void *v, const int32_t *segment_ids, void *out, float *lse) {
    typedef typename V::type T;
    typedef lp_attn_cfg<V::dmax> C;
    auto kernel = lp_attention_forward_kernel<T, V::dmax, V::fixed>;
    const size_t smem = lp_attn_fwd_smem_bytes<V::dmax>(pb.head_dim);
    LP_CHECK(lp_attn_allow_smem(stream, kernel, smem, "lp_attention_forward_kernel"));
    kernel<<<lp_attn_grid(pb.seq, C::rows, pb.n_heads, pb.batch), C::threads, smem, lp_cuda_stream_of(stream)>>>(
        static_cast<const T *>(q), static_cast<const T *>(k), static_cast<const T *>(v), segment_ids,
        static_cast<T *>(out), lse, pb.seq, pb.n_heads, pb.n_kv_heads, pb.head_dim, pb.scale);
    LP_CUDA_CHECK_LAUNCH("lp_attention_forward_kernel");
    return LP_OK;
}

template <class V>
static lp_status lp_attn_backward_run(lp_stream stream, const lp_attn_problem &pb, const void *q, const void *k,
                                      const void *v, const int32_t *segment_ids, const void *out, const float *lse,
                                      const void *d_out, void *dq, void *dk, void *dv) {
    typedef typename V::type T;
    typedef lp_attn_cfg<V::dmax> C;
    cudaStream_t cuda_stream = lp_cuda_stream_of(stream);
    const int64_t rows = (int64_t)pb.batch * pb.seq * pb.n_heads; /* (token, head) rows */

    void *scratch = NULL; /* delta [batch×n_heads×seq] f32 */
    LP_CHECK(lp_cuda_scratch(stream, (size_t)rows * sizeof(float), &scratch));
    float *delta = static_cast<float *>(scratch);
    lp_attention_delta_kernel<T><<<lp_cuda_grid(stream, rows * 32), LP_THREADS, 0, cuda_stream>>>(
        static_cast<const T *>(out), static_cast<const T *>(d_out), delta, rows, pb.seq, pb.n_heads, pb.head_dim);
    LP_CUDA_CHECK_LAUNCH("lp_attention_delta_kernel");

    auto dkdv = lp_attention_dkdv_kernel<T, V::dmax, V::fixed>;
    const size_t dkdv_smem = lp_attn_dkdv_smem_bytes<V::dmax>(pb.head_dim);
    LP_CHECK(lp_attn_allow_smem(stream, dkdv, dkdv_smem, "lp_attention_dkdv_kernel"));
    dkdv<<<lp_attn_grid(pb.seq, C::rows, pb.n_kv_heads, pb.batch), C::threads, dkdv_smem, cuda_stream>>>(
        static_cast<const T *>(q), static_cast<const T *>(k), static_cast<const T *>(v), segment_ids, lse, delta,
        static_cast<const T *>(d_out), static_cast<T *>(dk), static_cast<T *>(dv), pb.seq, pb.n_heads,
        pb.n_kv_heads, pb.head_dim, pb.scale);
    LP_CUDA_CHECK_LAUNCH("lp_attention_dkdv_kernel");

    auto dq_kernel = lp_attention_dq_kernel<T, V::dmax, V::fixed>;
    const size_t dq_smem = lp_attn_dq_smem_bytes<V::dmax>(pb.head_dim);
    LP_CHECK(lp_attn_allow_smem(stream, dq_kernel, dq_smem, "lp_attention_dq_kernel"));
    dq_kernel<<<lp_attn_grid(pb.seq, C::rows, pb.n_heads, pb.batch), C::threads, dq_smem, cuda_stream>>>(
        static_cast<const T *>(q), static_cast<const T *>(k), static_cast<const T *>(v), segment_ids, lse, delta,
        static_cast<const T *>(d_out), static_cast<T *>(dq), pb.seq, pb.n_heads, pb.n_kv_heads, pb.head_dim,
        pb.scale);
    LP_CUDA_CHECK_LAUNCH("lp_attention_dq_kernel");
    return LP_OK;
}

/* ------------------------------------------------------------------ tensor-core path (BF16, D 64 / 128) */

/* Whether the tensor-core kernels take this call: BF16, head_dim 64 or 128, every tensor they copy 16 bytes
 * at a time 16-byte aligned, and `smem` bytes of shared memory per block available on the device. */
static bool lp_attn_tc_eligible(lp_stream stream, lp_dtype dtype, int head_dim, size_t smem,
                                std::initializer_list<const void *> tensors) {
    if (dtype != LP_BF16 || (head_dim != 64 && head_dim != 128)) return false;
    for (const void *p : tensors)
        if (((uintptr_t)p & 15u) != 0) return false;
    int optin = 0;
    if (cudaDeviceGetAttribute(&optin, cudaDevAttrMaxSharedMemoryPerBlockOptin, stream->device) != cudaSuccess) {
        (void)cudaGetLastError();
        return false;
    }
    return smem <= (size_t)optin;
}

template <int D> static size_t lp_attn_tc_backward_smem() {
    return lp_tc_dkdv_smem_bytes<D>() > lp_tc_dq_smem_bytes<D>() ? lp_tc_dkdv_smem_bytes<D>()
                                                                   : lp_tc_dq_smem_bytes<D>();
}

template <int D>
static lp_status lp_attn_tc_forward_run(lp_stream stream, const lp_attn_problem &pb, const void *q, const void *k,
                                        const void *v, const int32_t *segment_ids, void *out, float *lse) {
    auto kernel = lp_attention_tc_forward_kernel<D>;
    const size_t smem = lp_tc_fwd_smem_bytes<D>();
    LP_CHECK(lp_attn_allow_smem(stream, kernel, smem, "lp_attention_tc_forward_kernel"));
    kernel<<<lp_attn_grid(pb.seq, LP_TC_ROWS, pb.n_heads, pb.batch), LP_TC_THREADS, smem,
             lp_cuda_stream_of(stream)>>>(static_cast<const lp_bf16 *>(q), static_cast<const lp_bf16 *>(k),
                                          static_cast<const lp_bf16 *>(v), segment_ids, static_cast<lp_bf16 *>(out),
                                          lse, pb.seq, pb.n_heads, pb.n_kv_heads, pb.scale);
    LP_CUDA_CHECK_LAUNCH("lp_attention_tc_forward_kernel");
    return LP_OK;
}

template <int D>
static lp_status lp_attn_tc_backward_run(lp_stream stream, const lp_attn_problem &pb, const void *q, const void *k,
                                         const void *v, const int32_t *segment_ids, const void *out,
                                         const float *lse, const void *d_out, void *dq, void *dk, void *dv) {
    cudaStream_t cuda_stream = lp_cuda_stream_of(stream);
    const int64_t rows = (int64_t)pb.batch * pb.seq * pb.n_heads; /* (token, head) rows */
    const lp_bf16 *qb = static_cast<const lp_bf16 *>(q), *kb = static_cast<const lp_bf16 *>(k);
    const lp_bf16 *vb = static_cast<const lp_bf16 *>(v), *gb = static_cast<const lp_bf16 *>(d_out);

    void *scratch = NULL; /* delta [batch×n_heads×seq] f32 */
    LP_CHECK(lp_cuda_scratch(stream, (size_t)rows * sizeof(float), &scratch));
    float *delta = static_cast<float *>(scratch);
    lp_attention_delta_kernel<lp_bf16><<<lp_cuda_grid(stream, rows * 32), LP_THREADS, 0, cuda_stream>>>(
        static_cast<const lp_bf16 *>(out), gb, delta, rows, pb.seq, pb.n_heads, pb.head_dim);
    LP_CUDA_CHECK_LAUNCH("lp_attention_delta_kernel");

    auto dkdv = lp_attention_tc_dkdv_kernel<D>;
    const size_t dkdv_smem = lp_tc_dkdv_smem_bytes<D>();
    LP_CHECK(lp_attn_allow_smem(stream, dkdv, dkdv_smem, "lp_attention_tc_dkdv_kernel"));
    dkdv<<<lp_attn_grid(pb.seq, LP_TC_ROWS, pb.n_kv_heads, pb.batch), LP_TC_THREADS, dkdv_smem, cuda_stream>>>(
        qb, kb, vb, segment_ids, lse, delta, gb, static_cast<lp_bf16 *>(dk), static_cast<lp_bf16 *>(dv), pb.seq,
        pb.n_heads, pb.n_kv_heads, pb.scale);
    LP_CUDA_CHECK_LAUNCH("lp_attention_tc_dkdv_kernel");

    auto dq_kernel = lp_attention_tc_dq_kernel<D>;
    const size_t dq_smem = lp_tc_dq_smem_bytes<D>();
    LP_CHECK(lp_attn_allow_smem(stream, dq_kernel, dq_smem, "lp_attention_tc_dq_kernel"));
    dq_kernel<<<lp_attn_grid(pb.seq, LP_TC_ROWS, pb.n_heads, pb.batch), LP_TC_THREADS, dq_smem, cuda_stream>>>(
        qb, kb, vb, segment_ids, lse, delta, gb, static_cast<lp_bf16 *>(dq), pb.seq, pb.n_heads, pb.n_kv_heads,
        pb.scale);
    LP_CUDA_CHECK_LAUNCH("lp_attention_tc_dq_kernel");
    return LP_OK;
}

extern "C" lp_status lp_cuda_attention_forward(lp_stream stream, lp_dtype dtype, int64_t batch, int64_t seq,
                                               int64_t n_heads, int64_t n_kv_heads, int64_t head_dim, float scale,
                                               const void *q, const void *k, const void *v,
                                               const int32_t *segment_ids, void *out, float *lse) {
    LP_CHECK(lp_cuda_use_device(stream->device));
    lp_attn_problem pb = {};
    int empty = 0;
    LP_CHECK(lp_attn_check("lp_attention_forward", dtype, batch, seq, n_heads, n_kv_heads, head_dim, scale, &pb,
                           &empty));
    if (empty) return LP_OK;
    const size_t tc_smem = pb.head_dim == 64 ? lp_tc_fwd_smem_bytes<64>() : lp_tc_fwd_smem_bytes<128>();
    if (lp_attn_tc_eligible(stream, dtype, pb.head_dim, tc_smem, {q, k, v, out}))
        return pb.head_dim == 64 ? lp_attn_tc_forward_run<64>(stream, pb, q, k, v, segment_ids, out, lse)
                                 : lp_attn_tc_forward_run<128>(stream, pb, q, k, v, segment_ids, out, lse);
    return lp_attn_dispatch(dtype, pb.head_dim, [&](auto variant) -> lp_status {
        return lp_attn_forward_run<decltype(variant)>(stream, pb, q, k, v, segment_ids, out, lse);
    });
}

extern "C" lp_status lp_cuda_attention_backward(lp_stream stream, lp_dtype dtype, int64_t batch, int64_t seq,
                                                int64_t n_heads, int64_t n_kv_heads, int64_t head_dim, float scale,
                                                const void *q, const void *k, const void *v,
                                                const int32_t *segment_ids, const void *out, const float *lse,
                                                const void *d_out, void *dq, void *dk, void *dv) {
    LP_CHECK(lp_cuda_use_device(stream->device));
    lp_attn_problem pb = {};
    int empty = 0;
    LP_CHECK(lp_attn_check("lp_attention_backward", dtype, batch, seq, n_heads, n_kv_heads, head_dim, scale, &pb,
                           &empty));
    if (empty) return LP_OK;
    const size_t tc_smem = pb.head_dim == 64 ? lp_attn_tc_backward_smem<64>() : lp_attn_tc_backward_smem<128>();
    if (lp_attn_tc_eligible(stream, dtype, pb.head_dim, tc_smem, {q, k, v, d_out, dq, dk, dv}))
        return pb.head_dim == 64
                   ? lp_attn_tc_backward_run<64>(stream, pb, q, k, v, segment_ids, out, lse, d_out, dq, dk, dv)
                   : lp_attn_tc_backward_run<128>(stream, pb, q, k, v, segment_ids, out, lse, d_out, dq, dk, dv);
    return lp_attn_dispatch(dtype, pb.head_dim, [&](auto variant) -> lp_status {
        return lp_attn_backward_run<decltype(variant)>(stream, pb, q, k, v, segment_ids, out, lse, d_out, dq, dk,
                                                       dv);
    });
}
