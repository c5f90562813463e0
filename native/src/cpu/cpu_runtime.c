/* cpu_runtime.c — CPU memory, device description and clock (see cpu_runtime.h). */
#include "cpu/cpu_runtime.h"

#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { LP_CPU_ALIGNMENT = 64 };

void *lp_cpu_aligned_alloc(size_t bytes) {
    if (bytes > SIZE_MAX - (LP_CPU_ALIGNMENT - 1)) return NULL;
    size_t rounded = (bytes + (LP_CPU_ALIGNMENT - 1)) & ~(size_t)(LP_CPU_ALIGNMENT - 1);
    if (rounded == 0) rounded = LP_CPU_ALIGNMENT; /* bytes == 0: still a unique pointer */
    return aligned_alloc(LP_CPU_ALIGNMENT, rounded);
}

lp_status lp_cpu_malloc(size_t bytes, void **out_ptr) {
    void *p = lp_cpu_aligned_alloc(bytes);
    if (p == NULL) return lp_fail(LP_ERR_OUT_OF_MEMORY, "lp_malloc: CPU allocation failed, asked %zu bytes", bytes);
    *out_ptr = p;
    return LP_OK;
}

void lp_cpu_free(void *ptr) { free(ptr); }

/* Value in kB of "key:" in /proc/meminfo, or -1 when it cannot be read. */
static long long lp_meminfo_kb(const char *key) {
    FILE *f = fopen("/proc/meminfo", "r");
    if (f == NULL) return -1;
    char line[256];
    long long kb = -1;
    size_t key_len = strlen(key);
    while (fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, key, key_len) == 0 && line[key_len] == ':') {
            if (sscanf(line + key_len + 1, "%lld", &kb) != 1) kb = -1;
            break;
        }
    }
    fclose(f);
    return kb;
}

lp_status lp_cpu_mem_info(size_t *out_free, size_t *out_total) {
    long page = sysconf(_SC_PAGESIZE);
    long pages = sysconf(_SC_PHYS_PAGES);
    if (page <= 0 || pages <= 0)
        return lp_fail(LP_ERR_INTERNAL, "lp_mem_info: sysconf cannot tell the physical memory size");
    size_t total = (size_t)page * (size_t)pages;
    long long available_kb = lp_meminfo_kb("MemAvailable");
    size_t available;
    if (available_kb >= 0) {
        available = (size_t)available_kb * 1024u;
    } else {
        long free_pages = sysconf(_SC_AVPHYS_PAGES);
        available = free_pages > 0 ? (size_t)page * (size_t)free_pages : 0;
    }
    *out_free = available < total ? available : total;
    *out_total = total;
    return LP_OK;
}

/* The "model name" of /proc/cpuinfo into model (trimmed), or "unknown model". */
static void lp_cpu_model_name(char *model, size_t model_len) {
    snprintf(model, model_len, "unknown model");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f == NULL) return;
    char line[512];
    while (fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, "model name", 10) != 0) continue;
        char *colon = strchr(line, ':');
        if (colon == NULL) continue;
        char *start = colon + 1;
        while (*start == ' ' || *start == '\t') start++;
        size_t len = strcspn(start, "\r\n");
        while (len > 0 && (start[len - 1] == ' ' || start[len - 1] == '\t')) len--;
        if (len > 0) snprintf(model, model_len, "%.*s", (int)len, start);
        break;
    }
    fclose(f);
}

lp_status lp_cpu_device_name(char *buf, size_t buf_len) {
    char model[256];
    lp_cpu_model_name(model, sizeof model);
    snprintf(buf, buf_len, "cpu (%s, %d threads)", model, omp_get_max_threads());
    return LP_OK;
}

double lp_cpu_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}
