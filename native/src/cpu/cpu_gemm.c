/*
 * cpu_gemm.c — lp_gemm on the CPU: blocking, threading and batching around the packed micro-kernel
 * (see cpu_gemm.h for the scheme). Arguments were validated by the public entry point.
 *
 * Threads: one problem at a time, its (row block × column chunk) work items spread over the OpenMP
 * team; a batch of small problems instead runs one problem per thread.
 */
#include <omp.h>
#include <stdlib.h>

#include "cpu/cpu_bf16.h"
#include "cpu/cpu_gemm.h"
#include "cpu/cpu_runtime.h"

/* Problems below this many flops run on one thread (team start-up would cost more). */
#define LP_GEMM_PARALLEL_MIN_FLOPS (1LL << 18)
/* Batches whose problems are below this many flops run one problem per thread. */
#define LP_GEMM_BATCH_PARALLEL_MAX_FLOPS (1LL << 25)
/* Cap on the f32 partial-sum buffer of a bf16 C (the column stripe narrows to respect it). */
#define LP_GEMM_MAX_PARTIAL_FLOATS (1LL << 23)

static int64_t lp_min64(int64_t a, int64_t b) { return a < b ? a : b; }
static int64_t lp_ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
static int64_t lp_round_up(int64_t a, int64_t b) { return lp_ceil_div(a, b) * b; }

/* One problem C [m×n] = alpha·op(A) [m×k] · op(B) [k×n] + beta·C, with its blocking decided. */
typedef struct {
    lp_gemm_operand a, b; /* op(A) as (row, depth), op(B) as (column, depth) */
    lp_gemm_output out;
    int64_t m, n, k;
    int64_t mc;        /* rows per A block (multiple of MR) */
    int64_t ic_blocks; /* ⌈m / mc⌉ */
    int64_t nc;        /* columns per B stripe (multiple of NR) */
    int64_t j_chunks;  /* work items per (row block, stripe): the stripe's panels split this many ways */
} lp_gemm_plan;

/* One (column stripe, depth slice) step of a plan. */
typedef struct {
    int64_t jc, nc_cur, pc, kc;
    int first, last;
} lp_gemm_step;

/* Workspace of one thread (or of the whole team for the shared B). */
typedef struct {
    float *bp; /* packed B slice [⌈nc/NR⌉ × kc × NR] */
    float *ap; /* packed A block [⌈mc/MR⌉ × kc × MR] */
    float *w;  /* bf16 C partial sums [m × nc] or NULL */
} lp_gemm_buffers;

static void lp_gemm_plan_blocking(lp_gemm_plan *plan, int threads) {
    int64_t ic_blocks = lp_ceil_div(plan->m, LP_GEMM_MC);
    if (threads > 1 && ic_blocks % threads != 0 && ic_blocks < 4 * threads) {
        int64_t even = lp_round_up(ic_blocks, threads); /* balance the row blocks over the team */
        if (plan->m >= even * LP_GEMM_MR) ic_blocks = even;
    }
    plan->mc = lp_round_up(lp_ceil_div(plan->m, ic_blocks), LP_GEMM_MR);
    plan->ic_blocks = lp_ceil_div(plan->m, plan->mc);

    int64_t nc = lp_min64(LP_GEMM_NC, lp_round_up(plan->n, LP_GEMM_NR));
    if (plan->out.c_dtype == LP_BF16 && plan->k > LP_GEMM_KC) {
        int64_t cap = (LP_GEMM_MAX_PARTIAL_FLOATS / plan->m) / LP_GEMM_NR * LP_GEMM_NR;
        if (cap < LP_GEMM_NR) cap = LP_GEMM_NR;
        if (nc > cap) nc = cap;
    }
    plan->nc = nc;
    plan->j_chunks = 1;
    if (plan->ic_blocks < threads) {
        int64_t panels = nc / LP_GEMM_NR;
        plan->j_chunks = lp_min64(panels, lp_ceil_div(threads, plan->ic_blocks));
    }
}

/* Buffer sizes in floats, each rounded up to 16 floats so that buffers placed back to back in one
 * 64-byte aligned allocation all stay 64-byte aligned (the micro-kernel loads B with aligned loads). */
