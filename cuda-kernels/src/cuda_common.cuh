/*
 * cuda_common.cuh — what every file of the CUDA backend shares:
 *   - the error-macro family (a CUDA error becomes lp_fail(LP_ERR_CUDA, "<file>:<line> <call>: <error>")),
 *   - the per-stream backend state (scratch arena, cuBLASLt context hook) and its accessors,
 *   - grid sizing, bf16 / f32 element helpers, 16-byte vector load/store helpers, block reductions.
 * Conventions: every lp_cuda_X entry calls lp_cuda_use_device(stream->device) first, launches only on
 * (cudaStream_t)stream->cuda, checks every launch with LP_CUDA_CHECK_LAUNCH, and never synchronizes
 * unless its contract in lorapar.h says so.
 */
#ifndef LORAPAR_CUDA_COMMON_CUH
#define LORAPAR_CUDA_COMMON_CUH

#include <cuda_bf16.h>
#include <cuda_runtime.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "internal.h"

typedef __nv_bfloat16 lp_bf16;

/* ------------------------------------------------------------------------------------------ errors */

/* "path/to/file.cu" → "file.cu" for error messages. */
static inline const char *lp_source_name(const char *path) {
    const char *slash = strrchr(path, '/');
    return slash != NULL ? slash + 1 : path;
}

/* Turns a failed CUDA call into lp_fail(LP_ERR_CUDA or LP_ERR_OUT_OF_MEMORY, "<file>:<line> <call>: <error>")
 * and clears the runtime's last-error state so a later launch check does not report it again. */
lp_status lp_cuda_error(cudaError_t err, const char *file, int line, const char *call);

static inline lp_status lp_cuda_status_of(cudaError_t err, const char *file, int line, const char *call) {
    return err == cudaSuccess ? LP_OK : lp_cuda_error(err, file, line, call);
}

/* The status of a CUDA runtime call, with file, line and the call's text in the message. */
#define LP_CUDA_STATUS(call) lp_cuda_status_of((call), __FILE__, __LINE__, #call)
/* Return from the enclosing lp_status function when a CUDA runtime call fails. */
#define LP_CUDA_CHECK(call)                              \
    do {                                                 \
        lp_status lp_cuda_st_ = LP_CUDA_STATUS(call);    \
        if (lp_cuda_st_ != LP_OK) return lp_cuda_st_;    \
    } while (0)
/* After a <<<...>>> launch: report a bad configuration / launch failure naming the kernel. */
#define LP_CUDA_CHECK_LAUNCH(kernel_name)                                                              \
    do {                                                                                               \
        lp_status lp_cuda_st_ = lp_cuda_status_of(cudaGetLastError(), __FILE__, __LINE__,             \
                                                  "launch of " kernel_name);                           \
        if (lp_cuda_st_ != LP_OK) return lp_cuda_st_;                                                  \
    } while (0)
/* Return from the enclosing lp_status function when an lp_status expression is not LP_OK. */
#define LP_CHECK(expr)                                   \
    do {                                                 \
        lp_status lp_check_st_ = (expr);                 \
        if (lp_check_st_ != LP_OK) return lp_check_st_;  \
    } while (0)

/* Makes `device` current on this host thread (cudaSetDevice only when it is not already).
 * A bad ordinal or a missing driver gives LP_ERR_NO_DEVICE. */
lp_status lp_cuda_use_device(int32_t device);

/* cudaMalloc with the backend's out-of-memory message (bytes == 0 allocates 1 byte). */
lp_status lp_cuda_device_alloc(int32_t device, size_t bytes, void **out_ptr);

/* ------------------------------------------------------------------------------ per-stream state */

/*
 * Backend state of one CUDA lp_stream (stream->backend). Created by lp_cuda_stream_init, released by
 * lp_cuda_stream_release after a stream synchronize.
 *  - scratch: grow-only device arena for temporaries of one op at a time. Ops on a stream run in
 *    stream order, so the next op may reuse it without a sync; growing it synchronizes the stream
 *    before the old buffer is freed. An op reserves ALL its temporaries with one lp_cuda_scratch call
 *    (see lp_scratch_layout), because a later call may move the arena.
 *    The arena cannot grow while the stream is captured into a CUDA graph (lp_cuda_scratch fails then).
 *  - gemm: the cuBLASLt context (handle, 32 MiB workspace, plan cache) owned by gemm_cublaslt.cu,
 *    created on the first GEMM of the stream (or when a graph capture begins); gemm_release destroys it
 *    (called once, when the state is freed).
 *  - refs: the stream holds one reference, every CUDA graph captured on it one more (graph.cu): graphs
 *    replay with the stream's arena and cuBLASLt workspace, so those live until the last reference goes
 *    (lp_cuda_state_unref). While a graph holds the state, an arena that grows is retired (kept for the
 *    graph) instead of freed.
 */
