/*
 * internal.h — what every backend file shares: the stream / event structs, error helpers, and the
 * backend entry points. Not part of the ABI (never installed, never seen from Java).
 *
 * Backend convention: for each public op lp_X(...) in lorapar.h there are
 *   lp_status lp_cpu_X(...)   in native/src/cpu/     (always built)
 *   lp_status lp_cuda_X(...)  in cuda-kernels/src/   (or cuda_absent.c when CUDA is not built)
 * with exactly the public signature. The public lp_X in native/src/api/ validates arguments
 * (null pointers, negative sizes, enums, dtypes) and dispatches on the stream's device, so
 * backends may assume valid arguments.
 */
#ifndef LORAPAR_INTERNAL_H
#define LORAPAR_INTERNAL_H

#include "lorapar.h"

#ifdef __cplusplus
extern "C" {
#endif

struct lp_stream_s {
    int32_t device;  /* LP_DEVICE_CPU or CUDA ordinal */
    void *cuda;      /* cudaStream_t (CUDA streams only) */
    void *backend;   /* backend-owned per-stream state: cuBLASLt handle, workspaces; NULL on CPU */
};

struct lp_event_s {
    int32_t device;  /* LP_DEVICE_CPU or CUDA ordinal */
    void *cuda;      /* cudaEvent_t (CUDA events only) */
    double host_ms;  /* CPU events: monotonic clock at record time */
    int32_t recorded;
};

/* Sets this thread's last-error message (printf-style) and returns status. */
lp_status lp_fail(lp_status status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Byte size of one element of dtype, 0 for an unknown dtype. */
size_t lp_dtype_size(lp_dtype dtype);
const char *lp_dtype_name(lp_dtype dtype);

/* ---- CUDA runtime pieces of the backend (cuda-kernels/src/cuda_runtime.cu or cuda_absent.c) */
int32_t lp_cuda_built(void); /* 1 when the CUDA backend is compiled in */
const char *lp_cuda_build_info(void);
lp_status lp_cuda_count_devices(int32_t *out_count); /* 0 when no driver / no device */
lp_status lp_cuda_mem_info(int32_t device, size_t *out_free, size_t *out_total);
lp_status lp_cuda_device_name(int32_t device, char *buf, size_t buf_len);
lp_status lp_cuda_stream_init(lp_stream stream);    /* fills stream->cuda / ->backend */
lp_status lp_cuda_stream_release(lp_stream stream); /* synchronizes, releases what init made */
lp_status lp_cuda_stream_synchronize(lp_stream stream);
lp_status lp_cuda_event_init(lp_event event);
lp_status lp_cuda_event_release(lp_event event);
lp_status lp_cuda_event_record(lp_event event, lp_stream stream);
lp_status lp_cuda_event_synchronize(lp_event event);
lp_status lp_cuda_stream_wait_event(lp_stream stream, lp_event event);
lp_status lp_cuda_event_elapsed_ms(lp_event start, lp_event end, float *out_ms);
lp_status lp_cuda_malloc(int32_t device, size_t bytes, void **out_ptr);
lp_status lp_cuda_free(int32_t device, void *ptr);
lp_status lp_cuda_host_alloc_pinned(size_t bytes, void **out_ptr);
lp_status lp_cuda_host_free_pinned(void *ptr);
lp_status lp_cuda_memcpy(lp_stream stream, void *dst, const void *src, size_t bytes, lp_copy_kind kind);

/* ---- CUDA graphs (lp_graph_*; CUDA only: the public entry points refuse CPU streams) */
struct lp_graph_s {
    int32_t device; /* CUDA ordinal the graph was captured on */
    void *exec;     /* cudaGraphExec_t */
    void *owner;    /* the capture stream's backend state, kept alive (referenced) while the graph lives */
};
lp_status lp_cuda_graph_begin_capture(lp_stream stream);
/* Ends the capture; on success instantiates into graph->exec and references the stream's state. */
lp_status lp_cuda_graph_end_capture(lp_stream stream, lp_graph graph);
lp_status lp_cuda_graph_launch(lp_graph graph, lp_stream stream);
/* Destroys graph->exec and drops the reference (does not free the struct). */
lp_status lp_cuda_graph_release(lp_graph graph);

/* ---- NCCL (cuda-kernels/src/nccl.cu, or cuda_absent.c): the public lp_nccl_* in api/nccl.c validate first */
struct lp_nccl_comm_s {
    int32_t device, rank, world_size;
    void *comm;      /* ncclComm_t */
    int32_t broken;  /* aborted, or an error was seen: only destroy is allowed */
};
lp_status lp_cuda_nccl_version(int32_t *out_version);
lp_status lp_cuda_nccl_get_unique_id(uint8_t *out_id);
lp_status lp_cuda_nccl_comm_init(lp_nccl_comm comm, const uint8_t *id, double timeout_s);
lp_status lp_cuda_nccl_all_reduce_sum(lp_nccl_comm comm, lp_stream stream, void *data, int64_t count,
                                      lp_nccl_type type);
lp_status lp_cuda_nccl_broadcast(lp_nccl_comm comm, lp_stream stream, void *data, int64_t bytes, int32_t root);
lp_status lp_cuda_nccl_group_start(void);
lp_status lp_cuda_nccl_group_end(lp_nccl_comm comm, double timeout_s);
lp_status lp_cuda_nccl_wait(lp_nccl_comm comm, lp_stream stream, double timeout_s);
lp_status lp_cuda_nccl_comm_abort(lp_nccl_comm comm);
lp_status lp_cuda_nccl_comm_destroy(lp_nccl_comm comm);

/* ---- ops: same signature as the public lp_X, one per backend */
#define LP_BACKEND_OPS(P)                                                                                       \
    lp_status P##fill(lp_stream stream, void *dst, lp_dtype dtype, int64_t n, double value);                   \
    lp_status P##convert(lp_stream stream, const void *src, lp_dtype src_dtype, void *dst, lp_dtype dst_dtype, \
                         int64_t n);                                                                           \
    lp_status P##gemm(lp_stream stream, int32_t trans_a, int32_t trans_b, int64_t m, int64_t n, int64_t k,     \
                      float alpha, const void *a, int64_t lda, int64_t stride_a, const void *b, int64_t ldb,   \
                      int64_t stride_b, float beta, void *c, int64_t ldc, int64_t stride_c, int64_t batch,     \
                      lp_dtype ab_dtype, lp_dtype c_dtype);                                                    \
    lp_status P##lora_forward(lp_stream stream, lp_dtype dtype, int64_t m, int64_t k, int64_t n, int64_t r,    \
                              float scale, const void *x, const void *a, const uint8_t *mask_a, const void *b, \
                              const uint8_t *mask_b, lp_mask_mode mask_mode, void *u, void *y);                \
    lp_status P##lora_forward_group(lp_stream stream, lp_dtype dtype, int64_t count, int64_t m, int64_t k,     \
                                    const int64_t *n, int64_t r, float scale, const void *x,                   \
                                    const void *const *a, const uint8_t *const *mask_a, const void *const *b,  \
                                    const uint8_t *const *mask_b, lp_mask_mode mask_mode, void *const *u,      \
                                    void *const *y);                                                           \
    lp_status P##lora_linear_forward(lp_stream stream, lp_dtype dtype, int64_t m, int64_t k, int64_t n,        \
                                     int64_t r, float scale, const void *x, const void *w, float beta,         \
                                     const void *a, const uint8_t *mask_a, const void *b,                      \
                                     const uint8_t *mask_b, lp_mask_mode mask_mode, void *u, void *y);         \
    lp_status P##lora_backward(lp_stream stream, lp_dtype dtype, int64_t m, int64_t k, int64_t n, int64_t r,   \
                               float scale, const void *x, const void *a, const uint8_t *mask_a,               \
                               const void *b, const uint8_t *mask_b, lp_mask_mode mask_mode, const void *u,    \
                               const void *dy, void *g, void *dx, float *da, float *db, int32_t accumulate);   \
    lp_status P##lora_linear_backward(lp_stream stream, lp_dtype dtype, int64_t m, int64_t k, int64_t n,       \
                                      int64_t r, float scale, const void *x, const void *w, const void *a,     \
                                      const uint8_t *mask_a, const void *b, const uint8_t *mask_b,             \
                                      lp_mask_mode mask_mode, const void *u, const void *dy, void *g,          \
                                      float beta_dx, void *dx, float *da, float *db, int32_t accumulate);      \
    lp_status P##embedding_forward(lp_stream stream, lp_dtype dtype, int64_t tokens, int64_t vocab, int64_t dim, \
                                   const int32_t *ids, const void *table, void *out);                          \
    lp_status P##embedding_backward(lp_stream stream, lp_dtype dtype, int64_t tokens, int64_t vocab,            \
                                    int64_t dim, const int32_t *ids, const void *d_out, float *d_table);       \
    lp_status P##rmsnorm_forward(lp_stream stream, lp_dtype dtype, int64_t rows, int64_t dim, float eps,        \
                                 const void *x, const void *w, void *y, float *rstd);                          \
    lp_status P##rmsnorm_backward(lp_stream stream, lp_dtype dtype, int64_t rows, int64_t dim, const void *x,   \
                                  const void *w, const float *rstd, const void *dy, void *dx, float *dw,       \
                                  int32_t accumulate_dx);                                                      \
    lp_status P##rope(lp_stream stream, lp_dtype dtype, int64_t tokens, int64_t heads, int64_t head_dim,        \
                      const int32_t *positions, double theta, lp_rope_style style, int32_t inverse, void *x);  \
    lp_status P##swiglu_forward(lp_stream stream, lp_dtype dtype, int64_t n, const void *gate, const void *up, \
                                void *out);                                                                    \
    lp_status P##swiglu_backward(lp_stream stream, lp_dtype dtype, int64_t n, const void *gate,                 \
                                 const void *up, const void *d_out, void *d_gate, void *d_up);                 \
    lp_status P##attention_forward(lp_stream stream, lp_dtype dtype, int64_t batch, int64_t seq,                \
                                   int64_t n_heads, int64_t n_kv_heads, int64_t head_dim, float scale,         \
                                   const void *q, const void *k, const void *v, const int32_t *segment_ids,    \
                                   void *out, float *lse);                                                     \
    lp_status P##attention_backward(lp_stream stream, lp_dtype dtype, int64_t batch, int64_t seq,               \
                                    int64_t n_heads, int64_t n_kv_heads, int64_t head_dim, float scale,        \
                                    const void *q, const void *k, const void *v, const int32_t *segment_ids,   \
                                    const void *out, const float *lse, const void *d_out, void *dq, void *dk,  \
                                    void *dv);                                                                 \
    lp_status P##cross_entropy(lp_stream stream, lp_dtype dtype, int64_t tokens, int64_t vocab, void *logits,   \
                               const int32_t *targets, const float *weights, float grad_scale,                 \
                               float *losses);                                                                 \
    lp_status P##mask_apply(lp_stream stream, lp_dtype dtype, void *x, const uint8_t *mask, int64_t n);        \
    lp_status P##importance_accumulate(lp_stream stream, int32_t count, const int64_t *sizes,                  \
                                       const void *const *grads, lp_dtype grad_dtype,                          \
                                       const void *const *params, lp_dtype param_dtype, float *const *s1,      \
                                       float *const *s2);                                                      \
    lp_status P##importance_finalize(lp_stream stream, int32_t count, const int64_t *sizes,                    \
                                     const float *const *s1, const float *const *s2,                           \
                                     float *const *importance, int64_t num_samples);                           \
    lp_status P##global_norm(lp_stream stream, int32_t count, const int64_t *sizes, const void *const *x,      \
                             lp_dtype dtype, float *out_norm);                                                 \
    lp_status P##adamw_masked(lp_stream stream, int32_t count, const int64_t *sizes, float *const *params,     \
                              const float *const *grads, float *const *exp_avg, float *const *exp_avg_sq,      \
                              const uint8_t *const *masks, void *const *param_copies, lp_dtype copy_dtype,     \
                              float lr, float beta1, float beta2, float eps, float weight_decay, int64_t step, \
                              const float *grad_norm, float max_grad_norm);                                    \
    lp_status P##select_top_mass(lp_stream stream, const float *importance, int64_t n, double theta,           \
                                 uint8_t *mask_out, int64_t *out_count);                                       \
    lp_status P##select_top_k(lp_stream stream, const float *values, const uint8_t *candidates, int64_t n,     \
                              int64_t k, uint8_t *mask_out, int64_t *out_count);                               \
    lp_status P##partition_masks(lp_stream stream, int64_t n, const uint8_t *set1, const uint8_t *set2,        \
                                 const float *imp1, const float *imp2, double alpha, double beta,              \
                                 uint8_t *stage1_mask, uint8_t *stage2_mask, uint8_t *region_out,              \
                                 int64_t *out_counts);                                                         \
    lp_status P##kv_cache_write(lp_stream stream, lp_dtype dtype, int64_t rows, int64_t n_kv_heads,            \
                                int64_t head_dim, const void *k, const void *v, const int32_t *slot,           \
                                void *k_cache, void *v_cache, int64_t cache_slots);                            \
    lp_status P##rope_kv_cache_write(lp_stream stream, lp_dtype dtype, int64_t rows, int64_t n_heads,          \
                                     int64_t n_kv_heads, int64_t head_dim, const int32_t *positions,           \
                                     double theta, lp_rope_style style, void *q, void *k, const void *v,       \
                                     const int32_t *slot, void *k_cache, void *v_cache, int64_t cache_slots);  \
    lp_status P##attention_decode(lp_stream stream, lp_dtype dtype, int64_t batch, int64_t n_heads,            \
                                  int64_t n_kv_heads, int64_t head_dim, int64_t max_len, float scale,          \
                                  const void *q, const void *k_cache, const void *v_cache,                     \
                                  const int32_t *lengths, const int32_t *prefix, void *out);                   \
    lp_status P##sample(lp_stream stream, lp_dtype dtype, int64_t batch, int64_t vocab, const void *logits,    \
                        const float *temperature, const int32_t *top_k, const float *top_p,                    \
                        const uint64_t *seed, const int64_t *step, int32_t *out_ids);

LP_BACKEND_OPS(lp_cpu_)
LP_BACKEND_OPS(lp_cuda_)

#ifdef __cplusplus
}
#endif
#endif /* LORAPAR_INTERNAL_H */
