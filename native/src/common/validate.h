/*
 * validate.h — argument checks shared by the public entry points in native/src/api/.
 * Every check returns LP_OK or an lp_fail status whose message names the function (fn) and the
 * argument. Rule for data pointers: a pointer may be NULL only when the tensor it points to has
 * zero elements.
 */
#ifndef LORAPAR_VALIDATE_H
#define LORAPAR_VALIDATE_H

#include "internal.h"

/* Returns from the calling function when a check fails. */
#define LP_TRY(expr)                                          \
    do {                                                      \
        lp_status lp_try_status_ = (expr);                    \
        if (lp_try_status_ != LP_OK) return lp_try_status_;   \
    } while (0)

/* Calls lp_cpu_<op>(...) for a CPU stream, lp_cuda_<op>(...) otherwise (stream already checked). */
#define LP_DISPATCH(stream, op, ...) \
    ((stream)->device == LP_DEVICE_CPU ? lp_cpu_##op(__VA_ARGS__) : lp_cuda_##op(__VA_ARGS__))

/* device is LP_DEVICE_CPU or a CUDA ordinal ≥ 0 (whether that ordinal exists is the backend's call). */
lp_status lp_check_device(const char *fn, int32_t device);
/* stream is non-NULL and belongs to a valid device. */
lp_status lp_check_stream(const char *fn, lp_stream stream);
/* p is non-NULL (for out-parameters and host arrays that are always needed). */
lp_status lp_check_not_null(const char *fn, const char *name, const void *p);
/* value ≥ 0. */
lp_status lp_check_nonnegative(const char *fn, const char *name, int64_t value);
/* rows, cols ≥ 0 (already checked) → *out = rows·cols, failing when it overflows int64. */
lp_status lp_check_product(const char *fn, const char *name, int64_t rows, int64_t cols, int64_t *out);
/* p may be NULL only when elements == 0. */
lp_status lp_check_data(const char *fn, const char *name, const void *p, int64_t elements);
/* rows·cols elements (overflow-checked), then lp_check_data. */
lp_status lp_check_matrix(const char *fn, const char *name, const void *p, int64_t rows, int64_t cols);
/* dtype ∈ {F32, BF16}. */
lp_status lp_check_float_dtype(const char *fn, const char *name, lp_dtype dtype);
/* dtype is one of the lp_dtype values. */
lp_status lp_check_known_dtype(const char *fn, const char *name, lp_dtype dtype);
/* value is finite (not NaN, not ±Inf). */
lp_status lp_check_finite(const char *fn, const char *name, double value);
/* 0 ≤ value ≤ 1 (NaN rejected). */
lp_status lp_check_unit_interval(const char *fn, const char *name, double value);
/* mode ∈ {LP_MASK_GRADIENT, LP_MASK_FORWARD}. */
lp_status lp_check_mask_mode(const char *fn, lp_mask_mode mode);
/* [a, a+a_bytes) and [b, b+b_bytes) do not overlap (NULL or empty ranges never overlap). */
lp_status lp_check_disjoint(const char *fn, const char *a_name, const void *a, size_t a_bytes, const char *b_name,
                            const void *b, size_t b_bytes);

/*
 * A list of `count` tensors (the "many tensors in one launch" ops): count ≥ 0; when count > 0 the
 * host array sizes is non-NULL and every sizes[t] ≥ 0. Pointer lists are checked separately with
 * lp_check_tensor_pointers.
 */
lp_status lp_check_tensor_sizes(const char *fn, int32_t count, const int64_t *sizes);
/*
 * ptrs (a host array of count pointers) is non-NULL when count > 0 (unless optional, then NULL means
 * "none"), and ptrs[t] is non-NULL whenever sizes[t] > 0 (unless optional_entries).
 */
lp_status lp_check_tensor_pointers(const char *fn, const char *name, int32_t count, const int64_t *sizes,
                                   const void *const *ptrs, int optional_array, int optional_entries);

/* Everything lp_rope checks of its arguments (not the stream), under the name fn (api/layers.c). */
lp_status lp_rope_checks(const char *fn, lp_dtype dtype, int64_t tokens, int64_t heads, int64_t head_dim,
                         const int32_t *positions, double theta, lp_rope_style style, void *x);

#endif /* LORAPAR_VALIDATE_H */
