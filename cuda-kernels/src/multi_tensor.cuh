/*
 * multi_tensor.cuh — one launch over many tensors (importance.cu, adamw_masked.cu).
 *
 * The host copies the caller's pointer arrays into a kernel-parameter table of up to CAP tensors
 * (≤ 32 KB of kernel parameters: CUDA ≥ 12.1 on sm_70+), one launch per table, so the 384 LoRA
 * tensors of LLaMA-2-7B (QKVGUD) take one launch. Each tensor is cut into groups of G
 * consecutive elements; group_start is the prefix sum of the group counts, so the tensors form one
 * virtual concatenation of groups that a persistent grid-stride loop walks. The table is passed as a
 * __grid_constant__ parameter, so indexing it with a runtime tensor number reads the parameter space
 * instead of copying the table into local memory.
 */
#ifndef LORAPAR_CUDA_MULTI_TENSOR_CUH
#define LORAPAR_CUDA_MULTI_TENSOR_CUH

#include "cuda_common.cuh"

template <int NPTR, int CAP, int G> struct lp_tensor_table {
    static constexpr int ptr_count = NPTR;
    static constexpr int capacity = CAP;
    static constexpr int group = G;
    void *ptr[NPTR][CAP];       /* ptr[array][tensor]: NULL where the caller gave none */
    int64_t size[CAP];          /* elements of each tensor */
    int64_t group_start[CAP + 1]; /* group_start[t] = Σ_{s<t} ⌈size[s] / G⌉; [count] = total groups */
    int32_t count;              /* tensors in this table, ≤ CAP */
};

/* Calls f(t, first, len) for every group of the table owned by this thread: tensor t, elements
 * [first, first + len) with 1 ≤ len ≤ G (len < G only for a tensor's last group).
 * Each block owns one contiguous range of groups and its threads stride through it by blockDim: a warp
 * reads contiguous memory, and from one step to the next the tensor index moves by at most a tensor or
 * two (a grid-wide stride would jump over dozens of tensors per step, each a dependent parameter load:
 * measured 4× slower on an H200). Which thread takes which group depends only on the grid and the
 * table, so per-thread sums (the global norm) are deterministic. */
template <class Table, class F> static __device__ __forceinline__ void lp_for_each_group(const Table &table, F &&f) {
    const int64_t total = table.group_start[table.count];
    const int64_t per_block = (total + gridDim.x - 1) / gridDim.x;
    const int64_t block_begin = (int64_t)blockIdx.x * per_block;
    const int64_t block_end = block_begin + per_block < total ? block_begin + per_block : total;
    const int64_t first_group = block_begin + threadIdx.x;
    if (first_group >= block_end) return;
    /* binary search for the tensor of this thread's first group: the last t with group_start[t] ≤ grp */
    int lo = 0, hi = table.count - 1;
    while (lo < hi) {
        const int mid = (lo + hi + 1) / 2;
        if (table.group_start[mid] <= first_group) lo = mid; else hi = mid - 1;
    }
    int t = lo;
    for (int64_t grp = first_group; grp < block_end; grp += blockDim.x) {
        while (grp >= table.group_start[t + 1]) t++; /* groups grow, so t only moves forward */
        const int64_t first = (grp - table.group_start[t]) * Table::group;
        const int64_t left = table.size[t] - first;
        f(t, first, left < Table::group ? (int)left : Table::group);
    }
}

/*
 * Host side: for tensors [0, count) in tables of Table::capacity, fills a table from `arrays`
 * (Table::ptr_count host arrays of device pointers; a NULL array gives NULL pointers) and calls
 * launch(table, table_index) → lp_status. Stops at the first failure.
 */
template <class Table, class Launch>
static lp_status lp_for_each_table(int32_t count, const int64_t *sizes, const void *const *const *arrays,
                                   Launch &&launch) {
    static_assert(sizeof(Table) <= 32000, "kernel parameters must stay under 32 KB");
    int32_t table_index = 0;
    for (int32_t first = 0; first < count; first += Table::capacity, table_index++) {
        Table table;
        memset(&table, 0, sizeof table);
        table.count = count - first < Table::capacity ? count - first : Table::capacity;
        int64_t groups = 0;
        for (int32_t t = 0; t < table.count; t++) {
            for (int p = 0; p < Table::ptr_count; p++)
                table.ptr[p][t] = arrays[p] != NULL ? const_cast<void *>(arrays[p][first + t]) : NULL;
            table.size[t] = sizes[first + t];
            table.group_start[t] = groups;
            groups += (sizes[first + t] + Table::group - 1) / Table::group;
        }
        table.group_start[table.count] = groups;
        LP_CHECK(launch(table, table_index));
    }
    return LP_OK;
}

/* Total groups of a table (host). */
template <class Table> static inline int64_t lp_table_groups(const Table &table) {
    return table.group_start[table.count];
}

#endif /* LORAPAR_CUDA_MULTI_TENSOR_CUH */
