/*
 * swiglu.cu — lp_cuda_swiglu_forward / lp_cuda_swiglu_backward, elementwise over [n].
 * fp32 arithmetic, each step rounded (_rn intrinsics, no FMA contraction), expf as in the C library:
 *   e = expf(−z), den = 1 + e;
 *   forward  out    = (z / den) · up
 *   backward σ = 1 / den, silu = z · σ (the CPU backend's two forms, cpu_swiglu.c),
 *            d_up   = d_out · silu
 *            d_gate = (d_out · up) · (σ · (1 + z · (1 − σ)))
 * Each thread takes groups of 8 elements (16-byte loads / stores when every pointer is 16-byte aligned and
 * the group is whole), reads all its inputs before writing: out may alias up, d_gate / d_up may alias
 * gate / up.
 */
#include "layer_rows.cuh"

/* out = (z / (1 + e^−z)) · u */
static __device__ __forceinline__ float lp_swiglu_value(float z, float u) {
    return __fmul_rn(__fdiv_rn(z, __fadd_rn(1.0f, expf(-z))), u);
}

/* d_gate = (d · u) · silu'(z), d_up = d · silu(z) with σ = 1 / (1 + e^−z), silu = z · σ */
static __device__ __forceinline__ void lp_swiglu_grads(float z, float u, float d, float &d_gate, float &d_up) {
    const float sig = __frcp_rn(__fadd_rn(1.0f, expf(-z)));
    const float silu = __fmul_rn(z, sig);
    const float dsilu = __fmul_rn(sig, __fadd_rn(1.0f, __fmul_rn(z, __fsub_rn(1.0f, sig))));
    d_gate = __fmul_rn(__fmul_rn(d, u), dsilu);
    d_up = __fmul_rn(d, silu);
}

/* gate, up, out [n] T; vec: every pointer 16-byte aligned. */
template <class T> __global__ void lp_swiglu_forward_kernel(const T *gate, const T *up, T *out, int64_t n, bool vec) {
    lp_pdl_wait(); /* launched by lp_launch_pdl */
    const int64_t groups = (n + 7) / 8;
    for (int64_t grp = lp_thread_index(); grp < groups; grp += lp_grid_stride()) {
        const int64_t first = grp * 8;
        if (vec && first + 8 <= n) {
            float g[8], u[8];
            lp_load8(gate + first, g);
            lp_load8(up + first, u);
#pragma unroll
            for (int e = 0; e < 8; e++) g[e] = lp_swiglu_value(g[e], u[e]);
            lp_store8(out + first, g);
        } else {
            const int64_t end = first + 8 < n ? first + 8 : n;
            for (int64_t i = first; i < end; i++)
                out[i] = lp_from_float<T>(lp_swiglu_value(lp_to_float(gate[i]), lp_to_float(up[i])));
        }
    }
}

/* gate, up, d_out, d_gate, d_up [n] T; vec: every pointer 16-byte aligned. */
template <class T>
__global__ void lp_swiglu_backward_kernel(const T *gate, const T *up, const T *d_out, T *d_gate, T *d_up, int64_t n,
                                          bool vec) {
    const int64_t groups = (n + 7) / 8;
    for (int64_t grp = lp_thread_index(); grp < groups; grp += lp_grid_stride()) {
        const int64_t first = grp * 8;
        if (vec && first + 8 <= n) {
            float g[8], u[8], d[8];
            lp_load8(gate + first, g);
            lp_load8(up + first, u);
            lp_load8(d_out + first, d);
#pragma unroll
            for (int e = 0; e < 8; e++) lp_swiglu_grads(g[e], u[e], d[e], g[e], u[e]);
            lp_store8(d_gate + first, g);
            lp_store8(d_up + first, u);
        } else {
            const int64_t end = first + 8 < n ? first + 8 : n;
            for (int64_t i = first; i < end; i++) {
                float dg, du;
                lp_swiglu_grads(lp_to_float(gate[i]), lp_to_float(up[i]), lp_to_float(d_out[i]), dg, du);
                d_gate[i] = lp_from_float<T>(dg); /* gate[i], up[i] already read */
                d_up[i] = lp_from_float<T>(du);
            }
        }
    }
}

extern "C" lp_status lp_cuda_swiglu_forward(lp_stream stream, lp_dtype dtype, int64_t n, const void *gate,
                                            const void *up, void *out) {
    LP_CHECK(lp_cuda_use_device(stream->device));
    if (n == 0) return LP_OK;
    return lp_dispatch_float_dtype("lp_swiglu_forward", dtype, [&](auto tag) -> lp_status {
        using T = decltype(tag);
        const bool vec = lp_host_aligned16(gate) && lp_host_aligned16(up) && lp_host_aligned16(out);
        LP_CUDA_CHECK_PDL("lp_swiglu_forward_kernel",
                          lp_launch_pdl(stream, lp_swiglu_forward_kernel<T>, lp_cuda_grid(stream, (n + 7) / 8),
                                        LP_THREADS, 0, static_cast<const T *>(gate), static_cast<const T *>(up),
                                        static_cast<T *>(out), n, vec));
        return LP_OK;
    });
}

extern "C" lp_status lp_cuda_swiglu_backward(lp_stream stream, lp_dtype dtype, int64_t n, const void *gate,
                                             const void *up, const void *d_out, void *d_gate, void *d_up) {
    LP_CHECK(lp_cuda_use_device(stream->device));
    if (n == 0) return LP_OK;
    return lp_dispatch_float_dtype("lp_swiglu_backward", dtype, [&](auto tag) -> lp_status {
        using T = decltype(tag);
        const bool vec = lp_host_aligned16(gate) && lp_host_aligned16(up) &&
                         lp_host_aligned16(d_out) && lp_host_aligned16(d_gate) &&
                         lp_host_aligned16(d_up);
        lp_swiglu_backward_kernel<T><<<lp_cuda_grid(stream, (n + 7) / 8), LP_THREADS, 0, lp_cuda_stream_of(stream)>>>(
            static_cast<const T *>(gate), static_cast<const T *>(up), static_cast<const T *>(d_out),
            static_cast<T *>(d_gate), static_cast<T *>(d_up), n, vec);
        LP_CUDA_CHECK_LAUNCH("lp_swiglu_backward_kernel");
        return LP_OK;
    });
}
