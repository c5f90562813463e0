/*
 * convert.cu — lp_cuda_convert: dst[i] = (dst dtype) src[i] for f32 → bf16 (round to nearest even),
 * bf16 → f32 (exact), and same-dtype copies (cudaMemcpyAsync).
 */
#include "cuda_common.cuh"

/* dst [n] ← src [n]; each thread converts groups of 8 elements, with 16-byte loads / stores when
 * both pointers are 16-byte aligned and the group is whole, element by element otherwise. */
template <class S, class D> __global__ void lp_convert_kernel(const S *src, D *dst, int64_t n) {
    const int64_t groups = (n + 7) / 8;
    const bool vector_ok = lp_aligned16(src) && lp_aligned16(dst);
    for (int64_t grp = lp_thread_index(); grp < groups; grp += lp_grid_stride()) {
        const int64_t first = grp * 8;
        if (vector_ok && first + 8 <= n) {
            float v[8];
            lp_load8(src + first, v);
            lp_store8(dst + first, v);
        } else {
            const int64_t end = first + 8 < n ? first + 8 : n;
            for (int64_t i = first; i < end; i++) dst[i] = lp_from_float<D>(lp_to_float(src[i]));
        }
    }
}

template <class S, class D> static lp_status lp_convert_launch(lp_stream stream, const void *src, void *dst, int64_t n) {
    lp_convert_kernel<S, D><<<lp_cuda_grid(stream, (n + 7) / 8), LP_THREADS, 0, lp_cuda_stream_of(stream)>>>(
        static_cast<const S *>(src), static_cast<D *>(dst), n);
    LP_CUDA_CHECK_LAUNCH("lp_convert_kernel");
    return LP_OK;
}

extern "C" lp_status lp_cuda_convert(lp_stream stream, const void *src, lp_dtype src_dtype, void *dst,
                                     lp_dtype dst_dtype, int64_t n) {
    LP_CHECK(lp_cuda_use_device(stream->device));
    if (n == 0) return LP_OK;
    if (src_dtype == dst_dtype) {
        const size_t elem = lp_dtype_size(src_dtype);
        if (elem == 0) return lp_fail(LP_ERR_UNSUPPORTED, "lp_convert: unknown dtype %d", (int)src_dtype);
        if (src == dst) return LP_OK;
        LP_CUDA_CHECK(cudaMemcpyAsync(dst, src, (size_t)n * elem, cudaMemcpyDeviceToDevice, lp_cuda_stream_of(stream)));
        return LP_OK;
    }
    if (src_dtype == LP_F32 && dst_dtype == LP_BF16) return lp_convert_launch<float, lp_bf16>(stream, src, dst, n);
    if (src_dtype == LP_BF16 && dst_dtype == LP_F32) return lp_convert_launch<lp_bf16, float>(stream, src, dst, n);
    return lp_fail(LP_ERR_UNSUPPORTED, "lp_convert: %s -> %s is not supported", lp_dtype_name(src_dtype),
                   lp_dtype_name(dst_dtype));
}
