/* validate.c — the argument checks of validate.h. */
#include "common/validate.h"

#include <math.h>
#include <stdint.h>

lp_status lp_check_device(const char *fn, int32_t device) {
    if (device < LP_DEVICE_CPU)
        return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: device = %d is neither LP_DEVICE_CPU (-1) nor a CUDA ordinal (>= 0)",
                       fn, (int)device);
    return LP_OK;
}

lp_status lp_check_stream(const char *fn, lp_stream stream) {
    if (stream == NULL) return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: stream is NULL", fn);
    if (stream->device < LP_DEVICE_CPU)
        return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: stream has an invalid device %d (destroyed or not a stream?)", fn,
                       (int)stream->device);
    return LP_OK;
}

lp_status lp_check_not_null(const char *fn, const char *name, const void *p) {
    if (p == NULL) return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: %s is NULL", fn, name);
    return LP_OK;
}

lp_status lp_check_nonnegative(const char *fn, const char *name, int64_t value) {
    if (value < 0) return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: %s = %lld < 0", fn, name, (long long)value);
    return LP_OK;
}

lp_status lp_check_product(const char *fn, const char *name, int64_t rows, int64_t cols, int64_t *out) {
    if (rows != 0 && cols > INT64_MAX / rows)
        return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: %s has %lld x %lld elements, which overflows int64", fn, name,
                       (long long)rows, (long long)cols);
    *out = rows * cols;
    return LP_OK;
}

lp_status lp_check_data(const char *fn, const char *name, const void *p, int64_t elements) {
    if (p == NULL && elements > 0)
        return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: %s is NULL but has %lld elements", fn, name, (long long)elements);
    return LP_OK;
}

lp_status lp_check_matrix(const char *fn, const char *name, const void *p, int64_t rows, int64_t cols) {
    int64_t elements = 0;
    LP_TRY(lp_check_product(fn, name, rows, cols, &elements));
    return lp_check_data(fn, name, p, elements);
}

lp_status lp_check_float_dtype(const char *fn, const char *name, lp_dtype dtype) {
    if (dtype != LP_F32 && dtype != LP_BF16)
        return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: %s = %d (%s) must be LP_F32 or LP_BF16", fn, name, (int)dtype,
                       lp_dtype_name(dtype));
    return LP_OK;
}

lp_status lp_check_known_dtype(const char *fn, const char *name, lp_dtype dtype) {
    if (lp_dtype_size(dtype) == 0)
        return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: %s = %d is not an lp_dtype", fn, name, (int)dtype);
    return LP_OK;
}

lp_status lp_check_finite(const char *fn, const char *name, double value) {
    if (!isfinite(value)) return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: %s = %g is not finite", fn, name, value);
    return LP_OK;
}

lp_status lp_check_unit_interval(const char *fn, const char *name, double value) {
    if (!(value >= 0.0 && value <= 1.0))
        return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: %s = %g is outside [0, 1]", fn, name, value);
    return LP_OK;
}

lp_status lp_check_mask_mode(const char *fn, lp_mask_mode mode) {
    if (mode != LP_MASK_GRADIENT && mode != LP_MASK_FORWARD)
        return lp_fail(LP_ERR_INVALID_ARGUMENT,
                       "%s: mask_mode = %d must be LP_MASK_GRADIENT (0) or LP_MASK_FORWARD (1)", fn, (int)mode);
    return LP_OK;
}

lp_status lp_check_disjoint(const char *fn, const char *a_name, const void *a, size_t a_bytes, const char *b_name,
                            const void *b, size_t b_bytes) {
    if (a == NULL || b == NULL || a_bytes == 0 || b_bytes == 0) return LP_OK;
    uintptr_t a_lo = (uintptr_t)a, b_lo = (uintptr_t)b;
    int overlap = a_lo < b_lo ? b_lo - a_lo < a_bytes : a_lo - b_lo < b_bytes;
    if (overlap) return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: %s and %s overlap in memory", fn, a_name, b_name);
    return LP_OK;
}

lp_status lp_check_tensor_sizes(const char *fn, int32_t count, const int64_t *sizes) {
    if (count < 0) return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: count = %d < 0", fn, (int)count);
    if (count > 0 && sizes == NULL)
        return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: sizes is NULL with count = %d", fn, (int)count);
    for (int32_t t = 0; t < count; t++)
        if (sizes[t] < 0)
            return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: sizes[%d] = %lld < 0", fn, (int)t, (long long)sizes[t]);
    return LP_OK;
}

lp_status lp_check_tensor_pointers(const char *fn, const char *name, int32_t count, const int64_t *sizes,
                                   const void *const *ptrs, int optional_array, int optional_entries) {
    if (count == 0 || (ptrs == NULL && optional_array)) return LP_OK;
    if (ptrs == NULL) return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: %s is NULL with count = %d", fn, name, (int)count);
    if (optional_entries) return LP_OK;
    for (int32_t t = 0; t < count; t++)
        if (ptrs[t] == NULL && sizes[t] > 0)
            return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: %s[%d] is NULL but sizes[%d] = %lld", fn, name, (int)t, (int)t,
                           (long long)sizes[t]);
    return LP_OK;
}
