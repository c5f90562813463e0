/*
 * adamw_masked.cu — lp_cuda_adamw_masked: one fused, masked AdamW step over many fp32 tensors, one
 * launch per table of tensors (multi_tensor.cuh).
 *
 * Each thread takes groups of 4 consecutive elements: it reads the 4 mask bytes first (one 4-byte load
 * when aligned) and skips the group when none is active; a 16-byte aligned group with an active element
 * uses float4 loads / stores for p, g, m, v, storing inactive lanes back with the bits it read; other
 * groups (unaligned, a tensor's tail) read and write only their active elements. Masked elements are
 * never changed (p, m, v and the copy stay bit-identical; the copy is never written for them).
 * The update is written with explicit _rn intrinsics in the order of lorapar.h, so nvcc cannot
 * contract it into FMAs:
 *   g = grad·clip; m = b1·m + (1−b1)·g; v = b2·v + ((1−b2)·g)·g;
 *   p = p − lr·((m / bc1) / (sqrt(v / bc2) + eps) + wd·p)
 */
#include <math.h>

#include "multi_tensor.cuh"

#define LP_ADAMW_GROUP 4

/* params, grads, exp_avg, exp_avg_sq, masks, param_copies */
typedef lp_tensor_table<6, 384, LP_ADAMW_GROUP> lp_adamw_table;

struct lp_adamw_consts {
    float lr, beta1, beta2, one_minus_beta1, one_minus_beta2, eps, weight_decay;
    float bias_correction1, bias_correction2; /* 1 − beta^step, computed in double on the host */
    float max_grad_norm;
    const float *grad_norm; /* device [1] or NULL */
};

/* ------------------------------------------------------------------------------------------ kernels */

static __device__ __forceinline__ void lp_adamw_update(float &p, float grad, float &m, float &v, float clip,
                                                       const lp_adamw_consts &c) {
    const float g = __fmul_rn(grad, clip);
    m = __fadd_rn(__fmul_rn(c.beta1, m), __fmul_rn(c.one_minus_beta1, g));
    v = __fadd_rn(__fmul_rn(c.beta2, v), __fmul_rn(__fmul_rn(c.one_minus_beta2, g), g));
    const float denom = __fadd_rn(__fsqrt_rn(__fdiv_rn(v, c.bias_correction2)), c.eps);
    const float step = __fadd_rn(__fdiv_rn(__fdiv_rn(m, c.bias_correction1), denom), __fmul_rn(c.weight_decay, p));
    p = __fsub_rn(p, __fmul_rn(c.lr, step));
}

/* Per tensor t: params / grads / exp_avg / exp_avg_sq [size] f32, masks [size] u8 or NULL (all active),
 * copies [size] TC or NULL. */
template <class TC> __global__ void lp_adamw_kernel(const __grid_constant__ lp_adamw_table table, lp_adamw_consts c) {
    float clip = 1.0f; /* min(1, ratio), a NaN ratio stays NaN (as on the CPU backend) */
    if (c.grad_norm != NULL && c.max_grad_norm > 0.0f) {
        const float ratio = __fdiv_rn(c.max_grad_norm, __fadd_rn(*c.grad_norm, 1e-6f));
        clip = ratio >= 1.0f ? 1.0f : ratio;
    }
    lp_for_each_group(table, [&](int t, int64_t first, int len) {
        float *param = static_cast<float *>(table.ptr[0][t]) + first;
        const float *grad = static_cast<const float *>(table.ptr[1][t]) + first;
        float *exp_avg = static_cast<float *>(table.ptr[2][t]) + first;
        float *exp_avg_sq = static_cast<float *>(table.ptr[3][t]) + first;
        const uint8_t *mask = table.ptr[4][t] != NULL ? static_cast<const uint8_t *>(table.ptr[4][t]) + first : NULL;
        TC *copy = table.ptr[5][t] != NULL ? static_cast<TC *>(table.ptr[5][t]) + first : NULL;

        bool active[LP_ADAMW_GROUP];
        if (mask == NULL) {
            for (int j = 0; j < LP_ADAMW_GROUP; j++) active[j] = j < len;
        } else if (len == LP_ADAMW_GROUP && ((uintptr_t)mask & 3u) == 0) {
            const uchar4 bytes = *reinterpret_cast<const uchar4 *>(mask);
            active[0] = bytes.x != 0;
            active[1] = bytes.y != 0;
            active[2] = bytes.z != 0;
            active[3] = bytes.w != 0;
        } else {
            for (int j = 0; j < LP_ADAMW_GROUP; j++) active[j] = j < len && mask[j] != 0;
        }
        if (!(active[0] || active[1] || active[2] || active[3])) return;

        if (len == LP_ADAMW_GROUP && lp_aligned16(param) && lp_aligned16(grad) && lp_aligned16(exp_avg) &&
            lp_aligned16(exp_avg_sq)) {
            /* One 16-byte load per array for any group with an active element. Inactive lanes are stored
             * back with exactly the bits that were read, so they stay bit-identical; the sectors move
             * through memory either way, and whole-vector stores avoid partial-sector writes. */
            const float4 p_old = *reinterpret_cast<const float4 *>(param);
            const float4 g = *reinterpret_cast<const float4 *>(grad);
            const float4 m_old = *reinterpret_cast<const float4 *>(exp_avg);
            const float4 v_old = *reinterpret_cast<const float4 *>(exp_avg_sq);
            float4 p = p_old, m = m_old, v = v_old;
            if (active[0]) lp_adamw_update(p.x, g.x, m.x, v.x, clip, c);
            if (active[1]) lp_adamw_update(p.y, g.y, m.y, v.y, clip, c);
            if (active[2]) lp_adamw_update(p.z, g.z, m.z, v.z, clip, c);
            if (active[3]) lp_adamw_update(p.w, g.w, m.w, v.w, clip, c);
            *reinterpret_cast<float4 *>(param) = p;
            *reinterpret_cast<float4 *>(exp_avg) = m;
            *reinterpret_cast<float4 *>(exp_avg_sq) = v;
            if (copy != NULL) {
                if (active[0]) copy[0] = lp_from_float<TC>(p.x);
                if (active[1]) copy[1] = lp_from_float<TC>(p.y);
                if (active[2]) copy[2] = lp_from_float<TC>(p.z);
                if (active[3]) copy[3] = lp_from_float<TC>(p.w);
            }
            return;
        }
        for (int j = 0; j < LP_ADAMW_GROUP; j++) {
            if (!active[j]) continue;
            float p = param[j], m = exp_avg[j], v = exp_avg_sq[j];
            lp_adamw_update(p, grad[j], m, v, clip, c);
            param[j] = p;
            exp_avg[j] = m;
            exp_avg_sq[j] = v;
            if (copy != NULL) copy[j] = lp_from_float<TC>(p);
        }
    });
}

