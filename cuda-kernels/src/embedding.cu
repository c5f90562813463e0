/*
 * embedding.cu — lp_cuda_embedding_forward / lp_cuda_embedding_backward.
 * Forward: a gather of table rows, copied bit for bit (16-byte copies when rows are 16-byte aligned);
 * an id outside [0, vocab) writes a zero row (the header's CUDA contract).
 * Backward, deterministic without float atomics: the token indices are sorted by id (CUB radix sort of
 * (id → token index) pairs, stable, so equal ids keep token order); then for every run of equal ids and
 * every column one thread adds the run's d_out rows to d_table in token order, starting from the old
 * d_table value: d_table[id][c] = ((d_table[id][c] + d_out[t0][c]) + d_out[t1][c]) + …  with t0 < t1 < …,
 * the order of a plain sequential loop over tokens. Ids outside [0, vocab) are skipped.
 * tokens is limited to 2^31 − 1 (CUB item counts).
 */
#include <cub/device/device_radix_sort.cuh>
#include <limits.h>

#include "layer_rows.cuh"

/* ------------------------------------------------------------------------------------------ kernels */

/* out [tokens×dim] row t = table [vocab×dim] row ids[t] (zeros when ids[t] is outside [0, vocab)).
 * One work item = 8 elements of one row; vec: every row of table and out is 16-byte aligned. */
template <class T>
__global__ void lp_embedding_gather_kernel(const int32_t *ids, const T *table, T *out, int64_t tokens, int64_t vocab,
                                           int64_t dim, bool vec) {
    lp_pdl_wait(); /* launched by lp_launch_pdl */
    const int64_t groups_per_row = (dim + 7) / 8;
    const int64_t items = tokens * groups_per_row;
    for (int64_t item = lp_thread_index(); item < items; item += lp_grid_stride()) {
        const int64_t t = item / groups_per_row;
        const int64_t first = (item - t * groups_per_row) * 8;
        const int64_t count = dim - first < 8 ? dim - first : 8;
        const int32_t id = ids[t];
        T *dst = out + t * dim + first;
        if (id < 0 || (int64_t)id >= vocab) {
            for (int64_t e = 0; e < count; e++) dst[e] = lp_from_float<T>(0.0f);
            continue;
        }
        const T *src = table + (int64_t)id * dim + first;
        if (vec && count == 8) {
#pragma unroll
            for (int e = 0; e < 8; e += lp_vec16<T>::count) lp_store16(dst + e, lp_load16(src + e));
        } else {
            for (int64_t e = 0; e < count; e++) dst[e] = src[e];
        }
    }
}

/* keys [tokens] = ids[t] when in [0, vocab), else vocab (a sentinel sorting after every valid id);
 * token_of [tokens] = t. */
__global__ void lp_embedding_keys_kernel(const int32_t *ids, int64_t tokens, int64_t vocab, uint32_t *keys,
                                         uint32_t *token_of) {
    for (int64_t t = lp_thread_index(); t < tokens; t += lp_grid_stride()) {
        const int32_t id = ids[t];
        keys[t] = (id >= 0 && (int64_t)id < vocab) ? (uint32_t)id : (uint32_t)vocab;
        token_of[t] = (uint32_t)t;
    }
}

/* sorted_keys / sorted_tokens [tokens]: the pairs sorted by key, equal keys in token order.
 * One work item = (sorted position i, column c); only the first position of each run of a valid id
 * works: d_table [vocab×dim] f32 row key, column c += the run's d_out [tokens×dim] rows, in order. */
template <class T>
__global__ void lp_embedding_accumulate_kernel(const uint32_t *sorted_keys, const uint32_t *sorted_tokens,
                                               const T *d_out, float *d_table, int64_t tokens, int64_t vocab,
                                               int64_t dim) {
    const int64_t items = tokens * dim;
    for (int64_t item = lp_thread_index(); item < items; item += lp_grid_stride()) {
        const int64_t i = item / dim;
        const int64_t c = item - i * dim;
        const uint32_t key = sorted_keys[i];
        if ((int64_t)key >= vocab || (i > 0 && sorted_keys[i - 1] == key)) continue;
        float *dst = d_table + (int64_t)key * dim + c;
        float acc = *dst;
        for (int64_t j = i; j < tokens && sorted_keys[j] == key; j++)
            acc = __fadd_rn(acc, lp_to_float(d_out[(int64_t)sorted_tokens[j] * dim + c]));
        *dst = acc;
    }
}

/* ---------------------------------------------------------------------------------------- entries */

