package dev.lorapar.core;

import dev.lorapar.core.ffi.LpNative;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/** Validation and dispatch of the masked LoRA matmuls behind {@link Ops}. */
final class LoraOps {
    private LoraOps() {
    }

    /** The problem sizes, read from x [m×k], a [r×k], b [n×r] after their shapes were checked. */
    private record Dims(long m, long k, long n, long r, String fromX, String fromA, String fromB) {
    }

    /**
     * Checks x [m×k], a [r×k], maskA [r×k] U8 (nullable), b [n×r], maskB [n×r] U8 (nullable), all on the
     * stream's device, x F32/BF16 and a, b of x's dtype.
     */
    private static Dims operands(String op, Stream stream, Tensor x, Tensor a, Tensor maskA, Tensor b, Tensor maskB,
                                 MaskMode mode) {
        Check.stream(op, stream);
        Objects.requireNonNull(mode, op + ": mode is null");
        Check.onStream(op, "x", x, stream);
        Check.onStream(op, "a", a, stream);
        Check.onStreamIfPresent(op, "maskA", maskA, stream);
        Check.onStream(op, "b", b, stream);
        Check.onStreamIfPresent(op, "maskB", maskB, stream);
        Check.dtype(op, "x", x, DType.F32, DType.BF16);
        Check.sameDtype(op, "a", a, "x", x);
        Check.sameDtype(op, "b", b, "x", x);

        Check.shape(op, "x", x, new String[] {"m", "k"}, new long[] {-1, -1}, "");
        long m = x.dim(0);
        long k = x.dim(1);
        String fromX = "x [m=" + m + ", k=" + k + "]";
        Check.shape(op, "a", a, new String[] {"r", "k"}, new long[] {a.rank() == 2 ? a.dim(0) : -1, k}, "from " + fromX);
        long r = a.dim(0);
        String fromA = "a [r=" + r + ", k=" + k + "]";
        if (maskA != null) {
            Check.dtype(op, "maskA", maskA, DType.U8);
            Check.shape(op, "maskA", maskA, new String[] {"r", "k"}, new long[] {r, k}, "from " + fromA);
        }
        Check.shape(op, "b", b, new String[] {"n", "r"}, new long[] {b.rank() == 2 ? b.dim(0) : -1, r}, "from " + fromA);
        long n = b.dim(0);
        String fromB = "b [n=" + n + ", r=" + r + "]";
        if (maskB != null) {
            Check.dtype(op, "maskB", maskB, DType.U8);
            Check.shape(op, "maskB", maskB, new String[] {"n", "r"}, new long[] {n, r}, "from " + fromB);
        }
        return new Dims(m, k, n, r, fromX, fromA, fromB);
    }

    /** A tensor of x's dtype on the stream with the given labelled shape. */
    private static void operand(String op, String name, Tensor t, Tensor x, Stream stream, String[] labels,
                                long[] dims, String from) {
        Check.onStream(op, name, t, stream);
        Check.sameDtype(op, name, t, "x", x);
        Check.shape(op, name, t, labels, dims, "from " + from);
    }

    private static MemorySegment segmentOrNull(Tensor t) {
        return t == null ? null : t.segment();
    }

    /** u = x·(a⊙ma)ᵀ [m×r]; y += scale·u·(b⊙mb)ᵀ [m×n]. */
    static void forward(Stream stream, float scale, Tensor x, Tensor a, Tensor maskA, Tensor b, Tensor maskB,
                        MaskMode mode, Tensor u, Tensor y) {
        final String op = "loraForward";
        Dims d = operands(op, stream, x, a, maskA, b, maskB, mode);
        operand(op, "u", u, x, stream, new String[] {"m", "r"}, new long[] {d.m, d.r}, d.fromX + " and " + d.fromA);
        operand(op, "y", y, x, stream, new String[] {"m", "n"}, new long[] {d.m, d.n}, d.fromX + " and " + d.fromB);
        LpNative.loraForward(stream.handle(), x.dtype().code(), d.m, d.k, d.n, d.r, scale, x.segment(), a.segment(),
                segmentOrNull(maskA), b.segment(), segmentOrNull(maskB), mode.code(), u.segment(), y.segment());
    }

