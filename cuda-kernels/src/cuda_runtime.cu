/*
 * cuda_runtime.cu — runtime glue of the CUDA backend: error helpers, build info, devices, streams
 * (with their backend state and scratch arena), events, device / pinned memory and memcpy.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cuda_common.cuh"

/* ------------------------------------------------------------------------------------------ errors */

lp_status lp_cuda_error(cudaError_t err, const char *file, int line, const char *call) {
    (void)cudaGetLastError(); /* clear a non-sticky error so the next launch check does not see it */
    lp_status status = err == cudaErrorMemoryAllocation ? LP_ERR_OUT_OF_MEMORY : LP_ERR_CUDA;
    return lp_fail(status, "%s:%d %s: %s (%s)", lp_source_name(file), line, call, cudaGetErrorString(err),
                   cudaGetErrorName(err));
}

/* Errors meaning "no usable CUDA here" rather than a failure of a usable device. */
static bool lp_cuda_is_absent(cudaError_t err) {
    return err == cudaErrorNoDevice || err == cudaErrorInsufficientDriver || err == cudaErrorStubLibrary ||
           err == cudaErrorSystemDriverMismatch || err == cudaErrorCompatNotSupportedOnDevice;
}

lp_status lp_cuda_use_device(int32_t device) {
    int current = -1;
    if (cudaGetDevice(&current) == cudaSuccess && current == device) return LP_OK;
    (void)cudaGetLastError();
    cudaError_t err = cudaSetDevice(device);
    if (err == cudaErrorInvalidDevice) {
        (void)cudaGetLastError();
        return lp_fail(LP_ERR_NO_DEVICE, "cuda:%d is not a CUDA device ordinal of this machine", (int)device);
    }
    if (lp_cuda_is_absent(err)) {
        (void)cudaGetLastError();
        return lp_fail(LP_ERR_NO_DEVICE, "cuda:%d unusable: %s (%s)", (int)device, cudaGetErrorString(err),
                       cudaGetErrorName(err));
    }
    return lp_cuda_status_of(err, __FILE__, __LINE__, "cudaSetDevice(device)");
}

/* --------------------------------------------------------------------------------- library info */

#define LP_STRINGIFY2(...) #__VA_ARGS__
#define LP_STRINGIFY(...) LP_STRINGIFY2(__VA_ARGS__)
#ifdef __CUDA_ARCH_LIST__
#define LP_CUDA_ARCHS LP_STRINGIFY(__CUDA_ARCH_LIST__)
#else
#define LP_CUDA_ARCHS "unknown"
#endif

namespace {
/* Built once, on first use (thread-safe static initialisation, no allocation). */
struct lp_cuda_build_text {
    char text[256];
    lp_cuda_build_text() {
        int runtime = 0, driver = 0;
        if (cudaRuntimeGetVersion(&runtime) != cudaSuccess) runtime = 0;
        if (cudaDriverGetVersion(&driver) != cudaSuccess) driver = 0;
        (void)cudaGetLastError();
        snprintf(text, sizeof text,
                 "cuda: runtime %d.%d, driver %d.%d%s, built with nvcc %d.%d for archs %s (cuBLASLt GEMM)",
                 runtime / 1000, (runtime % 1000) / 10, driver / 1000, (driver % 1000) / 10,
                 driver == 0 ? " (none)" : "", __CUDACC_VER_MAJOR__, __CUDACC_VER_MINOR__, LP_CUDA_ARCHS);
    }
};
} // namespace

extern "C" int32_t lp_cuda_built(void) { return 1; }

extern "C" const char *lp_cuda_build_info(void) {
    static const lp_cuda_build_text info;
    return info.text;
}

/* ------------------------------------------------------------------------------------- devices */

extern "C" lp_status lp_cuda_count_devices(int32_t *out_count) {
    int count = 0;
    cudaError_t err = cudaGetDeviceCount(&count);
    if (lp_cuda_is_absent(err)) {
        (void)cudaGetLastError();
        *out_count = 0;
        return LP_OK;
    }
    LP_CUDA_CHECK(err);
    *out_count = (int32_t)count;
    return LP_OK;
}

