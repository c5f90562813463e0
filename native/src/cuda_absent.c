/*
 * cuda_absent.c — the lp_cuda_* entry points of internal.h when lorapar is built without the CUDA
 * backend (compiled only then; see native/CMakeLists.txt). Every device operation fails with
 * LP_ERR_NO_DEVICE; the device count is 0; pinned host memory falls back to plain 64-byte aligned
 * host memory (documented in lorapar.h), so host-side code works unchanged.
 */
#include <stdlib.h>

#include "cpu/cpu_runtime.h"
#include "internal.h"

static lp_status lp_cuda_not_built(const char *fn) {
    return lp_fail(LP_ERR_NO_DEVICE, "%s: lorapar was built without the CUDA backend", fn);
}

int32_t lp_cuda_built(void) { return 0; }

const char *lp_cuda_build_info(void) { return "not built"; }

lp_status lp_cuda_count_devices(int32_t *out_count) {
    *out_count = 0;
    return LP_OK;
}

lp_status lp_cuda_mem_info(int32_t device, size_t *out_free, size_t *out_total) {
    return lp_cuda_not_built("lp_mem_info");
}

lp_status lp_cuda_device_name(int32_t device, char *buf, size_t buf_len) {
    return lp_cuda_not_built("lp_device_name");
}

lp_status lp_cuda_stream_init(lp_stream stream) { return lp_cuda_not_built("lp_stream_create"); }

lp_status lp_cuda_stream_release(lp_stream stream) { return lp_cuda_not_built("lp_stream_destroy"); }

lp_status lp_cuda_stream_synchronize(lp_stream stream) { return lp_cuda_not_built("lp_stream_synchronize"); }

lp_status lp_cuda_event_init(lp_event event) { return lp_cuda_not_built("lp_event_create"); }

lp_status lp_cuda_event_release(lp_event event) { return lp_cuda_not_built("lp_event_destroy"); }

lp_status lp_cuda_event_record(lp_event event, lp_stream stream) { return lp_cuda_not_built("lp_event_record"); }

lp_status lp_cuda_event_synchronize(lp_event event) { return lp_cuda_not_built("lp_event_synchronize"); }

lp_status lp_cuda_stream_wait_event(lp_stream stream, lp_event event) {
    return lp_cuda_not_built("lp_stream_wait_event");
}

lp_status lp_cuda_event_elapsed_ms(lp_event start, lp_event end, float *out_ms) {
    return lp_cuda_not_built("lp_event_elapsed_ms");
}

lp_status lp_cuda_malloc(int32_t device, size_t bytes, void **out_ptr) { return lp_cuda_not_built("lp_malloc"); }

lp_status lp_cuda_free(int32_t device, void *ptr) { return lp_cuda_not_built("lp_free"); }

/* Fallback: plain aligned host memory (bytes == 0 still gives a unique pointer). */
lp_status lp_cuda_host_alloc_pinned(size_t bytes, void **out_ptr) {
    void *p = lp_cpu_aligned_alloc(bytes);
    if (p == NULL)
        return lp_fail(LP_ERR_OUT_OF_MEMORY, "lp_host_alloc_pinned: host allocation failed, asked %zu bytes", bytes);
    *out_ptr = p;
    return LP_OK;
}

lp_status lp_cuda_host_free_pinned(void *ptr) {
    free(ptr);
    return LP_OK;
}

lp_status lp_cuda_memcpy(lp_stream stream, void *dst, const void *src, size_t bytes, lp_copy_kind kind) {
    return lp_cuda_not_built("lp_memcpy");
}

/* ---------------------------------------------------------------- ops */

lp_status lp_cuda_fill(lp_stream stream, void *dst, lp_dtype dtype, int64_t n, double value) {
    return lp_cuda_not_built("lp_fill");
}

lp_status lp_cuda_convert(lp_stream stream, const void *src, lp_dtype src_dtype, void *dst, lp_dtype dst_dtype,
                          int64_t n) {
    return lp_cuda_not_built("lp_convert");
}