struct lp_cuda_retired {
    void *arena;
    lp_cuda_retired *next;
};

struct lp_cuda_state {
    int32_t device;    /* CUDA ordinal of the stream */
    int32_t sm_count;  /* multiprocessors of the device, for grid sizing */
    int32_t pdl;       /* 1: lp_launch_pdl allows programmatic dependent launch (sm_90+, LORAPAR_PDL != 0) */
    void *scratch;     /* device arena [scratch_bytes] */
    size_t scratch_bytes;
    void *gemm;                             /* opaque cuBLASLt context, or NULL before the first GEMM */
    lp_status (*gemm_release)(void *gemm);  /* destroys `gemm`; set together with it */
    int32_t refs;                           /* atomic: 1 (the stream) + live graphs captured on it */
    lp_cuda_retired *retired;               /* arenas replaced while graphs referenced this state */
};

/* One more reference (a graph captured on the stream). */
void lp_cuda_state_ref(lp_cuda_state *state);
/* Drops a reference; the last one frees the arenas, the cuBLASLt context and the state (after a device
 * synchronize when sync_device: a graph may still run on some stream). Returns the first failure. */
lp_status lp_cuda_state_unref(lp_cuda_state *state, int sync_device);

static inline lp_cuda_state *lp_cuda_state_of(lp_stream stream) { return (lp_cuda_state *)stream->backend; }
static inline cudaStream_t lp_cuda_stream_of(lp_stream stream) { return (cudaStream_t)stream->cuda; }

/* ------------------------------------------------------------------ programmatic dependent launch */
/*
 * A decode step is ~16 kernels a layer, many of them a few µs long, so the gap between one kernel's end and the
 * next one's first instructions is a visible share of the step. With programmatic dependent launch (sm_90+), a
 * kernel launched by lp_launch_pdl may be scheduled while the kernel before it in the stream still runs; it then
 * waits in lp_pdl_wait() until that kernel has completed and its writes are visible. So a kernel launched this way
 * MUST call lp_pdl_wait() before its first access to global memory (reads and writes alike); lp_pdl_wait() also
 * lets the next such kernel be scheduled (griddepcontrol.launch_dependents). Launched by <<<...>>> or on a device
 * without the feature, lp_pdl_wait() returns at once. LORAPAR_PDL=0 in the environment launches normally (for A/B
 * measurements); stream capture records the dependency as a programmatic edge of the CUDA graph.
 */
static __device__ __forceinline__ void lp_pdl_wait() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
    asm volatile("griddepcontrol.wait;" ::: "memory");
    asm volatile("griddepcontrol.launch_dependents;" ::: "memory");
#endif
}

/* kernel<<<grid, block, smem, stream>>>(args...), with programmatic dependent launch allowed when the stream's
 * state says so (see above). Returns the launch's status (the runtime's last-error state cleared). */
template <class... Params, class... Args>
static inline cudaError_t lp_launch_pdl(lp_stream stream, void (*kernel)(Params...), dim3 grid, dim3 block,
                                        size_t smem, Args... args) {
    cudaLaunchAttribute attribute = {};
    attribute.id = cudaLaunchAttributeProgrammaticStreamSerialization;
    attribute.val.programmaticStreamSerializationAllowed = 1;
    cudaLaunchConfig_t config = {};
    config.gridDim = grid;
    config.blockDim = block;
    config.dynamicSmemBytes = smem;
    config.stream = lp_cuda_stream_of(stream);
    config.attrs = &attribute;
    config.numAttrs = lp_cuda_state_of(stream)->pdl ? 1 : 0;
    const cudaError_t launched = cudaLaunchKernelEx(&config, kernel, static_cast<Params>(args)...);
    const cudaError_t last = cudaGetLastError();
    return launched != cudaSuccess ? launched : last;
}

/* Return from the enclosing lp_status function when an lp_launch_pdl fails, naming the kernel. */
#define LP_CUDA_CHECK_PDL(kernel_name, launch)                                                                   \
    do {                                                                                                         \
        lp_status lp_cuda_st_ = lp_cuda_status_of((launch), __FILE__, __LINE__, "launch of " kernel_name);        \
        if (lp_cuda_st_ != LP_OK) return lp_cuda_st_;                                                            \
    } while (0)

/* Device pointer to at least `bytes` of the stream's scratch arena (may synchronize to grow it). */
lp_status lp_cuda_scratch(lp_stream stream, size_t bytes, void **out_ptr);

/* Carves one scratch reservation into 256-byte aligned pieces: add() every piece, then reserve
 * layout.bytes once and use base + offset. */
struct lp_scratch_layout {
    size_t bytes = 0;
    size_t add(size_t piece_bytes) {
        size_t offset = bytes;
        bytes += (piece_bytes + 255) & ~(size_t)255;
        return offset;
    }
};

/* ------------------------------------------------------------------------------------ grid sizing */