extern "C" lp_status lp_cuda_embedding_forward(lp_stream stream, lp_dtype dtype, int64_t tokens, int64_t vocab,
                                               int64_t dim, const int32_t *ids, const void *table, void *out) {
    LP_CHECK(lp_cuda_use_device(stream->device));
    if (tokens == 0 || dim == 0) return LP_OK;
    return lp_dispatch_float_dtype("lp_embedding_forward", dtype, [&](auto tag) -> lp_status {
        using T = decltype(tag);
        const bool vec = lp_rows_aligned16(table, dim, sizeof(T)) && lp_rows_aligned16(out, dim, sizeof(T));
        const int64_t items = tokens * ((dim + 7) / 8);
        LP_CUDA_CHECK_PDL("lp_embedding_gather_kernel",
                          lp_launch_pdl(stream, lp_embedding_gather_kernel<T>, lp_cuda_grid(stream, items), LP_THREADS,
                                        0, ids, static_cast<const T *>(table), static_cast<T *>(out), tokens, vocab,
                                        dim, vec));
        return LP_OK;
    });
}

/* Bits needed by keys in [0, vocab] (the sentinel vocab included); at least 1. */
static int lp_key_bits(int64_t vocab) {
    int bits = 1;
    while (bits < 32 && ((uint64_t)vocab >> bits) != 0) bits++;
    return bits;
}

extern "C" lp_status lp_cuda_embedding_backward(lp_stream stream, lp_dtype dtype, int64_t tokens, int64_t vocab,
                                                int64_t dim, const int32_t *ids, const void *d_out, float *d_table) {
    static const char op[] = "lp_embedding_backward";
    LP_CHECK(lp_cuda_use_device(stream->device));
    if (tokens == 0 || dim == 0 || vocab == 0) return LP_OK;
    if (tokens > INT_MAX)
        return lp_fail(LP_ERR_UNSUPPORTED, "%s: tokens = %lld exceeds 2^31-1, the CUDA backend's limit", op,
                       (long long)tokens);
    if (dtype != LP_F32 && dtype != LP_BF16)
        return lp_fail(LP_ERR_UNSUPPORTED, "%s: dtype %s is not supported on CUDA (F32 or BF16)", op,
                       lp_dtype_name(dtype));
    cudaStream_t s = lp_cuda_stream_of(stream);
    const int n = (int)tokens;
    const int end_bit = lp_key_bits(vocab);

    /* scratch: keys[2] [tokens] u32, token_of[2] [tokens] u32 (CUB double buffers), CUB temp */
    size_t temp_bytes = 0;
    {
        cub::DoubleBuffer<uint32_t> keys(NULL, NULL), vals(NULL, NULL);
        LP_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(NULL, temp_bytes, keys, vals, n, 0, end_bit, s));
    }
    if (temp_bytes < 16) temp_bytes = 16;
    lp_scratch_layout layout;
    size_t key_off[2], tok_off[2];
    for (int b = 0; b < 2; b++) {
        key_off[b] = layout.add((size_t)n * sizeof(uint32_t));
        tok_off[b] = layout.add((size_t)n * sizeof(uint32_t));
    }
    const size_t temp_off = layout.add(temp_bytes);
    void *base = NULL;
    LP_CHECK(lp_cuda_scratch(stream, layout.bytes, &base));
    unsigned char *bytes = static_cast<unsigned char *>(base);
    uint32_t *key_buf[2], *tok_buf[2];
    for (int b = 0; b < 2; b++) {
        key_buf[b] = reinterpret_cast<uint32_t *>(bytes + key_off[b]);
        tok_buf[b] = reinterpret_cast<uint32_t *>(bytes + tok_off[b]);
    }

    lp_embedding_keys_kernel<<<lp_cuda_grid(stream, tokens), LP_THREADS, 0, s>>>(ids, tokens, vocab, key_buf[0],
                                                                                  tok_buf[0]);
    LP_CUDA_CHECK_LAUNCH("lp_embedding_keys_kernel");
    cub::DoubleBuffer<uint32_t> keys(key_buf[0], key_buf[1]), vals(tok_buf[0], tok_buf[1]);
    LP_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(bytes + temp_off, temp_bytes, keys, vals, n, 0, end_bit, s));

    const unsigned int grid = lp_cuda_grid(stream, tokens * dim);
    if (dtype == LP_F32) {
        lp_embedding_accumulate_kernel<float><<<grid, LP_THREADS, 0, s>>>(
            keys.Current(), vals.Current(), static_cast<const float *>(d_out), d_table, tokens, vocab, dim);
    } else {
        lp_embedding_accumulate_kernel<lp_bf16><<<grid, LP_THREADS, 0, s>>>(
            keys.Current(), vals.Current(), static_cast<const lp_bf16 *>(d_out), d_table, tokens, vocab, dim);
    }
    LP_CUDA_CHECK_LAUNCH("lp_embedding_accumulate_kernel");
    return LP_OK;
}