extern "C" lp_status lp_cuda_mem_info(int32_t device, size_t *out_free, size_t *out_total) {
    LP_CHECK(lp_cuda_use_device(device));
    size_t free_bytes = 0, total_bytes = 0;
    LP_CUDA_CHECK(cudaMemGetInfo(&free_bytes, &total_bytes));
    *out_free = free_bytes;
    *out_total = total_bytes;
    return LP_OK;
}

extern "C" lp_status lp_cuda_device_name(int32_t device, char *buf, size_t buf_len) {
    LP_CHECK(lp_cuda_use_device(device));
    cudaDeviceProp prop;
    LP_CUDA_CHECK(cudaGetDeviceProperties(&prop, device));
    if (buf_len > 0) snprintf(buf, buf_len, "%s", prop.name);
    return LP_OK;
}

/* ------------------------------------------------------------------------------------- streams */

/* Programmatic dependent launch for the device's streams: compute capability 9.0 or above, unless LORAPAR_PDL=0. */
static int32_t lp_cuda_pdl_wanted(int32_t device) {
    const char *env = getenv("LORAPAR_PDL");
    if (env != NULL && strcmp(env, "0") == 0) return 0;
    int major = 0;
    if (cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device) != cudaSuccess) {
        (void)cudaGetLastError();
        return 0;
    }
    return major >= 9 ? 1 : 0;
}

extern "C" lp_status lp_cuda_stream_init(lp_stream stream) {
    stream->cuda = NULL;
    stream->backend = NULL;
    LP_CHECK(lp_cuda_use_device(stream->device));
    int sm_count = 0;
    LP_CUDA_CHECK(cudaDeviceGetAttribute(&sm_count, cudaDevAttrMultiProcessorCount, stream->device));
    lp_cuda_state *state = (lp_cuda_state *)calloc(1, sizeof *state);
    if (state == NULL)
        return lp_fail(LP_ERR_OUT_OF_MEMORY, "lp_stream_create: no host memory for the stream state (%zu bytes)",
                       sizeof *state);
    cudaStream_t cuda_stream = NULL;
    lp_status st = LP_CUDA_STATUS(cudaStreamCreateWithFlags(&cuda_stream, cudaStreamNonBlocking));
    if (st != LP_OK) {
        free(state);
        return st;
    }
    state->device = stream->device;
    state->sm_count = sm_count;
    state->pdl = lp_cuda_pdl_wanted(stream->device);
    state->refs = 1;
    stream->cuda = (void *)cuda_stream;
    stream->backend = state;
    return LP_OK;
}

void lp_cuda_state_ref(lp_cuda_state *state) { (void)__atomic_add_fetch(&state->refs, 1, __ATOMIC_ACQ_REL); }

lp_status lp_cuda_state_unref(lp_cuda_state *state, int sync_device) {
    if (__atomic_sub_fetch(&state->refs, 1, __ATOMIC_ACQ_REL) != 0) return LP_OK;
    lp_status result = lp_cuda_use_device(state->device), st;
    if (sync_device && (st = LP_CUDA_STATUS(cudaDeviceSynchronize())) != LP_OK) result = st;
    if (state->gemm != NULL && state->gemm_release != NULL && (st = state->gemm_release(state->gemm)) != LP_OK)
        result = st;
    if (state->scratch != NULL && (st = LP_CUDA_STATUS(cudaFree(state->scratch))) != LP_OK) result = st;
    while (state->retired != NULL) {
        lp_cuda_retired *node = state->retired;
        state->retired = node->next;
        if ((st = LP_CUDA_STATUS(cudaFree(node->arena))) != LP_OK) result = st;
        free(node);
    }
    free(state);
    return result;
}

/* Synchronizes, then frees everything init and later ops made (the state once no graph references it),
 * even after an error; returns the status of the last failure (whose message is the thread's last error). */
extern "C" lp_status lp_cuda_stream_release(lp_stream stream) {
    lp_status result = lp_cuda_use_device(stream->device);
    cudaStream_t cuda_stream = lp_cuda_stream_of(stream);
    lp_cuda_state *state = lp_cuda_state_of(stream);
    lp_status st;
    if (cuda_stream != NULL && (st = LP_CUDA_STATUS(cudaStreamSynchronize(cuda_stream))) != LP_OK) result = st;
    if (cuda_stream != NULL && (st = LP_CUDA_STATUS(cudaStreamDestroy(cuda_stream))) != LP_OK) result = st;
    if (state != NULL && (st = lp_cuda_state_unref(state, 0)) != LP_OK) result = st;
    stream->cuda = NULL;
    stream->backend = NULL;
    return result;
}

