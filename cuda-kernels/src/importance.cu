/*
 * importance.cu — Taylor importance over many tensors, one launch per table of tensors
 * (multi_tensor.cuh): lp_cuda_importance_accumulate, lp_cuda_importance_finalize, lp_cuda_global_norm.
 * Groups of 8 elements: one or two 16-byte loads / stores per array when every pointer of the group is
 * 16-byte aligned, element by element otherwise (unaligned tensors, a tensor's last group).
 * Arithmetic is written with explicit _rn intrinsics so nvcc cannot contract it into FMAs: the
 * results match a plain IEEE float reference element for element.
 */
#include "multi_tensor.cuh"

#define LP_IMP_GROUP 8
#define LP_NORM_BLOCKS 1024 /* fixed grid of the norm: same partition of the work on every call */

/* grads, params, s1, s2 */
typedef lp_tensor_table<4, 512, LP_IMP_GROUP> lp_accumulate_table;
/* s1, s2, importance */
typedef lp_tensor_table<3, 512, LP_IMP_GROUP> lp_finalize_table;
/* x */
typedef lp_tensor_table<1, 1024, LP_IMP_GROUP> lp_norm_table;

/* ------------------------------------------------------------------------------------------ kernels */

/* p = g·x; s1 += p; s2 += p². grads [size] TG, params [size] TP, s1 / s2 [size] f32 per tensor. */
template <class TG, class TP> __global__ void lp_importance_accumulate_kernel(const __grid_constant__ lp_accumulate_table table) {
    lp_for_each_group(table, [&](int t, int64_t first, int len) {
        const TG *grad = static_cast<const TG *>(table.ptr[0][t]) + first;
        const TP *param = static_cast<const TP *>(table.ptr[1][t]) + first;
        float *s1 = static_cast<float *>(table.ptr[2][t]) + first;
        float *s2 = static_cast<float *>(table.ptr[3][t]) + first;
        if (len == LP_IMP_GROUP && lp_aligned16(grad) && lp_aligned16(param) && lp_aligned16(s1) && lp_aligned16(s2)) {
            float g[8], p[8], a1[8], a2[8];
            lp_load8(grad, g);
            lp_load8(param, p);
            lp_load8(s1, a1);
            lp_load8(s2, a2);
#pragma unroll
            for (int j = 0; j < 8; j++) {
                const float prod = __fmul_rn(g[j], p[j]);
                a1[j] = __fadd_rn(a1[j], prod);
                a2[j] = __fadd_rn(a2[j], __fmul_rn(prod, prod));
            }
            lp_store8(s1, a1);
            lp_store8(s2, a2);
        } else {
            for (int j = 0; j < len; j++) {
                const float prod = __fmul_rn(lp_to_float(grad[j]), lp_to_float(param[j]));
                s1[j] = __fadd_rn(s1[j], prod);
                s2[j] = __fadd_rn(s2[j], __fmul_rn(prod, prod));
            }
        }
    });
}

/* importance = |s1 − ½·s2| / num_samples (importance may alias s1 or s2: each element is read before
 * it is written, by the same thread). */
__global__ void lp_importance_finalize_kernel(const __grid_constant__ lp_finalize_table table, float num_samples) {
    lp_for_each_group(table, [&](int t, int64_t first, int len) {
        const float *s1 = static_cast<const float *>(table.ptr[0][t]) + first;
        const float *s2 = static_cast<const float *>(table.ptr[1][t]) + first;
        float *out = static_cast<float *>(table.ptr[2][t]) + first;
        if (len == LP_IMP_GROUP && lp_aligned16(s1) && lp_aligned16(s2) && lp_aligned16(out)) {
            float a1[8], a2[8], r[8];
            lp_load8(s1, a1);
            lp_load8(s2, a2);
#pragma unroll
            for (int j = 0; j < 8; j++) r[j] = __fdiv_rn(fabsf(__fsub_rn(a1[j], __fmul_rn(0.5f, a2[j]))), num_samples);
            lp_store8(out, r);
        } else {
            for (int j = 0; j < len; j++)
                out[j] = __fdiv_rn(fabsf(__fsub_rn(s1[j], __fmul_rn(0.5f, s2[j]))), num_samples);
        }
    });
}

/* partials[blockIdx.x] = Σ x² over this block's groups, in double (x² of a float is exact in double).
 * Grid of exactly LP_NORM_BLOCKS × LP_THREADS: the summation order is fixed. */
template <class T> __global__ void lp_sum_squares_kernel(const __grid_constant__ lp_norm_table table, double *partials) {
    double acc = 0.0;
    lp_for_each_group(table, [&](int t, int64_t first, int len) {
        const T *x = static_cast<const T *>(table.ptr[0][t]) + first;
        float v[8];
        if (len == LP_IMP_GROUP && lp_aligned16(x)) {
            lp_load8(x, v);
        } else {
            for (int j = 0; j < len; j++) v[j] = lp_to_float(x[j]);
        }
        for (int j = 0; j < len; j++) acc += (double)v[j] * (double)v[j];
    });
    const double block_total = lp_block_sum(acc);
    if (threadIdx.x == 0) partials[blockIdx.x] = block_total;
}

/* out[0] = sqrt(Σ partials) as float, one block, fixed order. */
__global__ void lp_norm_finish_kernel(const double *partials, int64_t partial_count, float *out) {
    double acc = 0.0;
    for (int64_t i = threadIdx.x; i < partial_count; i += LP_THREADS) acc += partials[i];
    const double total = lp_block_sum(acc);
    if (threadIdx.x == 0) out[0] = (float)sqrt(total);
}

