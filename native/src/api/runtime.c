/*
 * runtime.c — public entry points for devices, streams, events, memory, fill and convert:
 * validate every argument, then run on the CPU or hand over to the CUDA backend.
 */
#include <stdlib.h>
#include <string.h>

#include "common/validate.h"
#include "cpu/cpu_runtime.h"

/* ---------------------------------------------------------------- devices */

lp_status lp_cuda_device_count(int32_t *out_count) {
    LP_TRY(lp_check_not_null("lp_cuda_device_count", "out_count", out_count));
    return lp_cuda_count_devices(out_count);
}

lp_status lp_mem_info(int32_t device, size_t *out_free, size_t *out_total) {
    static const char fn[] = "lp_mem_info";
    LP_TRY(lp_check_device(fn, device));
    LP_TRY(lp_check_not_null(fn, "out_free", out_free));
    LP_TRY(lp_check_not_null(fn, "out_total", out_total));
    if (device == LP_DEVICE_CPU) return lp_cpu_mem_info(out_free, out_total);
    return lp_cuda_mem_info(device, out_free, out_total);
}

lp_status lp_device_name(int32_t device, char *buf, size_t buf_len) {
    static const char fn[] = "lp_device_name";
    LP_TRY(lp_check_device(fn, device));
    LP_TRY(lp_check_not_null(fn, "buf", buf));
    if (buf_len == 0) return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: buf_len = 0 (no room for the NUL)", fn);
    if (device == LP_DEVICE_CPU) return lp_cpu_device_name(buf, buf_len);
    return lp_cuda_device_name(device, buf, buf_len);
}

/* ---------------------------------------------------------------- streams */

lp_status lp_stream_create(int32_t device, lp_stream *out_stream) {
    static const char fn[] = "lp_stream_create";
    LP_TRY(lp_check_not_null(fn, "out_stream", out_stream));
    *out_stream = NULL;
    LP_TRY(lp_check_device(fn, device));
    lp_stream stream = calloc(1, sizeof *stream);
    if (stream == NULL)
        return lp_fail(LP_ERR_OUT_OF_MEMORY, "%s: asked %zu bytes for the stream", fn, sizeof *stream);
    stream->device = device;
    if (device != LP_DEVICE_CPU) {
        lp_status status = lp_cuda_stream_init(stream);
        if (status != LP_OK) {
            free(stream);
            return status;
        }
    }
    *out_stream = stream;
    return LP_OK;
}

/* NULL is a no-op (like free). */
lp_status lp_stream_destroy(lp_stream stream) {
    if (stream == NULL) return LP_OK;
    LP_TRY(lp_check_stream("lp_stream_destroy", stream));
    lp_status status = LP_OK;
    if (stream->device != LP_DEVICE_CPU) status = lp_cuda_stream_release(stream);
    free(stream);
    return status;
}

lp_status lp_stream_synchronize(lp_stream stream) {
    LP_TRY(lp_check_stream("lp_stream_synchronize", stream));
    if (stream->device == LP_DEVICE_CPU) return LP_OK; /* CPU streams run synchronously */
    return lp_cuda_stream_synchronize(stream);
}

lp_status lp_stream_device(lp_stream stream, int32_t *out_device) {
    LP_TRY(lp_check_stream("lp_stream_device", stream));
    LP_TRY(lp_check_not_null("lp_stream_device", "out_device", out_device));
    *out_device = stream->device;
    return LP_OK;
}

/* ---------------------------------------------------------------- events */

static lp_status lp_check_event(const char *fn, const char *name, lp_event event) {
    if (event == NULL) return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: %s is NULL", fn, name);
    if (event->device < LP_DEVICE_CPU)
        return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: %s has an invalid device %d (destroyed or not an event?)", fn,
                       name, (int)event->device);
    return LP_OK;
}

lp_status lp_event_create(int32_t device, lp_event *out_event) {
    static const char fn[] = "lp_event_create";
    LP_TRY(lp_check_not_null(fn, "out_event", out_event));
    *out_event = NULL;
    LP_TRY(lp_check_device(fn, device));
    lp_event event = calloc(1, sizeof *event);
    if (event == NULL) return lp_fail(LP_ERR_OUT_OF_MEMORY, "%s: asked %zu bytes for the event", fn, sizeof *event);
    event->device = device;
    if (device != LP_DEVICE_CPU) {
        lp_status status = lp_cuda_event_init(event);
        if (status != LP_OK) {
            free(event);
            return status;
        }
    }
    *out_event = event;
    return LP_OK;
}