lp_status lp_cuda_gemm(lp_stream stream, int32_t trans_a, int32_t trans_b, int64_t m, int64_t n, int64_t k,
                       float alpha, const void *a, int64_t lda, int64_t stride_a, const void *b, int64_t ldb,
                       int64_t stride_b, float beta, void *c, int64_t ldc, int64_t stride_c, int64_t batch,
                       lp_dtype ab_dtype, lp_dtype c_dtype) {
    return lp_cuda_not_built("lp_gemm");
}

lp_status lp_cuda_lora_forward(lp_stream stream, lp_dtype dtype, int64_t m, int64_t k, int64_t n, int64_t r,
                               float scale, const void *x, const void *a, const uint8_t *mask_a, const void *b,
                               const uint8_t *mask_b, lp_mask_mode mask_mode, void *u, void *y) {
    return lp_cuda_not_built("lp_lora_forward");
}

lp_status lp_cuda_lora_forward_group(lp_stream stream, lp_dtype dtype, int64_t count, int64_t m, int64_t k,
                                     const int64_t *n, int64_t r, float scale, const void *x, const void *const *a,
                                     const uint8_t *const *mask_a, const void *const *b, const uint8_t *const *mask_b,
                                     lp_mask_mode mask_mode, void *const *u, void *const *y) {
    return lp_cuda_not_built("lp_lora_forward_group");
}

lp_status lp_cuda_lora_linear_forward(lp_stream stream, lp_dtype dtype, int64_t m, int64_t k, int64_t n, int64_t r,
                                      float scale, const void *x, const void *w, float beta, const void *a,
                                      const uint8_t *mask_a, const void *b, const uint8_t *mask_b,
                                      lp_mask_mode mask_mode, void *u, void *y) {
    return lp_cuda_not_built("lp_lora_linear_forward");
}

lp_status lp_cuda_lora_backward(lp_stream stream, lp_dtype dtype, int64_t m, int64_t k, int64_t n, int64_t r,
                                float scale, const void *x, const void *a, const uint8_t *mask_a, const void *b,
                                const uint8_t *mask_b, lp_mask_mode mask_mode, const void *u, const void *dy, void *g,
                                void *dx, float *da, float *db, int32_t accumulate) {
    return lp_cuda_not_built("lp_lora_backward");
}

lp_status lp_cuda_lora_linear_backward(lp_stream stream, lp_dtype dtype, int64_t m, int64_t k, int64_t n, int64_t r,
                                       float scale, const void *x, const void *w, const void *a,
                                       const uint8_t *mask_a, const void *b, const uint8_t *mask_b,
                                       lp_mask_mode mask_mode, const void *u, const void *dy, void *g, float beta_dx,
                                       void *dx, float *da, float *db, int32_t accumulate) {
    return lp_cuda_not_built("lp_lora_linear_backward");
}

lp_status lp_cuda_mask_apply(lp_stream stream, lp_dtype dtype, void *x, const uint8_t *mask, int64_t n) {
    return lp_cuda_not_built("lp_mask_apply");
}

lp_status lp_cuda_importance_accumulate(lp_stream stream, int32_t count, const int64_t *sizes,
                                        const void *const *grads, lp_dtype grad_dtype, const void *const *params,
                                        lp_dtype param_dtype, float *const *s1, float *const *s2) {
    return lp_cuda_not_built("lp_importance_accumulate");
}

lp_status lp_cuda_importance_finalize(lp_stream stream, int32_t count, const int64_t *sizes, const float *const *s1,
                                      const float *const *s2, float *const *importance, int64_t num_samples) {
    return lp_cuda_not_built("lp_importance_finalize");
}

lp_status lp_cuda_global_norm(lp_stream stream, int32_t count, const int64_t *sizes, const void *const *x,
                              lp_dtype dtype, float *out_norm) {
    return lp_cuda_not_built("lp_global_norm");
}

lp_status lp_cuda_adamw_masked(lp_stream stream, int32_t count, const int64_t *sizes, float *const *params,
                               const float *const *grads, float *const *exp_avg, float *const *exp_avg_sq,
                               const uint8_t *const *masks, void *const *param_copies, lp_dtype copy_dtype, float lr,
                               float beta1, float beta2, float eps, float weight_decay, int64_t step,
                               const float *grad_norm, float max_grad_norm) {
    return lp_cuda_not_built("lp_adamw_masked");
}