extern "C" lp_status lp_cuda_stream_synchronize(lp_stream stream) {
    LP_CHECK(lp_cuda_use_device(stream->device));
    LP_CUDA_CHECK(cudaStreamSynchronize(lp_cuda_stream_of(stream)));
    return LP_OK;
}

lp_status lp_cuda_scratch(lp_stream stream, size_t bytes, void **out_ptr) {
    lp_cuda_state *state = lp_cuda_state_of(stream);
    if (state->scratch != NULL && bytes <= state->scratch_bytes) {
        *out_ptr = state->scratch;
        return LP_OK;
    }
    const size_t granule = (size_t)2 << 20; /* grow in 2 MiB steps */
    size_t want = bytes < granule ? granule : bytes;
    if (want > SIZE_MAX - granule)
        return lp_fail(LP_ERR_OUT_OF_MEMORY, "scratch of %zu bytes on cuda:%d is too large", bytes, (int)state->device);
    want = (want + granule - 1) / granule * granule;
    cudaStreamCaptureStatus capture = cudaStreamCaptureStatusNone;
    LP_CUDA_CHECK(cudaStreamIsCapturing(lp_cuda_stream_of(stream), &capture));
    if (capture != cudaStreamCaptureStatusNone)
        return lp_fail(LP_ERR_UNSUPPORTED,
                       "an op needs %zu bytes of stream scratch on cuda:%d but the arena holds %zu and cannot grow "
                       "while the stream is captured into a CUDA graph: run the same ops once on this stream "
                       "before capturing",
                       bytes, (int)state->device, state->scratch_bytes);
    if (state->scratch != NULL) {
        /* earlier ops queued on the stream may still read the old arena */
        LP_CUDA_CHECK(cudaStreamSynchronize(lp_cuda_stream_of(stream)));
        void *old = state->scratch;
        if (__atomic_load_n(&state->refs, __ATOMIC_ACQUIRE) > 1) { /* graphs replay with it: retire it */
            lp_cuda_retired *node = (lp_cuda_retired *)malloc(sizeof *node);
            if (node == NULL)
                return lp_fail(LP_ERR_OUT_OF_MEMORY, "scratch growth on cuda:%d: no host memory (%zu bytes)",
                               (int)state->device, sizeof *node);
            node->arena = old;
            node->next = state->retired;
            state->retired = node;
            state->scratch = NULL;
            state->scratch_bytes = 0;
        } else {
            state->scratch = NULL;
            state->scratch_bytes = 0;
            LP_CUDA_CHECK(cudaFree(old));
        }
    }
    void *fresh = NULL;
    LP_CHECK(lp_cuda_device_alloc(state->device, want, &fresh));
    state->scratch = fresh;
    state->scratch_bytes = want;
    *out_ptr = fresh;
    return LP_OK;
}

/* -------------------------------------------------------------------------------------- events */

extern "C" lp_status lp_cuda_event_init(lp_event event) {
    event->cuda = NULL;
    LP_CHECK(lp_cuda_use_device(event->device));
    cudaEvent_t cuda_event = NULL;
    LP_CUDA_CHECK(cudaEventCreateWithFlags(&cuda_event, cudaEventDefault)); /* timing enabled */
    event->cuda = (void *)cuda_event;
    return LP_OK;
}

extern "C" lp_status lp_cuda_event_release(lp_event event) {
    if (event->cuda == NULL) return LP_OK;
    LP_CHECK(lp_cuda_use_device(event->device));
    cudaEvent_t cuda_event = (cudaEvent_t)event->cuda;
    event->cuda = NULL;
    LP_CUDA_CHECK(cudaEventDestroy(cuda_event));
    return LP_OK;
}

extern "C" lp_status lp_cuda_event_record(lp_event event, lp_stream stream) {
    LP_CHECK(lp_cuda_use_device(stream->device));
    LP_CUDA_CHECK(cudaEventRecord((cudaEvent_t)event->cuda, lp_cuda_stream_of(stream)));
    event->recorded = 1;
    return LP_OK;
}

