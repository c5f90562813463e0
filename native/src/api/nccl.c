/*
 * NCCL collectives: validate every argument, then hand over to the CUDA backend (cuda-kernels/src/nccl.cu,
 * or cuda_absent.c: "not built with CUDA"). See lorapar.h for the contract.
 */
#include <math.h>
#include <stdlib.h>

#include "common/validate.h"

static lp_status lp_nccl_check_comm(const char *fn, lp_nccl_comm comm) {
    LP_TRY(lp_check_not_null(fn, "comm", comm));
    if (comm->broken)
        return lp_fail(LP_ERR_COLLECTIVE, "%s: rank %d's communicator was aborted or failed earlier; destroy it",
                       fn, (int)comm->rank);
    return LP_OK;
}

/* comm valid, stream valid, on a CUDA device and on the communicator's device. */
static lp_status lp_nccl_check_stream(const char *fn, lp_nccl_comm comm, lp_stream stream) {
    LP_TRY(lp_nccl_check_comm(fn, comm));
    LP_TRY(lp_check_stream(fn, stream));
    if (stream->device == LP_DEVICE_CPU)
        return lp_fail(LP_ERR_UNSUPPORTED, "%s: NCCL collectives need a CUDA stream (this stream is on the CPU)", fn);
    if (stream->device != comm->device)
        return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: the communicator is on cuda:%d but the stream on cuda:%d", fn,
                       (int)comm->device, (int)stream->device);
    return LP_OK;
}

static lp_status lp_nccl_check_timeout(const char *fn, double timeout_s) {
    if (!(timeout_s > 0) || isinf(timeout_s))
        return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: timeout_s must be positive and finite, got %g", fn, timeout_s);
    return LP_OK;
}

lp_status lp_nccl_version(int32_t *out_version) {
    LP_TRY(lp_check_not_null("lp_nccl_version", "out_version", out_version));
    return lp_cuda_nccl_version(out_version);
}

lp_status lp_nccl_get_unique_id(uint8_t *out_id) {
    LP_TRY(lp_check_not_null("lp_nccl_get_unique_id", "out_id", out_id));
    return lp_cuda_nccl_get_unique_id(out_id);
}

lp_status lp_nccl_comm_init(int32_t device, int32_t world_size, int32_t rank, const uint8_t *id, double timeout_s,
                            lp_nccl_comm *out_comm) {
    static const char fn[] = "lp_nccl_comm_init";
    LP_TRY(lp_check_not_null(fn, "out_comm", out_comm));
    *out_comm = NULL;
    LP_TRY(lp_check_not_null(fn, "id", id));
    LP_TRY(lp_nccl_check_timeout(fn, timeout_s));
    if (device < 0)
        return lp_fail(LP_ERR_UNSUPPORTED, "%s: NCCL needs a CUDA device, got device %d", fn, (int)device);
    if (world_size < 1 || rank < 0 || rank >= world_size)
        return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: rank %d is outside [0, world_size %d)", fn, (int)rank,
                       (int)world_size);
    lp_nccl_comm comm = calloc(1, sizeof *comm);
    if (comm == NULL)
        return lp_fail(LP_ERR_OUT_OF_MEMORY, "%s: no host memory for the communicator handle", fn);
    comm->device = device;
    comm->rank = rank;
    comm->world_size = world_size;
    lp_status st = lp_cuda_nccl_comm_init(comm, id, timeout_s);
    if (st != LP_OK) {
        free(comm);
        return st;
    }
    *out_comm = comm;
    return LP_OK;
}

lp_status lp_nccl_all_reduce_sum(lp_nccl_comm comm, lp_stream stream, void *data, int64_t count, lp_nccl_type type) {
    static const char fn[] = "lp_nccl_all_reduce_sum";
    LP_TRY(lp_nccl_check_stream(fn, comm, stream));
    if (count < 0) return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: count %lld < 0", fn, (long long)count);
    if (type < LP_NCCL_F32 || type > LP_NCCL_I64)
        return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: type %d is not LP_NCCL_F32, _F64 or _I64", fn, (int)type);
    if (count == 0) return LP_OK;
    LP_TRY(lp_check_not_null(fn, "data", data));
    return lp_cuda_nccl_all_reduce_sum(comm, stream, data, count, type);
}

lp_status lp_nccl_broadcast(lp_nccl_comm comm, lp_stream stream, void *data, int64_t bytes, int32_t root) {
    static const char fn[] = "lp_nccl_broadcast";
    LP_TRY(lp_nccl_check_stream(fn, comm, stream));
    if (bytes < 0) return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: bytes %lld < 0", fn, (long long)bytes);
    if (root < 0 || root >= comm->world_size)
        return lp_fail(LP_ERR_INVALID_ARGUMENT, "%s: root %d is outside [0, %d)", fn, (int)root, (int)comm->world_size);
    if (bytes == 0) return LP_OK;
    LP_TRY(lp_check_not_null(fn, "data", data));
    return lp_cuda_nccl_broadcast(comm, stream, data, bytes, root);
}

lp_status lp_nccl_group_start(void) { return lp_cuda_nccl_group_start(); }

lp_status lp_nccl_group_end(lp_nccl_comm comm, double timeout_s) {
    static const char fn[] = "lp_nccl_group_end";
    LP_TRY(lp_nccl_check_comm(fn, comm));
    LP_TRY(lp_nccl_check_timeout(fn, timeout_s));
    return lp_cuda_nccl_group_end(comm, timeout_s);
}

lp_status lp_nccl_wait(lp_nccl_comm comm, lp_stream stream, double timeout_s) {
    static const char fn[] = "lp_nccl_wait";
    LP_TRY(lp_nccl_check_stream(fn, comm, stream));
    LP_TRY(lp_nccl_check_timeout(fn, timeout_s));
    return lp_cuda_nccl_wait(comm, stream, timeout_s);
}

lp_status lp_nccl_comm_abort(lp_nccl_comm comm) {
    LP_TRY(lp_check_not_null("lp_nccl_comm_abort", "comm", comm));
    return lp_cuda_nccl_comm_abort(comm);
}

lp_status lp_nccl_comm_destroy(lp_nccl_comm comm) {
    if (comm == NULL) return LP_OK;
    lp_status st = lp_cuda_nccl_comm_destroy(comm);
    free(comm);
    return st;
}