/* NULL is a no-op (like free). */
lp_status lp_event_destroy(lp_event event) {
    if (event == NULL) return LP_OK;
    LP_TRY(lp_check_event("lp_event_destroy", "event", event));
    lp_status status = LP_OK;
    if (event->device != LP_DEVICE_CPU) status = lp_cuda_event_release(event);
    free(event);
    return status;
}

lp_status lp_event_record(lp_event event, lp_stream stream) {
    static const char fn[] = "lp_event_record";
    LP_TRY(lp_check_event(fn, "event", event));
    LP_TRY(lp_check_stream(fn, stream));
    if (event->device != stream->device)
        return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: event of device %d recorded on a stream of device %d", fn,
                       (int)event->device, (int)stream->device);
    if (stream->device == LP_DEVICE_CPU) {
        event->host_ms = lp_cpu_now_ms();
    } else {
        LP_TRY(lp_cuda_event_record(event, stream));
    }
    event->recorded = 1;
    return LP_OK;
}

/* An event never recorded has nothing to wait for. */
lp_status lp_event_synchronize(lp_event event) {
    LP_TRY(lp_check_event("lp_event_synchronize", "event", event));
    if (event->device == LP_DEVICE_CPU || !event->recorded) return LP_OK;
    return lp_cuda_event_synchronize(event);
}

/*
 * CPU stream: work before a CPU event is already done; a CUDA event is waited for on the host.
 * CUDA stream: a CPU event is already complete; a CUDA event (any ordinal) goes to the backend.
 */
lp_status lp_stream_wait_event(lp_stream stream, lp_event event) {
    static const char fn[] = "lp_stream_wait_event";
    LP_TRY(lp_check_stream(fn, stream));
    LP_TRY(lp_check_event(fn, "event", event));
    if (event->device == LP_DEVICE_CPU || !event->recorded) return LP_OK;
    if (stream->device == LP_DEVICE_CPU) return lp_cuda_event_synchronize(event);
    return lp_cuda_stream_wait_event(stream, event);
}

lp_status lp_event_elapsed_ms(lp_event start, lp_event end, float *out_ms) {
    static const char fn[] = "lp_event_elapsed_ms";
    LP_TRY(lp_check_event(fn, "start", start));
    LP_TRY(lp_check_event(fn, "end", end));
    LP_TRY(lp_check_not_null(fn, "out_ms", out_ms));
    if (start->device != end->device)
        return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: start is on device %d, end on device %d", fn, (int)start->device,
                       (int)end->device);
    if (!start->recorded || !end->recorded)
        return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: %s was never recorded", fn, !start->recorded ? "start" : "end");
    if (start->device == LP_DEVICE_CPU) {
        *out_ms = (float)(end->host_ms - start->host_ms);
        return LP_OK;
    }
    return lp_cuda_event_elapsed_ms(start, end, out_ms);
}

/* ---------------------------------------------------------------- memory */

lp_status lp_malloc(int32_t device, size_t bytes, void **out_ptr) {
    static const char fn[] = "lp_malloc";
    LP_TRY(lp_check_not_null(fn, "out_ptr", out_ptr));
    *out_ptr = NULL;
    LP_TRY(lp_check_device(fn, device));
    if (device == LP_DEVICE_CPU) return lp_cpu_malloc(bytes, out_ptr);
    return lp_cuda_malloc(device, bytes, out_ptr);
}

lp_status lp_free(int32_t device, void *ptr) {
    LP_TRY(lp_check_device("lp_free", device));
    if (ptr == NULL) return LP_OK;
    if (device == LP_DEVICE_CPU) {
        lp_cpu_free(ptr);
        return LP_OK;
    }
    return lp_cuda_free(device, ptr);
}

lp_status lp_host_alloc_pinned(size_t bytes, void **out_ptr) {
    LP_TRY(lp_check_not_null("lp_host_alloc_pinned", "out_ptr", out_ptr));
    *out_ptr = NULL;
    return lp_cuda_host_alloc_pinned(bytes, out_ptr);
}

lp_status lp_host_free_pinned(void *ptr) {
    if (ptr == NULL) return LP_OK;
    return lp_cuda_host_free_pinned(ptr);
}