lp_status lp_cuda_select_top_mass(lp_stream stream, const float *importance, int64_t n, double theta,
                                  uint8_t *mask_out, int64_t *out_count) {
    return lp_cuda_not_built("lp_select_top_mass");
}

lp_status lp_cuda_select_top_k(lp_stream stream, const float *values, const uint8_t *candidates, int64_t n, int64_t k,
                               uint8_t *mask_out, int64_t *out_count) {
    return lp_cuda_not_built("lp_select_top_k");
}

lp_status lp_cuda_partition_masks(lp_stream stream, int64_t n, const uint8_t *set1, const uint8_t *set2,
                                  const float *imp1, const float *imp2, double alpha, double beta,
                                  uint8_t *stage1_mask, uint8_t *stage2_mask, uint8_t *region_out,
                                  int64_t *out_counts) {
    return lp_cuda_not_built("lp_partition_masks");
}

lp_status lp_cuda_embedding_forward(lp_stream stream, lp_dtype dtype, int64_t tokens, int64_t vocab, int64_t dim,
                                    const int32_t *ids, const void *table, void *out) {
    return lp_cuda_not_built("lp_embedding_forward");
}

lp_status lp_cuda_embedding_backward(lp_stream stream, lp_dtype dtype, int64_t tokens, int64_t vocab, int64_t dim,
                                     const int32_t *ids, const void *d_out, float *d_table) {
    return lp_cuda_not_built("lp_embedding_backward");
}

lp_status lp_cuda_rmsnorm_forward(lp_stream stream, lp_dtype dtype, int64_t rows, int64_t dim, float eps,
                                  const void *x, const void *w, void *y, float *rstd) {
    return lp_cuda_not_built("lp_rmsnorm_forward");
}

lp_status lp_cuda_rmsnorm_backward(lp_stream stream, lp_dtype dtype, int64_t rows, int64_t dim, const void *x,
                                   const void *w, const float *rstd, const void *dy, void *dx, float *dw,
                                   int32_t accumulate_dx) {
    return lp_cuda_not_built("lp_rmsnorm_backward");
}

lp_status lp_cuda_rope(lp_stream stream, lp_dtype dtype, int64_t tokens, int64_t heads, int64_t head_dim,
                       const int32_t *positions, double theta, lp_rope_style style, int32_t inverse, void *x) {
    return lp_cuda_not_built("lp_rope");
}

lp_status lp_cuda_swiglu_forward(lp_stream stream, lp_dtype dtype, int64_t n, const void *gate, const void *up,
                                 void *out) {
    return lp_cuda_not_built("lp_swiglu_forward");
}

lp_status lp_cuda_swiglu_backward(lp_stream stream, lp_dtype dtype, int64_t n, const void *gate, const void *up,
                                  const void *d_out, void *d_gate, void *d_up) {
    return lp_cuda_not_built("lp_swiglu_backward");
}

lp_status lp_cuda_attention_forward(lp_stream stream, lp_dtype dtype, int64_t batch, int64_t seq, int64_t n_heads,
                                    int64_t n_kv_heads, int64_t head_dim, float scale, const void *q, const void *k,
                                    const void *v, const int32_t *segment_ids, void *out, float *lse) {
    return lp_cuda_not_built("lp_attention_forward");
}

lp_status lp_cuda_attention_backward(lp_stream stream, lp_dtype dtype, int64_t batch, int64_t seq, int64_t n_heads,
                                     int64_t n_kv_heads, int64_t head_dim, float scale, const void *q, const void *k,
                                     const void *v, const int32_t *segment_ids, const void *out, const float *lse,
                                     const void *d_out, void *dq, void *dk, void *dv) {
    return lp_cuda_not_built("lp_attention_backward");
}

lp_status lp_cuda_cross_entropy(lp_stream stream, lp_dtype dtype, int64_t tokens, int64_t vocab, void *logits,
                                const int32_t *targets, const float *weights, float grad_scale, float *losses) {
    return lp_cuda_not_built("lp_cross_entropy");
}

