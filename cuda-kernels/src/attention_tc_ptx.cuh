/*
 * attention_tc_ptx.cuh — the PTX the tensor-core attention kernels use (sm_80+), one thin wrapper each:
 * the dynamic shared-memory base, cp.async (16-byte copies with zero-fill), ldmatrix .x4 (plain and
 * .trans) and mma.sync m16n8k16 bf16·bf16 → f32. Fragment layouts: attention_tc_common.cuh.
 */
#ifndef LORAPAR_ATTENTION_TC_PTX_CUH
#define LORAPAR_ATTENTION_TC_PTX_CUH

#include "cuda_common.cuh"

/* The dynamic shared memory of the calling kernel (16-byte aligned; carved by the kernel). */
static __device__ __forceinline__ lp_bf16 *lp_tc_smem() {
    extern __shared__ __align__(16) unsigned char lp_tc_shared[];
    return reinterpret_cast<lp_bf16 *>(lp_tc_shared);
}

static __device__ __forceinline__ uint32_t lp_tc_smem_addr(const void *p) {
    return (uint32_t)__cvta_generic_to_shared(p);
}

/* 16 bytes global → shared, asynchronously; valid == false writes 16 zero bytes and reads nothing. */
static __device__ __forceinline__ void lp_tc_cp_async16(uint32_t dst, const void *src, bool valid) {
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(dst),
                 "l"((unsigned long long)__cvta_generic_to_global(src)), "r"(valid ? 16 : 0)
                 : "memory");
}
static __device__ __forceinline__ void lp_tc_cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::: "memory"); }
/* Waits until at most N of this thread's committed groups are still in flight. */
template <int N> static __device__ __forceinline__ void lp_tc_cp_async_wait() {
    asm volatile("cp.async.wait_group %0;\n" ::"n"(N) : "memory");
}

static __device__ __forceinline__ void lp_tc_ldmatrix_x4(uint32_t (&r)[4], uint32_t addr) {
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];\n"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
                 : "r"(addr));
}
static __device__ __forceinline__ void lp_tc_ldmatrix_x4_trans(uint32_t (&r)[4], uint32_t addr) {
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0, %1, %2, %3}, [%4];\n"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
                 : "r"(addr));
}

/* c [16×8] f32 += a [16×16] bf16 · b [16×8] bf16 (one warp). */
static __device__ __forceinline__ void lp_tc_mma(float (&c)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
    asm volatile(
        "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
        "{%0, %1, %2, %3};\n"
        : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

#endif /* LORAPAR_ATTENTION_TC_PTX_CUH */
