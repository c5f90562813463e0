/*
 * build_info.c — lp_abi_version and lp_build_info: which backends are compiled in, the compiler,
 * and how many OpenMP threads the CPU backend may use. The string is built once, thread-safely.
 */
#include <omp.h>
#include <pthread.h>
#include <stdio.h>

#include "internal.h"

static char lp_build_info_text[512];
static pthread_once_t lp_build_info_once = PTHREAD_ONCE_INIT;

static void lp_build_info_compose(void) {
#if defined(__clang__)
    const char *compiler = "clang " __clang_version__;
#elif defined(__GNUC__)
    const char *compiler = "gcc " __VERSION__;
#else
    const char *compiler = "unknown C compiler";
#endif
    snprintf(lp_build_info_text, sizeof lp_build_info_text,
             "lorapar abi %d; backends: cpu%s; cuda: %s; compiler: %s; openmp threads: %d",
             LP_ABI_VERSION, lp_cuda_built() ? ", cuda" : "", lp_cuda_build_info(), compiler,
             omp_get_max_threads());
}

int32_t lp_abi_version(void) { return LP_ABI_VERSION; }

const char *lp_build_info(void) {
    pthread_once(&lp_build_info_once, lp_build_info_compose);
    return lp_build_info_text;
}