    /** For each projection i of a group sharing x: u[i] = x·(a[i]⊙ma[i])ᵀ; y[i] += scale·u[i]·(b[i]⊙mb[i])ᵀ. */
    static void forwardGroup(Stream stream, float scale, Tensor x, Tensor[] a, Tensor[] maskA, Tensor[] b,
                             Tensor[] maskB, MaskMode mode, Tensor[] u, Tensor[] y) {
        final String op = "loraForwardGroup";
        Objects.requireNonNull(a, op + ": a is null");
        int count = a.length;
        if (count < 1 || count > GROUP_MAX) {
            throw new IllegalArgumentException(op + ": " + count + " projections, expected 1.." + GROUP_MAX);
        }
        for (Object[] array : new Object[][] {b, u, y, maskA == null ? a : maskA, maskB == null ? a : maskB}) {
            if (array == null || array.length != count) {
                throw new IllegalArgumentException(op + ": a, b, u, y (and maskA, maskB when given) must hold "
                        + count + " tensors each");
            }
        }
        long[] n = new long[count];
        MemorySegment[] as = new MemorySegment[count], bs = new MemorySegment[count], us = new MemorySegment[count],
                ys = new MemorySegment[count], mas = new MemorySegment[count], mbs = new MemorySegment[count];
        long r = -1;
        for (int i = 0; i < count; i++) {
            Tensor ma = maskA == null ? null : maskA[i], mb = maskB == null ? null : maskB[i];
            String item = op + " (projection " + i + ")";
            Dims d = operands(item, stream, x, a[i], ma, b[i], mb, mode);
            if (r >= 0 && d.r != r) {
                throw new IllegalArgumentException(op + ": projection " + i + " has rank " + d.r + ", projection 0 "
                        + r + " (one rank per group)");
            }
            r = d.r;
            operand(item, "u", u[i], x, stream, new String[] {"m", "r"}, new long[] {d.m, d.r},
                    d.fromX + " and " + d.fromA);
            operand(item, "y", y[i], x, stream, new String[] {"m", "n"}, new long[] {d.m, d.n},
                    d.fromX + " and " + d.fromB);
            n[i] = d.n;
            as[i] = a[i].segment();
            bs[i] = b[i].segment();
            us[i] = u[i].segment();
            ys[i] = y[i].segment();
            mas[i] = segmentOrNull(ma);
            mbs[i] = segmentOrNull(mb);
        }
        for (int i = 0; i < count; i++) {
            for (int j = 0; j < count; j++) {
                if (y[i] == x || u[i] == x || (i != j && (y[i] == y[j] || u[i] == u[j] || u[i] == y[j]))) {
                    throw new IllegalArgumentException(op + ": u and y of the projections must be distinct tensors, "
                            + "none of them x");
                }
            }
        }
        LpNative.loraForwardGroup(stream.handle(), x.dtype().code(), x.dim(0), x.dim(1), n, r, scale, x.segment(), as,
                maskA == null ? null : mas, bs, maskB == null ? null : mbs, mode.code(), us, ys);
    }

    /** Projections one {@link #forwardGroup} call takes at most (LP_LORA_GROUP_MAX). */
    static final int GROUP_MAX = 4;

    /** y = x·wᵀ (+ beta·y) + scale·(x·(a⊙ma)ᵀ)·(b⊙mb)ᵀ, w [n×k]. */
    static void linearForward(Stream stream, float scale, Tensor x, Tensor w, float beta, Tensor a, Tensor maskA,
                              Tensor b, Tensor maskB, MaskMode mode, Tensor u, Tensor y) {
        final String op = "loraLinearForward";
        Dims d = operands(op, stream, x, a, maskA, b, maskB, mode);
        operand(op, "w", w, x, stream, new String[] {"n", "k"}, new long[] {d.n, d.k}, d.fromX + " and " + d.fromB);
        operand(op, "u", u, x, stream, new String[] {"m", "r"}, new long[] {d.m, d.r}, d.fromX + " and " + d.fromA);
        operand(op, "y", y, x, stream, new String[] {"m", "n"}, new long[] {d.m, d.n}, d.fromX + " and " + d.fromB);
        LpNative.loraLinearForward(stream.handle(), x.dtype().code(), d.m, d.k, d.n, d.r, scale, x.segment(),
                w.segment(), beta, a.segment(), segmentOrNull(maskA), b.segment(), segmentOrNull(maskB), mode.code(),
                u.segment(), y.segment());
    }

