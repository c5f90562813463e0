/*
 * nccl.cu — the NCCL collectives of lorapar.h (lp_nccl_*), with libnccl.so.2 opened by dlopen at first use:
 * the build needs no NCCL headers or library, and CPU-only runs never touch it. The few NCCL entry points used
 * are declared here from NVIDIA's NCCL API documentation (types: ncclResult_t, ncclDataType_t, ncclRedOp_t;
 * ncclUniqueId is a 128-byte struct passed by value). Communicators are non-blocking (NCCL_COMM_BLOCKING=0),
 * so that init, group end and every wait poll ncclCommGetAsyncError against a deadline and can abort.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "cuda_common.cuh"

namespace {

/* ncclResult_t values */
enum { NCCL_SUCCESS = 0, NCCL_IN_PROGRESS = 7 };
/* ncclDataType_t values */
enum { NCCL_UINT8 = 1, NCCL_INT64 = 4, NCCL_FLOAT32 = 7, NCCL_FLOAT64 = 8 };
/* ncclRedOp_t values */
enum { NCCL_SUM = 0 };

typedef int nccl_result;
typedef void *nccl_comm_t;
typedef struct {
    char internal[LP_NCCL_UNIQUE_ID_BYTES];
} nccl_unique_id;

struct nccl_api {
    nccl_result (*get_version)(int *version);
    nccl_result (*get_unique_id)(nccl_unique_id *id);
    nccl_result (*comm_init_rank)(nccl_comm_t *comm, int nranks, nccl_unique_id id, int rank);
    nccl_result (*all_reduce)(const void *send, void *recv, size_t count, int datatype, int op, nccl_comm_t comm,
                              cudaStream_t stream);
    nccl_result (*broadcast)(const void *send, void *recv, size_t count, int datatype, int root, nccl_comm_t comm,
                             cudaStream_t stream);
    nccl_result (*group_start)(void);
    nccl_result (*group_end)(void);
    nccl_result (*comm_abort)(nccl_comm_t comm);
    nccl_result (*comm_get_async_error)(nccl_comm_t comm, nccl_result *async_error);
    nccl_result (*comm_destroy)(nccl_comm_t comm);
    const char *(*get_error_string)(nccl_result result);
    const char *(*get_last_error)(nccl_comm_t comm);
};

nccl_api g_nccl;
char g_load_error[512];
pthread_once_t g_load_once = PTHREAD_ONCE_INIT;

void *lp_nccl_symbol(void *lib, const char *name, int required) {
    void *sym = dlsym(lib, name);
    if (sym == NULL && required && g_load_error[0] == '\0')
        snprintf(g_load_error, sizeof g_load_error, "libnccl.so.2 has no symbol %s (NCCL older than 2.13?)", name);
    return sym;
}

void lp_nccl_load(void) {
    /* NCCL reads its environment once; set ours before its first call. */
    setenv("NCCL_NVLS_ENABLE", "0", 1);    /* NVLink multicast stays off */
    setenv("NCCL_COMM_BLOCKING", "0", 1);  /* non-blocking: every wait has a deadline */
    void *lib = dlopen("libnccl.so.2", RTLD_NOW | RTLD_LOCAL);
    if (lib == NULL) {
        const char *why = dlerror();
        snprintf(g_load_error, sizeof g_load_error, "cannot load libnccl.so.2 (%s): install NCCL or add its folder "
                 "to LD_LIBRARY_PATH", why != NULL ? why : "unknown reason");
        return;
    }
    g_nccl.get_version = (nccl_result(*)(int *))lp_nccl_symbol(lib, "ncclGetVersion", 1);
    g_nccl.get_unique_id = (nccl_result(*)(nccl_unique_id *))lp_nccl_symbol(lib, "ncclGetUniqueId", 1);
    g_nccl.comm_init_rank = (nccl_result(*)(nccl_comm_t *, int, nccl_unique_id, int))lp_nccl_symbol(
        lib, "ncclCommInitRank", 1);
    g_nccl.all_reduce = (nccl_result(*)(const void *, void *, size_t, int, int, nccl_comm_t, cudaStream_t))
        lp_nccl_symbol(lib, "ncclAllReduce", 1);
    g_nccl.broadcast = (nccl_result(*)(const void *, void *, size_t, int, int, nccl_comm_t, cudaStream_t))
        lp_nccl_symbol(lib, "ncclBroadcast", 1);
    g_nccl.group_start = (nccl_result(*)(void))lp_nccl_symbol(lib, "ncclGroupStart", 1);
    g_nccl.group_end = (nccl_result(*)(void))lp_nccl_symbol(lib, "ncclGroupEnd", 1);
    g_nccl.comm_abort = (nccl_result(*)(nccl_comm_t))lp_nccl_symbol(lib, "ncclCommAbort", 1);
    g_nccl.comm_get_async_error = (nccl_result(*)(nccl_comm_t, nccl_result *))lp_nccl_symbol(
        lib, "ncclCommGetAsyncError", 1);
    g_nccl.comm_destroy = (nccl_result(*)(nccl_comm_t))lp_nccl_symbol(lib, "ncclCommDestroy", 1);
    g_nccl.get_error_string = (const char *(*)(nccl_result))lp_nccl_symbol(lib, "ncclGetErrorString", 1);
    g_nccl.get_last_error = (const char *(*)(nccl_comm_t))lp_nccl_symbol(lib, "ncclGetLastError", 0);
}