#define LP_THREADS 256

/* Blocks for a grid-stride loop over `work_items`: enough to cover them, at most 8 resident blocks of
 * LP_THREADS per multiprocessor. work_items must be > 0. */
static inline unsigned int lp_cuda_grid(lp_stream stream, int64_t work_items) {
    int64_t blocks = (work_items + LP_THREADS - 1) / LP_THREADS;
    int64_t max_blocks = (int64_t)lp_cuda_state_of(stream)->sm_count * 8;
    if (max_blocks < 1) max_blocks = 1;
    if (blocks > max_blocks) blocks = max_blocks;
    if (blocks < 1) blocks = 1;
    return (unsigned int)blocks;
}

/* First index and stride of a 1-D grid-stride loop. */
static __device__ __forceinline__ int64_t lp_thread_index() {
    return (int64_t)blockIdx.x * blockDim.x + threadIdx.x;
}
static __device__ __forceinline__ int64_t lp_grid_stride() { return (int64_t)gridDim.x * blockDim.x; }

/* ----------------------------------------------------------------------------- element helpers */

/* f32 → bf16 bits, round to nearest even; NaN stays a (quiet) NaN. Host and device. */
static inline __host__ __device__ uint16_t lp_f32_to_bf16_bits(float value) {
    uint32_t bits;
    memcpy(&bits, &value, sizeof bits);
    if ((bits & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((bits >> 16) | 0x0040u);
    bits += 0x7fffu + ((bits >> 16) & 1u);
    return (uint16_t)(bits >> 16);
}

static __device__ __forceinline__ float lp_to_float(float v) { return v; }
static __device__ __forceinline__ float lp_to_float(lp_bf16 v) { return __bfloat162float(v); }

template <class T> __device__ __forceinline__ T lp_from_float(float v);
template <> __device__ __forceinline__ float lp_from_float<float>(float v) { return v; }
template <> __device__ __forceinline__ lp_bf16 lp_from_float<lp_bf16>(float v) { return __float2bfloat16_rn(v); }

/* 16 bytes of T: 4 floats or 8 bf16. */
template <class T> struct alignas(16) lp_vec16 {
    static constexpr int count = (int)(16 / sizeof(T));
    T v[count];
};

static __device__ __forceinline__ bool lp_aligned16(const void *p) { return ((uintptr_t)p & 15u) == 0; }

/* p must be 16-byte aligned. */
template <class T> static __device__ __forceinline__ lp_vec16<T> lp_load16(const T *p) {
    lp_vec16<T> out;
    *reinterpret_cast<int4 *>(&out) = *reinterpret_cast<const int4 *>(p);
    return out;
}
template <class T> static __device__ __forceinline__ void lp_store16(T *p, const lp_vec16<T> &in) {
    *reinterpret_cast<int4 *>(p) = *reinterpret_cast<const int4 *>(&in);
}

/* out[0..8) = p[0..8) as float; p 16-byte aligned (two 16-byte loads for f32, one for bf16). */
template <class T> static __device__ __forceinline__ void lp_load8(const T *p, float out[8]) {
#pragma unroll
    for (int j = 0; j < 8; j += lp_vec16<T>::count) {
        lp_vec16<T> chunk = lp_load16(p + j);
#pragma unroll
        for (int e = 0; e < lp_vec16<T>::count; e++) out[j + e] = lp_to_float(chunk.v[e]);
    }
}
/* p[0..8) = in[0..8) converted to T; p 16-byte aligned. */
template <class T> static __device__ __forceinline__ void lp_store8(T *p, const float in[8]) {
#pragma unroll
    for (int j = 0; j < 8; j += lp_vec16<T>::count) {
        lp_vec16<T> chunk;
#pragma unroll
        for (int e = 0; e < lp_vec16<T>::count; e++) chunk.v[e] = lp_from_float<T>(in[j + e]);
        lp_store16(p + j, chunk);
    }
}

/* ------------------------------------------------------------------------------- block reductions */

static __device__ __forceinline__ double lp_warp_sum(double v) {
#pragma unroll
    for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_down_sync(0xffffffffu, v, offset);
    return v;
}

/* Sum over a block of LP_THREADS threads in a fixed order (deterministic); the result is valid in
 * thread 0. Every thread of the block must call it. */
static __device__ __forceinline__ double lp_block_sum(double v) {
    __shared__ double warp_sums[LP_THREADS / 32];
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    v = lp_warp_sum(v);
    if (lane == 0) warp_sums[warp] = v;
    __syncthreads();
    double total = 0.0;
    if (warp == 0) {
        total = lane < LP_THREADS / 32 ? warp_sums[lane] : 0.0;
        total = lp_warp_sum(total);
    }
    __syncthreads(); /* warp_sums may be reused by a second call */
    return total;
}

#endif /* LORAPAR_CUDA_COMMON_CUH */