/* ---------------------------------------------------------------------------------------- launchers */

template <class TG, class TP>
static lp_status lp_accumulate_launch(lp_stream stream, int32_t count, const int64_t *sizes,
                                      const void *const *const *arrays) {
    return lp_for_each_table<lp_accumulate_table>(count, sizes, arrays, [&](const lp_accumulate_table &table, int32_t) -> lp_status {
        const int64_t groups = lp_table_groups(table);
        if (groups == 0) return LP_OK;
        lp_importance_accumulate_kernel<TG, TP>
            <<<lp_cuda_grid(stream, groups), LP_THREADS, 0, lp_cuda_stream_of(stream)>>>(table);
        LP_CUDA_CHECK_LAUNCH("lp_importance_accumulate_kernel");
        return LP_OK;
    });
}

static bool lp_is_float_dtype(lp_dtype dtype) { return dtype == LP_F32 || dtype == LP_BF16; }

extern "C" lp_status lp_cuda_importance_accumulate(lp_stream stream, int32_t count, const int64_t *sizes,
                                                   const void *const *grads, lp_dtype grad_dtype,
                                                   const void *const *params, lp_dtype param_dtype,
                                                   float *const *s1, float *const *s2) {
    LP_CHECK(lp_cuda_use_device(stream->device));
    if (!lp_is_float_dtype(grad_dtype) || !lp_is_float_dtype(param_dtype))
        return lp_fail(LP_ERR_UNSUPPORTED, "lp_importance_accumulate: grads %s / params %s (F32 or BF16 each)",
                       lp_dtype_name(grad_dtype), lp_dtype_name(param_dtype));
    const void *const *arrays[4] = {grads, params, reinterpret_cast<const void *const *>(s1),
                                    reinterpret_cast<const void *const *>(s2)};
    if (grad_dtype == LP_F32 && param_dtype == LP_F32)
        return lp_accumulate_launch<float, float>(stream, count, sizes, arrays);
    if (grad_dtype == LP_F32 && param_dtype == LP_BF16)
        return lp_accumulate_launch<float, lp_bf16>(stream, count, sizes, arrays);
    if (grad_dtype == LP_BF16 && param_dtype == LP_F32)
        return lp_accumulate_launch<lp_bf16, float>(stream, count, sizes, arrays);
    return lp_accumulate_launch<lp_bf16, lp_bf16>(stream, count, sizes, arrays);
}

extern "C" lp_status lp_cuda_importance_finalize(lp_stream stream, int32_t count, const int64_t *sizes,
                                                 const float *const *s1, const float *const *s2,
                                                 float *const *importance, int64_t num_samples) {
    LP_CHECK(lp_cuda_use_device(stream->device));
    const float samples = (float)num_samples;
    const void *const *arrays[3] = {reinterpret_cast<const void *const *>(s1),
                                    reinterpret_cast<const void *const *>(s2),
                                    reinterpret_cast<const void *const *>(importance)};
    return lp_for_each_table<lp_finalize_table>(count, sizes, arrays, [&](const lp_finalize_table &table, int32_t) -> lp_status {
        const int64_t groups = lp_table_groups(table);
        if (groups == 0) return LP_OK;
        lp_importance_finalize_kernel<<<lp_cuda_grid(stream, groups), LP_THREADS, 0, lp_cuda_stream_of(stream)>>>(
            table, samples);
        LP_CUDA_CHECK_LAUNCH("lp_importance_finalize_kernel");
        return LP_OK;
    });
}

template <class T>
static lp_status lp_norm_launch(lp_stream stream, int32_t count, const int64_t *sizes, const void *const *x,
                                float *out_norm) {
    const int64_t tables = ((int64_t)count + lp_norm_table::capacity - 1) / lp_norm_table::capacity;
    const int64_t partial_count = tables * LP_NORM_BLOCKS; /* partials [tables × LP_NORM_BLOCKS] f64 */
    double *partials = NULL;
    if (partial_count > 0) {
        void *base = NULL;
        LP_CHECK(lp_cuda_scratch(stream, (size_t)partial_count * sizeof(double), &base));
        partials = static_cast<double *>(base);
    }
    cudaStream_t cuda_stream = lp_cuda_stream_of(stream);
    const void *const *arrays[1] = {x};
    LP_CHECK(lp_for_each_table<lp_norm_table>(count, sizes, arrays, [&](const lp_norm_table &table, int32_t index) -> lp_status {
        lp_sum_squares_kernel<T><<<LP_NORM_BLOCKS, LP_THREADS, 0, cuda_stream>>>(
            table, partials + (int64_t)index * LP_NORM_BLOCKS);
        LP_CUDA_CHECK_LAUNCH("lp_sum_squares_kernel");
        return LP_OK;
    }));
    lp_norm_finish_kernel<<<1, LP_THREADS, 0, cuda_stream>>>(partials, partial_count, out_norm);
    LP_CUDA_CHECK_LAUNCH("lp_norm_finish_kernel");
    return LP_OK;
}

extern "C" lp_status lp_cuda_global_norm(lp_stream stream, int32_t count, const int64_t *sizes, const void *const *x,
                                         lp_dtype dtype, float *out_norm) {
    LP_CHECK(lp_cuda_use_device(stream->device));
    if (dtype == LP_F32) return lp_norm_launch<float>(stream, count, sizes, x, out_norm);
    if (dtype == LP_BF16) return lp_norm_launch<lp_bf16>(stream, count, sizes, x, out_norm);
    return lp_fail(LP_ERR_UNSUPPORTED, "lp_global_norm: dtype %s is not supported (F32 or BF16)", lp_dtype_name(dtype));
}