static size_t lp_gemm_bp_floats(const lp_gemm_plan *plan) {
    return (size_t)lp_round_up(lp_min64(LP_GEMM_KC, plan->k) * plan->nc, 16);
}
static size_t lp_gemm_ap_floats(const lp_gemm_plan *plan) {
    return (size_t)lp_round_up(lp_min64(LP_GEMM_KC, plan->k) * plan->mc, 16);
}
static size_t lp_gemm_w_floats(const lp_gemm_plan *plan) {
    return plan->out.c_dtype == LP_BF16 && plan->k > LP_GEMM_KC ? (size_t)lp_round_up(plan->m * plan->nc, 16) : 0;
}

static int64_t lp_gemm_step_count(const lp_gemm_plan *plan, int64_t *slices) {
    *slices = lp_ceil_div(plan->k, LP_GEMM_KC);
    return lp_ceil_div(plan->n, plan->nc) * *slices;
}

static lp_gemm_step lp_gemm_step_at(const lp_gemm_plan *plan, int64_t index, int64_t slices) {
    lp_gemm_step st;
    int64_t stripe = index / slices, slice = index % slices;
    st.jc = stripe * plan->nc;
    st.nc_cur = lp_min64(plan->nc, plan->n - st.jc);
    st.pc = slice * LP_GEMM_KC;
    st.kc = lp_min64(LP_GEMM_KC, plan->k - st.pc);
    st.first = slice == 0;
    st.last = slice == slices - 1;
    return st;
}

static void lp_gemm_pack_b(const lp_gemm_plan *plan, const lp_gemm_step *st, float *bp, int64_t panel) {
    int64_t j0 = st->jc + panel * LP_GEMM_NR;
    int64_t cols = lp_min64(LP_GEMM_NR, st->jc + st->nc_cur - j0);
    lp_cpu_gemm_pack_panel(&plan->b, j0, cols, st->pc, st->kc, LP_GEMM_NR, bp + panel * st->kc * LP_GEMM_NR);
}

/* Work item = (row block, column chunk). *packed_block says which row block ap holds already. */
static void lp_gemm_compute_item(const lp_gemm_plan *plan, const lp_gemm_step *st, const float *bp, float *ap,
                                 const lp_gemm_output *out, int64_t item, int64_t *packed_block) {
    int64_t block = item / plan->j_chunks, chunk = item % plan->j_chunks;
    int64_t i0 = block * plan->mc, rows = lp_min64(plan->mc, plan->m - i0);
    if (*packed_block != block) {
        for (int64_t ir = 0; ir < rows; ir += LP_GEMM_MR)
            lp_cpu_gemm_pack_panel(&plan->a, i0 + ir, lp_min64(LP_GEMM_MR, rows - ir), st->pc, st->kc, LP_GEMM_MR,
                                   ap + (ir / LP_GEMM_MR) * st->kc * LP_GEMM_MR);
        *packed_block = block;
    }
    int64_t panels = lp_ceil_div(st->nc_cur, LP_GEMM_NR);
    int64_t q_lo = panels * chunk / plan->j_chunks, q_hi = panels * (chunk + 1) / plan->j_chunks;
    for (int64_t q = q_lo; q < q_hi; q++) {
        int64_t j = st->jc + q * LP_GEMM_NR, cols = lp_min64(LP_GEMM_NR, st->jc + st->nc_cur - j);
        const float *bpanel = bp + q * st->kc * LP_GEMM_NR; /* [kc×NR] */
        for (int64_t ir = 0; ir < rows; ir += LP_GEMM_MR)
            lp_cpu_gemm_tile(st->kc, ap + (ir / LP_GEMM_MR) * st->kc * LP_GEMM_MR, bpanel, out, i0 + ir, j,
                             lp_min64(LP_GEMM_MR, rows - ir), cols, st->first, st->last);
    }
}

static lp_gemm_output lp_gemm_step_output(const lp_gemm_plan *plan, const lp_gemm_step *st, float *w) {
    lp_gemm_output out = plan->out;
    out.w = w;
    out.ldw = plan->nc;
    out.w_col0 = st->jc;
    return out;
}