lp_status lp_cuda_kv_cache_write(lp_stream stream, lp_dtype dtype, int64_t rows, int64_t n_kv_heads, int64_t head_dim,
                                 const void *k, const void *v, const int32_t *slot, void *k_cache, void *v_cache,
                                 int64_t cache_slots) {
    return lp_cuda_not_built("lp_kv_cache_write");
}

lp_status lp_cuda_rope_kv_cache_write(lp_stream stream, lp_dtype dtype, int64_t rows, int64_t n_heads,
                                      int64_t n_kv_heads, int64_t head_dim, const int32_t *positions, double theta,
                                      lp_rope_style style, void *q, void *k, const void *v, const int32_t *slot,
                                      void *k_cache, void *v_cache, int64_t cache_slots) {
    return lp_cuda_not_built("lp_rope_kv_cache_write");
}

lp_status lp_cuda_attention_decode(lp_stream stream, lp_dtype dtype, int64_t batch, int64_t n_heads,
                                   int64_t n_kv_heads, int64_t head_dim, int64_t max_len, float scale, const void *q,
                                   const void *k_cache, const void *v_cache, const int32_t *lengths,
                                   const int32_t *prefix, void *out) {
    return lp_cuda_not_built("lp_attention_decode");
}

lp_status lp_cuda_sample(lp_stream stream, lp_dtype dtype, int64_t batch, int64_t vocab, const void *logits,
                         const float *temperature, const int32_t *top_k, const float *top_p, const uint64_t *seed,
                         const int64_t *step, int32_t *out_ids) {
    return lp_cuda_not_built("lp_sample");
}

lp_status lp_cuda_graph_begin_capture(lp_stream stream) { return lp_cuda_not_built("lp_graph_begin_capture"); }

lp_status lp_cuda_graph_end_capture(lp_stream stream, lp_graph graph) {
    return lp_cuda_not_built("lp_graph_end_capture");
}

lp_status lp_cuda_graph_launch(lp_graph graph, lp_stream stream) { return lp_cuda_not_built("lp_graph_launch"); }

lp_status lp_cuda_graph_release(lp_graph graph) { return lp_cuda_not_built("lp_graph_destroy"); }

/* ---------------------------------------------------------------- NCCL */

static lp_status lp_nccl_not_built(const char *fn) {
    return lp_fail(LP_ERR_NO_DEVICE, "%s: lorapar was built without the CUDA backend (NCCL collectives need it)", fn);
}

lp_status lp_cuda_nccl_version(int32_t *out_version) {
    *out_version = 0;
    return lp_nccl_not_built("lp_nccl_version");
}

lp_status lp_cuda_nccl_get_unique_id(uint8_t *out_id) { return lp_nccl_not_built("lp_nccl_get_unique_id"); }

lp_status lp_cuda_nccl_comm_init(lp_nccl_comm comm, const uint8_t *id, double timeout_s) {
    return lp_nccl_not_built("lp_nccl_comm_init");
}

lp_status lp_cuda_nccl_all_reduce_sum(lp_nccl_comm comm, lp_stream stream, void *data, int64_t count,
                                      lp_nccl_type type) {
    return lp_nccl_not_built("lp_nccl_all_reduce_sum");
}

lp_status lp_cuda_nccl_broadcast(lp_nccl_comm comm, lp_stream stream, void *data, int64_t bytes, int32_t root) {
    return lp_nccl_not_built("lp_nccl_broadcast");
}

lp_status lp_cuda_nccl_group_start(void) { return lp_nccl_not_built("lp_nccl_group_start"); }

lp_status lp_cuda_nccl_group_end(lp_nccl_comm comm, double timeout_s) { return lp_nccl_not_built("lp_nccl_group_end"); }

lp_status lp_cuda_nccl_wait(lp_nccl_comm comm, lp_stream stream, double timeout_s) {
    return lp_nccl_not_built("lp_nccl_wait");
}

lp_status lp_cuda_nccl_comm_abort(lp_nccl_comm comm) { return lp_nccl_not_built("lp_nccl_comm_abort"); }

lp_status lp_cuda_nccl_comm_destroy(lp_nccl_comm comm) { return LP_OK; }