lp_status lp_nccl_ready(const char *fn) {
    pthread_once(&g_load_once, lp_nccl_load);
    if (g_load_error[0] != '\0') return lp_fail(LP_ERR_COLLECTIVE, "%s: %s", fn, g_load_error);
    return LP_OK;
}

const char *lp_nccl_detail(void) {
    const char *last = g_nccl.get_last_error != NULL ? g_nccl.get_last_error(NULL) : NULL;
    return last != NULL ? last : "";
}

/* An NCCL error → LP_ERR_COLLECTIVE naming the call, the rank and NCCL's own message. */
lp_status lp_nccl_fail(const char *fn, const char *call, lp_nccl_comm comm, nccl_result r) {
    return lp_fail(LP_ERR_COLLECTIVE, "%s: rank %d: %s failed: %s (ncclResult %d) %s", fn,
                   comm != NULL ? (int)comm->rank : -1, call, g_nccl.get_error_string(r), r, lp_nccl_detail());
}

double lp_now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

void lp_sleep_us(long us) {
    struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
    nanosleep(&ts, NULL);
}

/* Aborts after a failure or timeout: the other ranks' pending collectives then fail instead of hanging. */
void lp_nccl_break(lp_nccl_comm comm) {
    if (!comm->broken && comm->comm != NULL) (void)g_nccl.comm_abort((nccl_comm_t)comm->comm);
    comm->broken = 1;
}

/* Polls the communicator until its queued calls are no longer "in progress" (≤ timeout_s). */
lp_status lp_nccl_settle(const char *fn, const char *call, lp_nccl_comm comm, nccl_result r, double timeout_s) {
    if (r == NCCL_SUCCESS) return LP_OK; /* done (or, inside a group, recorded) */
    if (r != NCCL_IN_PROGRESS) {
        lp_status st = lp_nccl_fail(fn, call, comm, r);
        lp_nccl_break(comm);
        return st;
    }
    const double deadline = lp_now_s() + timeout_s;
    for (;;) {
        nccl_result state = NCCL_SUCCESS;
        nccl_result q = g_nccl.comm_get_async_error((nccl_comm_t)comm->comm, &state);
        if (q != NCCL_SUCCESS) state = q;
        if (state == NCCL_SUCCESS) return LP_OK;
        if (state != NCCL_IN_PROGRESS) {
            lp_status st = lp_nccl_fail(fn, call, comm, state);
            lp_nccl_break(comm);
            return st;
        }
        if (lp_now_s() > deadline) {
            lp_nccl_break(comm);
            return lp_fail(LP_ERR_COLLECTIVE, "%s: rank %d: %s still in progress after %.1f s (a rank missing or "
                           "dead?); communicator aborted", fn, (int)comm->rank, call, timeout_s);
        }
        lp_sleep_us(200);
    }
}

const double LP_NCCL_ENQUEUE_TIMEOUT_S = 600.0;

}  // namespace