/* The whole problem on the calling thread. */
static void lp_gemm_run_serial(const lp_gemm_plan *plan, const lp_gemm_buffers *buf) {
    int64_t slices, steps = lp_gemm_step_count(plan, &slices);
    int64_t items = plan->ic_blocks * plan->j_chunks;
    for (int64_t s = 0; s < steps; s++) {
        lp_gemm_step st = lp_gemm_step_at(plan, s, slices);
        lp_gemm_output out = lp_gemm_step_output(plan, &st, buf->w);
        int64_t panels = lp_ceil_div(st.nc_cur, LP_GEMM_NR), packed_block = -1;
        for (int64_t q = 0; q < panels; q++) lp_gemm_pack_b(plan, &st, buf->bp, q);
        for (int64_t item = 0; item < items; item++)
            lp_gemm_compute_item(plan, &st, buf->bp, buf->ap, &out, item, &packed_block);
    }
}

/* The whole problem on an OpenMP team: shared packed B, one packed A block per thread. */
static void lp_gemm_run_parallel(const lp_gemm_plan *plan, float *bp, float *ap_all, size_t ap_floats, float *w,
                                 int threads) {
    int64_t slices, steps = lp_gemm_step_count(plan, &slices);
    int64_t items = plan->ic_blocks * plan->j_chunks;
#pragma omp parallel num_threads(threads)
    {
        float *ap = ap_all + (size_t)omp_get_thread_num() * ap_floats;
        for (int64_t s = 0; s < steps; s++) {
            lp_gemm_step st = lp_gemm_step_at(plan, s, slices);
            lp_gemm_output out = lp_gemm_step_output(plan, &st, w);
            int64_t panels = lp_ceil_div(st.nc_cur, LP_GEMM_NR), packed_block = -1;
#pragma omp for schedule(static)
            for (int64_t q = 0; q < panels; q++) lp_gemm_pack_b(plan, &st, bp, q);
#pragma omp for schedule(static)
            for (int64_t item = 0; item < items; item++)
                lp_gemm_compute_item(plan, &st, bp, ap, &out, item, &packed_block);
        }
    }
}

/* C = beta·C over [m×n] (k == 0 or alpha == 0; A and B are not read, as in BLAS); beta == 0 writes
 * zeros without reading C; beta == 1 leaves C bit-identical. */
static void lp_gemm_scale_c(void *c, int64_t ldc, lp_dtype c_dtype, int64_t m, int64_t n, float beta) {
    if (beta == 1.0f) return;
#pragma omp parallel for schedule(static) if (m * n >= 65536)
    for (int64_t i = 0; i < m; i++) {
        if (c_dtype == LP_F32) {
            float *row = (float *)c + i * ldc; /* [n] */
            for (int64_t j = 0; j < n; j++) row[j] = beta == 0.0f ? 0.0f : beta * row[j];
        } else {
            uint16_t *row = (uint16_t *)c + i * ldc; /* [n] */
            for (int64_t j = 0; j < n; j++) row[j] = beta == 0.0f ? 0 : lp_f32_to_bf16(beta * lp_bf16_to_f32(row[j]));
        }
    }
}

static lp_gemm_plan lp_gemm_make_plan(int32_t trans_a, int32_t trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                                      const void *a, int64_t lda, const void *b, int64_t ldb, float beta, void *c,
                                      int64_t ldc, lp_dtype ab_dtype, lp_dtype c_dtype, int threads) {
    lp_gemm_plan plan;
    /* op(A)(i, p) = trans_a ? A[p·lda + i] : A[i·lda + p];  op(B)(p, j) = trans_b ? B[j·ldb + p] : B[p·ldb + j] */
    plan.a = (lp_gemm_operand){a, trans_a ? 1 : lda, trans_a ? lda : 1, ab_dtype};
    plan.b = (lp_gemm_operand){b, trans_b ? ldb : 1, trans_b ? 1 : ldb, ab_dtype};
    plan.out = (lp_gemm_output){c, ldc, c_dtype, alpha, beta, NULL, 0, 0};
    plan.m = m, plan.n = n, plan.k = k;
    lp_gemm_plan_blocking(&plan, threads);
    return plan;
}

static const void *lp_offset(const void *base, int64_t elements, lp_dtype dtype) {
    return (const char *)base + (size_t)elements * lp_dtype_size(dtype);
}

