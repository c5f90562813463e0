/*
 * fill.cu — lp_cuda_fill: dst[0..n) = value converted to dtype, for every dtype.
 * The value is converted once on the host into the element's bit pattern; the device then writes a
 * pattern of 1, 2, 4 or 8 bytes. A pattern whose bytes are all equal (0 in any dtype, any u8) is a
 * cudaMemsetAsync; otherwise one kernel writes the 16-byte aligned body with 16-byte stores and the
 * unaligned head / tail element by element.
 */
#include <math.h>

#include "cuda_common.cuh"

/* dst [n] of W-byte elements, dst aligned to W:
 *   dst[0..head)                         = value   (before the first 16-byte boundary)
 *   dst[head .. head + vec_count·16/W)   = pattern (16-byte stores)
 *   the rest, up to n                    = value */
/* double → bf16 bits with one correct rounding (no double rounding through f32): round to f32 "to odd"
 * (truncate toward zero, set the last bit when inexact), then to bf16 to nearest even. */
static uint16_t lp_f64_to_bf16_bits(double value) {
    if (isnan(value)) return lp_f32_to_bf16_bits((float)value);
    float toward_zero = (float)value;
    if (fabs((double)toward_zero) > fabs(value)) toward_zero = nextafterf(toward_zero, 0.0f);
    uint32_t bits;
    memcpy(&bits, &toward_zero, sizeof bits);
    if ((double)toward_zero != value) bits |= 1u;
    float odd;
    memcpy(&odd, &bits, sizeof odd);
    return lp_f32_to_bf16_bits(odd);
}

template <class W>
__global__ void lp_fill_kernel(W *dst, int64_t n, W value, int64_t head, int64_t vec_count, int4 pattern) {
    constexpr int64_t per_vec = 16 / sizeof(W);
    int4 *body = reinterpret_cast<int4 *>(dst + head);
    for (int64_t i = lp_thread_index(); i < vec_count; i += lp_grid_stride()) body[i] = pattern;
    const int64_t tail_start = head + vec_count * per_vec;
    const int64_t edge_count = head + (n - tail_start);
    for (int64_t i = lp_thread_index(); i < edge_count; i += lp_grid_stride())
        dst[i < head ? i : tail_start + (i - head)] = value;
}

template <class W> static lp_status lp_fill_bits(lp_stream stream, void *dst, int64_t n, W value) {
    cudaStream_t cuda_stream = lp_cuda_stream_of(stream);
    unsigned char bytes[sizeof(W)];
    memcpy(bytes, &value, sizeof(W));
    bool uniform = true;
    for (size_t i = 1; i < sizeof(W); i++) uniform = uniform && bytes[i] == bytes[0];
    if (uniform) {
        LP_CUDA_CHECK(cudaMemsetAsync(dst, bytes[0], (size_t)n * sizeof(W), cuda_stream));
        return LP_OK;
    }
    W *elems = static_cast<W *>(dst);
    const uintptr_t misalign = (uintptr_t)elems & 15u;
    int64_t head = misalign == 0 ? 0 : (int64_t)((16u - misalign) / sizeof(W));
    if (head > n) head = n;
    const int64_t vec_count = (n - head) / (int64_t)(16 / sizeof(W));
    W pattern_elems[16 / sizeof(W)]; /* 16 bytes of the element pattern */
    for (size_t i = 0; i < 16 / sizeof(W); i++) pattern_elems[i] = value;
    int4 pattern;
    memcpy(&pattern, pattern_elems, sizeof pattern);
    const int64_t edge_count = n - vec_count * (int64_t)(16 / sizeof(W)); /* head + tail elements */
    const int64_t work = vec_count > edge_count ? vec_count : edge_count;
    lp_fill_kernel<W><<<lp_cuda_grid(stream, work), LP_THREADS, 0, cuda_stream>>>(elems, n, value, head, vec_count,
                                                                               pattern);
    LP_CUDA_CHECK_LAUNCH("lp_fill_kernel");
    return LP_OK;
}

extern "C" lp_status lp_cuda_fill(lp_stream stream, void *dst, lp_dtype dtype, int64_t n, double value) {
    LP_CHECK(lp_cuda_use_device(stream->device));
    if (n == 0) return LP_OK;
    switch (dtype) {
    case LP_F32: {
        float v = (float)value;
        uint32_t bits;
        memcpy(&bits, &v, sizeof bits);
        return lp_fill_bits<uint32_t>(stream, dst, n, bits);
    }
    case LP_BF16: return lp_fill_bits<uint16_t>(stream, dst, n, lp_f64_to_bf16_bits(value));
    case LP_U8:
        if (!(value >= 0.0 && value <= 255.0) || value != floor(value))
            return lp_fail(LP_ERR_INVALID_ARGUMENT, "lp_fill: u8 value %g is not an integer in 0..255", value);
        return lp_fill_bits<uint8_t>(stream, dst, n, (uint8_t)value);
    case LP_I32:
        if (!(value >= -2147483648.0 && value <= 2147483647.0) || value != floor(value))
            return lp_fail(LP_ERR_INVALID_ARGUMENT, "lp_fill: i32 value %g is not an int32", value);
        return lp_fill_bits<uint32_t>(stream, dst, n, (uint32_t)(int32_t)value);
    case LP_I64:
        if (!(value >= -9223372036854775808.0 && value < 9223372036854775808.0) || value != floor(value))
            return lp_fail(LP_ERR_INVALID_ARGUMENT, "lp_fill: i64 value %g is not an int64", value);
        return lp_fill_bits<uint64_t>(stream, dst, n, (uint64_t)(int64_t)value);
    default: return lp_fail(LP_ERR_UNSUPPORTED, "lp_fill: dtype %d is not supported on CUDA", (int)dtype);
    }
}