extern "C" {

lp_status lp_cuda_nccl_version(int32_t *out_version) {
    LP_CHECK(lp_nccl_ready("lp_nccl_version"));
    int v = 0;
    nccl_result r = g_nccl.get_version(&v);
    if (r != NCCL_SUCCESS) return lp_nccl_fail("lp_nccl_version", "ncclGetVersion", NULL, r);
    *out_version = v;
    return LP_OK;
}

lp_status lp_cuda_nccl_get_unique_id(uint8_t *out_id) {
    LP_CHECK(lp_nccl_ready("lp_nccl_get_unique_id"));
    nccl_unique_id id;
    nccl_result r = g_nccl.get_unique_id(&id);
    if (r != NCCL_SUCCESS) return lp_nccl_fail("lp_nccl_get_unique_id", "ncclGetUniqueId", NULL, r);
    memcpy(out_id, id.internal, LP_NCCL_UNIQUE_ID_BYTES);
    return LP_OK;
}

lp_status lp_cuda_nccl_comm_init(lp_nccl_comm comm, const uint8_t *id, double timeout_s) {
    static const char fn[] = "lp_nccl_comm_init";
    LP_CHECK(lp_nccl_ready(fn));
    LP_CHECK(lp_cuda_use_device(comm->device));
    nccl_unique_id uid;
    memcpy(uid.internal, id, LP_NCCL_UNIQUE_ID_BYTES);
    nccl_comm_t c = NULL;
    nccl_result r = g_nccl.comm_init_rank(&c, comm->world_size, uid, comm->rank);
    comm->comm = c;
    if (c == NULL) return lp_nccl_fail(fn, "ncclCommInitRank", comm, r != NCCL_SUCCESS ? r : 3);
    lp_status st = lp_nccl_settle(fn, "ncclCommInitRank", comm, r, timeout_s);
    if (st != LP_OK) comm->comm = NULL; /* settle aborted it: ncclCommAbort has freed it */
    return st;
}

lp_status lp_cuda_nccl_all_reduce_sum(lp_nccl_comm comm, lp_stream stream, void *data, int64_t count,
                                      lp_nccl_type type) {
    LP_CHECK(lp_cuda_use_device(comm->device));
    int dt = type == LP_NCCL_F32 ? NCCL_FLOAT32 : type == LP_NCCL_F64 ? NCCL_FLOAT64 : NCCL_INT64;
    nccl_result r = g_nccl.all_reduce(data, data, (size_t)count, dt, NCCL_SUM, (nccl_comm_t)comm->comm,
                                      (cudaStream_t)stream->cuda);
    return lp_nccl_settle("lp_nccl_all_reduce_sum", "ncclAllReduce", comm, r, LP_NCCL_ENQUEUE_TIMEOUT_S);
}

lp_status lp_cuda_nccl_broadcast(lp_nccl_comm comm, lp_stream stream, void *data, int64_t bytes, int32_t root) {
    LP_CHECK(lp_cuda_use_device(comm->device));
    nccl_result r = g_nccl.broadcast(data, data, (size_t)bytes, NCCL_UINT8, root, (nccl_comm_t)comm->comm,
                                     (cudaStream_t)stream->cuda);
    return lp_nccl_settle("lp_nccl_broadcast", "ncclBroadcast", comm, r, LP_NCCL_ENQUEUE_TIMEOUT_S);
}

lp_status lp_cuda_nccl_group_start(void) {
    LP_CHECK(lp_nccl_ready("lp_nccl_group_start"));
    nccl_result r = g_nccl.group_start();
    if (r != NCCL_SUCCESS) return lp_nccl_fail("lp_nccl_group_start", "ncclGroupStart", NULL, r);
    return LP_OK;
}

lp_status lp_cuda_nccl_group_end(lp_nccl_comm comm, double timeout_s) {
    LP_CHECK(lp_cuda_use_device(comm->device));
    nccl_result r = g_nccl.group_end();
    return lp_nccl_settle("lp_nccl_group_end", "ncclGroupEnd", comm, r, timeout_s);
}

lp_status lp_cuda_nccl_wait(lp_nccl_comm comm, lp_stream stream, double timeout_s) {
    static const char fn[] = "lp_nccl_wait";
    LP_CHECK(lp_cuda_use_device(comm->device));
    const double deadline = lp_now_s() + timeout_s;
    for (;;) {
        cudaError_t q = cudaStreamQuery((cudaStream_t)stream->cuda);
        nccl_result state = NCCL_SUCCESS;
        nccl_result e = g_nccl.comm_get_async_error((nccl_comm_t)comm->comm, &state);
        if (e != NCCL_SUCCESS) state = e;
        if (state != NCCL_SUCCESS && state != NCCL_IN_PROGRESS) {
            lp_status st = lp_nccl_fail(fn, "a queued collective", comm, state);
            lp_nccl_break(comm);
            return st;
        }
        if (q == cudaSuccess) return LP_OK;
        if (q != cudaErrorNotReady) {
            lp_status st = LP_CUDA_STATUS(q);
            lp_nccl_break(comm);
            return st;
        }
        if (lp_now_s() > deadline) {
            lp_nccl_break(comm);
            return lp_fail(LP_ERR_COLLECTIVE, "%s: rank %d: the queued collectives did not finish within %.1f s (a "
                           "rank dead or stuck?); communicator aborted", fn, (int)comm->rank, timeout_s);
        }
        lp_sleep_us(100);
    }
}

lp_status lp_cuda_nccl_comm_abort(lp_nccl_comm comm) {
    LP_CHECK(lp_nccl_ready("lp_nccl_comm_abort"));
    if (comm->comm != NULL && !comm->broken) {
        (void)lp_cuda_use_device(comm->device);
        nccl_result r = g_nccl.comm_abort((nccl_comm_t)comm->comm);
        comm->broken = 1;
        if (r != NCCL_SUCCESS) return lp_nccl_fail("lp_nccl_comm_abort", "ncclCommAbort", comm, r);
    }
    comm->broken = 1;
    return LP_OK;
}

lp_status lp_cuda_nccl_comm_destroy(lp_nccl_comm comm) {
    if (comm->comm == NULL) return LP_OK;
    LP_CHECK(lp_nccl_ready("lp_nccl_comm_destroy"));
    (void)lp_cuda_use_device(comm->device);
    /* ncclCommAbort frees an aborted communicator; a healthy one is destroyed (non-blocking: settle first). */
    if (comm->broken) return LP_OK;
    nccl_result r = g_nccl.comm_destroy((nccl_comm_t)comm->comm);
    comm->comm = NULL;
    if (r != NCCL_SUCCESS && r != NCCL_IN_PROGRESS)
        return lp_nccl_fail("lp_nccl_comm_destroy", "ncclCommDestroy", comm, r);
    return LP_OK;
}

}  // extern "C"