/* A batch of small problems: one problem per thread, each with private buffers. */
static lp_status lp_gemm_batch_parallel(int32_t trans_a, int32_t trans_b, int64_t m, int64_t n, int64_t k,
                                        float alpha, const void *a, int64_t lda, int64_t stride_a, const void *b,
                                        int64_t ldb, int64_t stride_b, float beta, void *c, int64_t ldc,
                                        int64_t stride_c, int64_t batch, lp_dtype ab_dtype, lp_dtype c_dtype,
                                        int threads) {
    lp_gemm_plan shape = lp_gemm_make_plan(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, ab_dtype,
                                           c_dtype, 1);
    size_t per_thread = lp_gemm_bp_floats(&shape) + lp_gemm_ap_floats(&shape) + lp_gemm_w_floats(&shape);
    size_t bytes = per_thread * (size_t)threads * sizeof(float);
    float *workspace = lp_cpu_aligned_alloc(bytes);
    if (workspace == NULL)
        return lp_fail(LP_ERR_OUT_OF_MEMORY, "lp_gemm: CPU workspace allocation failed, asked %zu bytes", bytes);
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
    for (int64_t t = 0; t < batch; t++) {
        float *mine = workspace + (size_t)omp_get_thread_num() * per_thread;
        lp_gemm_buffers buf = {mine, mine + lp_gemm_bp_floats(&shape),
                               lp_gemm_w_floats(&shape) ? mine + lp_gemm_bp_floats(&shape) + lp_gemm_ap_floats(&shape)
                                                        : NULL};
        lp_gemm_plan plan = shape;
        plan.a.base = lp_offset(a, t * stride_a, ab_dtype);
        plan.b.base = lp_offset(b, t * stride_b, ab_dtype);
        plan.out.c = (void *)lp_offset(c, t * stride_c, c_dtype);
        lp_gemm_run_serial(&plan, &buf);
    }
    free(workspace);
    return LP_OK;
}

lp_status lp_cpu_gemm(lp_stream stream, int32_t trans_a, int32_t trans_b, int64_t m, int64_t n, int64_t k,
                      float alpha, const void *a, int64_t lda, int64_t stride_a, const void *b, int64_t ldb,
                      int64_t stride_b, float beta, void *c, int64_t ldc, int64_t stride_c, int64_t batch,
                      lp_dtype ab_dtype, lp_dtype c_dtype) {
    if (m == 0 || n == 0 || batch == 0) return LP_OK;
    if (k == 0 || alpha == 0.0f) {
        for (int64_t t = 0; t < batch; t++)
            lp_gemm_scale_c((void *)lp_offset(c, t * stride_c, c_dtype), ldc, c_dtype, m, n, beta);
        return LP_OK;
    }
    int64_t flops = m > INT64_MAX / 2 / n / k ? INT64_MAX : 2 * m * n * k;
    int threads = omp_get_max_threads();
    if (threads > 1 && batch >= 2 && flops <= LP_GEMM_BATCH_PARALLEL_MAX_FLOPS)
        return lp_gemm_batch_parallel(trans_a, trans_b, m, n, k, alpha, a, lda, stride_a, b, ldb, stride_b, beta, c,
                                      ldc, stride_c, batch, ab_dtype, c_dtype, threads);
    if (flops < LP_GEMM_PARALLEL_MIN_FLOPS) threads = 1;

    lp_gemm_plan plan = lp_gemm_make_plan(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, ab_dtype,
                                          c_dtype, threads);
    size_t bp_floats = lp_gemm_bp_floats(&plan), ap_floats = lp_gemm_ap_floats(&plan);
    size_t w_floats = lp_gemm_w_floats(&plan);
    size_t bytes = (bp_floats + ap_floats * (size_t)threads + w_floats) * sizeof(float);
    float *workspace = lp_cpu_aligned_alloc(bytes);
    if (workspace == NULL)
        return lp_fail(LP_ERR_OUT_OF_MEMORY, "lp_gemm: CPU workspace allocation failed, asked %zu bytes", bytes);
    float *bp = workspace, *ap = workspace + bp_floats;
    float *w = w_floats ? ap + ap_floats * (size_t)threads : NULL;
    for (int64_t t = 0; t < batch; t++) {
        plan.a.base = lp_offset(a, t * stride_a, ab_dtype);
        plan.b.base = lp_offset(b, t * stride_b, ab_dtype);
        plan.out.c = (void *)lp_offset(c, t * stride_c, c_dtype);
        if (threads == 1) {
            lp_gemm_buffers buf = {bp, ap, w};
            lp_gemm_run_serial(&plan, &buf);
        } else {
            lp_gemm_run_parallel(&plan, bp, ap, ap_floats, w, threads);
        }
    }
    free(workspace);
    return LP_OK;
}
