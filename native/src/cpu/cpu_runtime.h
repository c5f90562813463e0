/*
 * cpu_runtime.h — the CPU backend's device pieces (memory, device info, clock) used by the public
 * runtime entry points, plus the aligned scratch allocation the CPU ops share.
 */
#ifndef LORAPAR_CPU_RUNTIME_H
#define LORAPAR_CPU_RUNTIME_H

#include "internal.h"

/* 64-byte aligned host memory, size rounded up to 64; bytes == 0 gives a unique valid pointer.
 * NULL when out of memory (or when rounding up overflows). Free with free(). */
void *lp_cpu_aligned_alloc(size_t bytes);

/* lp_malloc / lp_free on the CPU device (LP_ERR_OUT_OF_MEMORY "asked N bytes"). */
lp_status lp_cpu_malloc(size_t bytes, void **out_ptr);
void lp_cpu_free(void *ptr);

/* Physical memory available (MemAvailable) and total, in bytes. */
lp_status lp_cpu_mem_info(size_t *out_free, size_t *out_total);
/* "cpu (<model name>, N threads)" into buf, NUL-terminated and truncated to buf_len (≥ 1). */
lp_status lp_cpu_device_name(char *buf, size_t buf_len);
/* Monotonic clock in milliseconds (CPU events). */
double lp_cpu_now_ms(void);

#endif /* LORAPAR_CPU_RUNTIME_H */