    /**
     * The operands of both backward ops: those of {@link #operands}, then u [m×r], dy [m×n], g [m×r] of x's
     * dtype, dx [m×k] of x's dtype (nullable), da [r×k] F32 (nullable), db [n×r] F32 (nullable).
     */
    private static Dims backwardOperands(String op, Stream stream, Tensor x, Tensor a, Tensor maskA, Tensor b,
                                         Tensor maskB, MaskMode mode, Tensor u, Tensor dy, Tensor g, Tensor dx,
                                         Tensor da, Tensor db) {
        Dims d = operands(op, stream, x, a, maskA, b, maskB, mode);
        String xa = d.fromX + " and " + d.fromA;
        String xb = d.fromX + " and " + d.fromB;
        operand(op, "u", u, x, stream, new String[] {"m", "r"}, new long[] {d.m, d.r}, xa);
        operand(op, "dy", dy, x, stream, new String[] {"m", "n"}, new long[] {d.m, d.n}, xb);
        operand(op, "g", g, x, stream, new String[] {"m", "r"}, new long[] {d.m, d.r}, xa);
        if (dx != null) {
            operand(op, "dx", dx, x, stream, new String[] {"m", "k"}, new long[] {d.m, d.k}, d.fromX);
        }
        if (da != null) {
            Check.onStream(op, "da", da, stream);
            Check.dtype(op, "da", da, DType.F32);
            Check.shape(op, "da", da, new String[] {"r", "k"}, new long[] {d.r, d.k}, "from " + d.fromA);
        }
        if (db != null) {
            Check.onStream(op, "db", db, stream);
            Check.dtype(op, "db", db, DType.F32);
            Check.shape(op, "db", db, new String[] {"n", "r"}, new long[] {d.n, d.r}, "from " + d.fromB);
        }
        return d;
    }

    /** g = dy·B' [m×r]; dx += scale·g·A' [m×k]; da = scale·(gᵀ·x)⊙ma [r×k]; db = scale·(dyᵀ·u)⊙mb [n×r]. */
    static void backward(Stream stream, float scale, Tensor x, Tensor a, Tensor maskA, Tensor b, Tensor maskB,
                         MaskMode mode, Tensor u, Tensor dy, Tensor g, Tensor dx, Tensor da, Tensor db,
                         boolean accumulate) {
        Dims d = backwardOperands("loraBackward", stream, x, a, maskA, b, maskB, mode, u, dy, g, dx, da, db);
        LpNative.loraBackward(stream.handle(), x.dtype().code(), d.m, d.k, d.n, d.r, scale, x.segment(), a.segment(),
                segmentOrNull(maskA), b.segment(), segmentOrNull(maskB), mode.code(), u.segment(), dy.segment(),
                g.segment(), segmentOrNull(dx), segmentOrNull(da), segmentOrNull(db), accumulate ? 1 : 0);
    }

    /** As {@link #backward}, with dx = dy·w + scale·g·A' + betaDx·dx [m×k], w [n×k]. */
    static void linearBackward(Stream stream, float scale, Tensor x, Tensor w, Tensor a, Tensor maskA, Tensor b,
                               Tensor maskB, MaskMode mode, Tensor u, Tensor dy, Tensor g, float betaDx, Tensor dx,
                               Tensor da, Tensor db, boolean accumulate) {
        final String op = "loraLinearBackward";
        Dims d = backwardOperands(op, stream, x, a, maskA, b, maskB, mode, u, dy, g, dx, da, db);
        operand(op, "w", w, x, stream, new String[] {"n", "k"}, new long[] {d.n, d.k}, d.fromX + " and " + d.fromB);
        LpNative.loraLinearBackward(stream.handle(), x.dtype().code(), d.m, d.k, d.n, d.r, scale, x.segment(),
                w.segment(), a.segment(), segmentOrNull(maskA), b.segment(), segmentOrNull(maskB), mode.code(),
                u.segment(), dy.segment(), g.segment(), betaDx, segmentOrNull(dx), segmentOrNull(da),
                segmentOrNull(db), accumulate ? 1 : 0);
    }
}
