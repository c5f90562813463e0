/*
 * cpu_act.h — element access to activations of the LLaMA layer ops on the CPU: an F32 or BF16 buffer
 * read as f32 and written from f32 (bf16 rounds to nearest, ties to even, as cpu_bf16.h does).
 */
#ifndef LORAPAR_CPU_ACT_H
#define LORAPAR_CPU_ACT_H

#include <stdint.h>

#include "cpu/cpu_bf16.h"

/* base [..] of F32 (is_bf16 == 0) or BF16: element i as f32. */
static inline __attribute__((always_inline)) float lp_act_load(const void *base, int64_t i, int is_bf16) {
    return is_bf16 ? lp_bf16_to_f32(((const uint16_t *)base)[i]) : ((const float *)base)[i];
}

/* base [..] of F32 or BF16: element i = value (rounded to bf16 when is_bf16). */
static inline __attribute__((always_inline)) void lp_act_store(void *base, int64_t i, float value, int is_bf16) {
    if (is_bf16)
        ((uint16_t *)base)[i] = lp_f32_to_bf16(value);
    else
        ((float *)base)[i] = value;
}

#endif /* LORAPAR_CPU_ACT_H */