extern "C" lp_status lp_cuda_event_synchronize(lp_event event) {
    LP_CHECK(lp_cuda_use_device(event->device));
    LP_CUDA_CHECK(cudaEventSynchronize((cudaEvent_t)event->cuda));
    return LP_OK;
}

extern "C" lp_status lp_cuda_stream_wait_event(lp_stream stream, lp_event event) {
    LP_CHECK(lp_cuda_use_device(stream->device));
    LP_CUDA_CHECK(cudaStreamWaitEvent(lp_cuda_stream_of(stream), (cudaEvent_t)event->cuda, 0));
    return LP_OK;
}

extern "C" lp_status lp_cuda_event_elapsed_ms(lp_event start, lp_event end, float *out_ms) {
    LP_CHECK(lp_cuda_use_device(end->device));
    float ms = 0.0f;
    LP_CUDA_CHECK(cudaEventElapsedTime(&ms, (cudaEvent_t)start->cuda, (cudaEvent_t)end->cuda));
    *out_ms = ms;
    return LP_OK;
}

/* -------------------------------------------------------------------------------------- memory */

lp_status lp_cuda_device_alloc(int32_t device, size_t bytes, void **out_ptr) {
    void *ptr = NULL;
    cudaError_t err = cudaMalloc(&ptr, bytes == 0 ? 1 : bytes);
    if (err == cudaErrorMemoryAllocation) {
        (void)cudaGetLastError();
        size_t free_bytes = 0, total_bytes = 0;
        if (cudaMemGetInfo(&free_bytes, &total_bytes) != cudaSuccess) (void)cudaGetLastError();
        return lp_fail(LP_ERR_OUT_OF_MEMORY, "cudaMalloc of %zu bytes on cuda:%d failed: out of memory (free %zu of %zu bytes)",
                       bytes, (int)device, free_bytes, total_bytes);
    }
    LP_CUDA_CHECK(err);
    *out_ptr = ptr;
    return LP_OK;
}

extern "C" lp_status lp_cuda_malloc(int32_t device, size_t bytes, void **out_ptr) {
    LP_CHECK(lp_cuda_use_device(device));
    return lp_cuda_device_alloc(device, bytes, out_ptr);
}

extern "C" lp_status lp_cuda_free(int32_t device, void *ptr) {
    if (ptr == NULL) return LP_OK;
    LP_CHECK(lp_cuda_use_device(device));
    LP_CUDA_CHECK(cudaFree(ptr));
    return LP_OK;
}

extern "C" lp_status lp_cuda_host_alloc_pinned(size_t bytes, void **out_ptr) {
    void *ptr = NULL;
    /* portable: pinned for every CUDA context, not only the current device's */
    cudaError_t err = cudaHostAlloc(&ptr, bytes == 0 ? 1 : bytes, cudaHostAllocPortable);
    if (err == cudaErrorMemoryAllocation) {
        (void)cudaGetLastError();
        return lp_fail(LP_ERR_OUT_OF_MEMORY, "cudaHostAlloc of %zu pinned bytes failed: out of memory", bytes);
    }
    LP_CUDA_CHECK(err);
    *out_ptr = ptr;
    return LP_OK;
}

extern "C" lp_status lp_cuda_host_free_pinned(void *ptr) {
    if (ptr == NULL) return LP_OK;
    LP_CUDA_CHECK(cudaFreeHost(ptr));
    return LP_OK;
}

extern "C" lp_status lp_cuda_memcpy(lp_stream stream, void *dst, const void *src, size_t bytes, lp_copy_kind kind) {
    if (bytes == 0) return LP_OK;
    cudaMemcpyKind cuda_kind;
    switch (kind) {
    case LP_COPY_H2H: cuda_kind = cudaMemcpyHostToHost; break;
    case LP_COPY_H2D: cuda_kind = cudaMemcpyHostToDevice; break;
    case LP_COPY_D2H: cuda_kind = cudaMemcpyDeviceToHost; break;
    case LP_COPY_D2D: cuda_kind = cudaMemcpyDeviceToDevice; break;
    default: return lp_fail(LP_ERR_INVALID_ARGUMENT, "lp_memcpy: unknown copy kind %d", (int)kind);
    }
    LP_CHECK(lp_cuda_use_device(stream->device));
    LP_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cuda_kind, lp_cuda_stream_of(stream)));
    return LP_OK;
}
