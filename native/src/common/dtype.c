/* dtype.c — element sizes and names of the lp_dtype enum. */
#include "internal.h"

size_t lp_dtype_size(lp_dtype dtype) {
    switch (dtype) {
    case LP_F32: return 4;
    case LP_BF16: return 2;
    case LP_U8: return 1;
    case LP_I32: return 4;
    case LP_I64: return 8;
    default: return 0;
    }
}

const char *lp_dtype_name(lp_dtype dtype) {
    switch (dtype) {
    case LP_F32: return "f32";
    case LP_BF16: return "bf16";
    case LP_U8: return "u8";
    case LP_I32: return "i32";
    case LP_I64: return "i64";
    default: return "unknown-dtype";
    }
}