/* ---------------------------------------------------------------------------------------- launcher */

template <class TC>
static lp_status lp_adamw_launch(lp_stream stream, int32_t count, const int64_t *sizes,
                                 const void *const *const *arrays, const lp_adamw_consts &consts) {
    return lp_for_each_table<lp_adamw_table>(count, sizes, arrays, [&](const lp_adamw_table &table, int32_t) -> lp_status {
        const int64_t groups = lp_table_groups(table);
        if (groups == 0) return LP_OK;
        lp_adamw_kernel<TC><<<lp_cuda_grid(stream, groups), LP_THREADS, 0, lp_cuda_stream_of(stream)>>>(table, consts);
        LP_CUDA_CHECK_LAUNCH("lp_adamw_kernel");
        return LP_OK;
    });
}

extern "C" lp_status lp_cuda_adamw_masked(lp_stream stream, int32_t count, const int64_t *sizes, float *const *params,
                                          const float *const *grads, float *const *exp_avg,
                                          float *const *exp_avg_sq, const uint8_t *const *masks,
                                          void *const *param_copies, lp_dtype copy_dtype, float lr, float beta1,
                                          float beta2, float eps, float weight_decay, int64_t step,
                                          const float *grad_norm, float max_grad_norm) {
    LP_CHECK(lp_cuda_use_device(stream->device));
    if (param_copies != NULL && copy_dtype != LP_F32 && copy_dtype != LP_BF16)
        return lp_fail(LP_ERR_UNSUPPORTED, "lp_adamw_masked: copy dtype %s is not supported (F32 or BF16)",
                       lp_dtype_name(copy_dtype));
    lp_adamw_consts consts;
    consts.lr = lr;
    consts.beta1 = beta1;
    consts.beta2 = beta2;
    consts.one_minus_beta1 = 1.0f - beta1;
    consts.one_minus_beta2 = 1.0f - beta2;
    consts.eps = eps;
    consts.weight_decay = weight_decay;
    consts.bias_correction1 = (float)(1.0 - pow((double)beta1, (double)step));
    consts.bias_correction2 = (float)(1.0 - pow((double)beta2, (double)step));
    consts.max_grad_norm = max_grad_norm;
    consts.grad_norm = grad_norm;
    const void *const *arrays[6] = {reinterpret_cast<const void *const *>(params),
                                    reinterpret_cast<const void *const *>(grads),
                                    reinterpret_cast<const void *const *>(exp_avg),
                                    reinterpret_cast<const void *const *>(exp_avg_sq),
                                    reinterpret_cast<const void *const *>(masks),
                                    reinterpret_cast<const void *const *>(param_copies)};
    if (param_copies != NULL && copy_dtype == LP_BF16)
        return lp_adamw_launch<lp_bf16>(stream, count, sizes, arrays, consts);
    return lp_adamw_launch<float>(stream, count, sizes, arrays, consts);
}