static const char *lp_copy_kind_name(lp_copy_kind kind) {
    switch (kind) {
    case LP_COPY_H2H: return "H2H";
    case LP_COPY_H2D: return "H2D";
    case LP_COPY_D2H: return "D2H";
    case LP_COPY_D2D: return "D2D";
    default: return "unknown";
    }
}

lp_status lp_memcpy(lp_stream stream, void *dst, const void *src, size_t bytes, lp_copy_kind kind) {
    static const char fn[] = "lp_memcpy";
    LP_TRY(lp_check_stream(fn, stream));
    if (kind < LP_COPY_H2H || kind > LP_COPY_D2D)
        return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: kind = %d is not an lp_copy_kind", fn, (int)kind);
    if (stream->device == LP_DEVICE_CPU && kind != LP_COPY_H2H)
        return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: a %s copy needs a CUDA stream, got a CPU stream", fn,
                       lp_copy_kind_name(kind));
    if (bytes == 0) return LP_OK;
    LP_TRY(lp_check_not_null(fn, "dst", dst));
    LP_TRY(lp_check_not_null(fn, "src", src));
    if (stream->device == LP_DEVICE_CPU) {
        memmove(dst, src, bytes);
        return LP_OK;
    }
    return lp_cuda_memcpy(stream, dst, src, bytes, kind);
}

/* ---------------------------------------------------------------- fill and convert */

static lp_status lp_check_fill_value(const char *fn, lp_dtype dtype, double value) {
    double lo, hi; /* integral range of the dtype; hi is exclusive */
    switch (dtype) {
    case LP_U8: lo = 0.0, hi = 256.0; break;
    case LP_I32: lo = -2147483648.0, hi = 2147483648.0; break;
    case LP_I64: lo = -9223372036854775808.0, hi = 9223372036854775808.0; break;
    default: return LP_OK; /* F32 / BF16 take any value, NaN and Inf included */
    }
    if (!(value >= lo && value < hi) || value != (double)(int64_t)value)
        return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: value = %.17g is not an integer representable in %s", fn, value,
                       lp_dtype_name(dtype));
    return LP_OK;
}

lp_status lp_fill(lp_stream stream, void *dst, lp_dtype dtype, int64_t n, double value) {
    static const char fn[] = "lp_fill";
    LP_TRY(lp_check_stream(fn, stream));
    LP_TRY(lp_check_known_dtype(fn, "dtype", dtype));
    LP_TRY(lp_check_nonnegative(fn, "n", n));
    LP_TRY(lp_check_data(fn, "dst", dst, n));
    LP_TRY(lp_check_fill_value(fn, dtype, value));
    if (n == 0) return LP_OK;
    return LP_DISPATCH(stream, fill, stream, dst, dtype, n, value);
}

lp_status lp_convert(lp_stream stream, const void *src, lp_dtype src_dtype, void *dst, lp_dtype dst_dtype, int64_t n) {
    static const char fn[] = "lp_convert";
    LP_TRY(lp_check_stream(fn, stream));
    LP_TRY(lp_check_known_dtype(fn, "src_dtype", src_dtype));
    LP_TRY(lp_check_known_dtype(fn, "dst_dtype", dst_dtype));
    int float_pair = (src_dtype == LP_F32 && dst_dtype == LP_BF16) || (src_dtype == LP_BF16 && dst_dtype == LP_F32);
    if (src_dtype != dst_dtype && !float_pair)
        return lp_fail(LP_ERR_UNSUPPORTED, "%s: no conversion from %s to %s (only f32 <-> bf16 and same-dtype copies)",
                       fn, lp_dtype_name(src_dtype), lp_dtype_name(dst_dtype));
    LP_TRY(lp_check_nonnegative(fn, "n", n));
    LP_TRY(lp_check_data(fn, "src", src, n));
    LP_TRY(lp_check_data(fn, "dst", dst, n));
    if (n == 0) return LP_OK;
    if (src_dtype != dst_dtype) {
        if ((uint64_t)n > SIZE_MAX / 8)
            return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: n = %lld elements overflow size_t bytes", fn, (long long)n);
        size_t src_bytes = (size_t)n * lp_dtype_size(src_dtype), dst_bytes = (size_t)n * lp_dtype_size(dst_dtype);
        LP_TRY(lp_check_disjoint(fn, "src", src, src_bytes, "dst", dst, dst_bytes));
    }
    return LP_DISPATCH(stream, convert, stream, src, src_dtype, dst, dst_dtype, n);
}
