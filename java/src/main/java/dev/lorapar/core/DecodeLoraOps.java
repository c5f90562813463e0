package dev.lorapar.core;

import dev.lorapar.core.ffi.LpNative;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * Argument checks for the LoRA ops a decode step fuses with its neighbours: the RMSNorm that carries the down
 * projections of the group reading its output, and the up projections of a group whose u are already computed.
 */
final class DecodeLoraOps {
    private DecodeLoraOps() {
    }

    /** y = RMSNorm(x)·w, rstd; u[i] = y·a[i]ᵀ for the group's unmasked down projections a[i] [r×dim]. */
    static void rmsnormLoraDown(Stream stream, float eps, Tensor x, Tensor w, Tensor y, Tensor rstd, Tensor[] a,
                                Tensor[] u) {
        final String op = "rmsnormLoraDown";
        Check.stream(op, stream);
        Objects.requireNonNull(a, op + ": a is null");
        Objects.requireNonNull(u, op + ": u is null");
        Check.onStream(op, "x", x, stream);
        Check.dtype(op, "x", x, DType.F32, DType.BF16);
        Check.shape(op, "x", x, new String[] {"rows", "dim"}, new long[] {-1, -1}, "");
        long rows = x.dim(0), dim = x.dim(1);
        if (dim < 1) {
            throw new IllegalArgumentException(op + ": x has shape [" + rows + ", 0], expected dim >= 1");
        }
        Check.inRange(op, "eps", eps, 0, Float.MAX_VALUE);
        String from = "from x [rows=" + rows + ", dim=" + dim + "]";
        tensor(op, "w", w, x, stream, new String[] {"dim"}, new long[] {dim}, from);
        tensor(op, "y", y, x, stream, new String[] {"rows", "dim"}, new long[] {rows, dim}, from);
        Check.onStream(op, "rstd", rstd, stream);
        Check.dtype(op, "rstd", rstd, DType.F32);
        Check.shape(op, "rstd", rstd, new String[] {"rows"}, new long[] {rows}, from);
        int count = a.length;
        if (count > LoraOps.GROUP_MAX || u.length != count) {
            throw new IllegalArgumentException(op + ": " + count + " down projections and " + u.length
                    + " outputs, expected as many of each, at most " + LoraOps.GROUP_MAX);
        }
        long r = count == 0 || a[0] == null || a[0].rank() != 2 ? -1 : a[0].dim(0);
        MemorySegment[] as = new MemorySegment[count], us = new MemorySegment[count];
        for (int i = 0; i < count; i++) {
            String item = op + " (projection " + i + ")";
            tensor(item, "a", a[i], x, stream, new String[] {"r", "dim"}, new long[] {r, dim}, from
                    + " and projection 0's rank");
            tensor(item, "u", u[i], x, stream, new String[] {"rows", "r"}, new long[] {rows, r}, from + " and a");
            as[i] = a[i].segment();
            us[i] = u[i].segment();
        }
        for (int i = 0; i < count; i++) {
            if (u[i] == x || u[i] == y) {
                throw new IllegalArgumentException(op + ": u[" + i + "] is x or y");
            }
            for (int j = 0; j < i; j++) {
                if (u[i] == u[j]) {
                    throw new IllegalArgumentException(op + ": u[" + j + "] and u[" + i + "] are one tensor");
                }
            }
        }
        if (y == x) {
            throw new IllegalArgumentException(op + ": y is x (the normalisation cannot run in place)");
        }
        LpNative.rmsnormLoraDown(stream.handle(), x.dtype().code(), rows, dim, eps, x.segment(), w.segment(),
                y.segment(), rstd.segment(), Math.max(r, 0), as, us);
    }

    /** y[i] += scale·u[i]·b[i]ᵀ for a group: u[i] [m×r], b[i] [n_i×r], y[i] [m×n_i], one dtype, no masks. */
    static void loraUpGroup(Stream stream, float scale, Tensor[] u, Tensor[] b, Tensor[] y) {
        final String op = "loraUpGroup";
        Check.stream(op, stream);
        Objects.requireNonNull(u, op + ": u is null");
        int count = u.length;
        if (count < 1 || count > LoraOps.GROUP_MAX || b == null || y == null || b.length != count
                || y.length != count) {
            throw new IllegalArgumentException(op + ": u, b and y must hold 1.." + LoraOps.GROUP_MAX
                    + " tensors each, as many of each");
        }
        if (!Float.isFinite(scale)) {
            throw new IllegalArgumentException(op + ": scale = " + scale + ", expected a finite value");
        }
        Tensor u0 = u[0];
        Check.onStream(op, "u[0]", u0, stream);
        Check.dtype(op, "u[0]", u0, DType.F32, DType.BF16);
        Check.shape(op, "u[0]", u0, new String[] {"m", "r"}, new long[] {-1, -1}, "");
        long m = u0.dim(0), r = u0.dim(1);
        String from = "from u[0] [m=" + m + ", r=" + r + "]";
        long[] n = new long[count];
        MemorySegment[] bs = new MemorySegment[count], us = new MemorySegment[count], ys = new MemorySegment[count];
        for (int i = 0; i < count; i++) {
            String item = op + " (projection " + i + ")";
            tensor(item, "u", u[i], u0, stream, new String[] {"m", "r"}, new long[] {m, r}, from);
            tensor(item, "b", b[i], u0, stream, new String[] {"n", "r"}, new long[] {-1, r}, from);
            n[i] = b[i].dim(0);
            tensor(item, "y", y[i], u0, stream, new String[] {"m", "n"}, new long[] {m, n[i]}, from + " and b");
            bs[i] = b[i].segment();
            us[i] = u[i].segment();
            ys[i] = y[i].segment();
        }
        for (int i = 0; i < count; i++) {
            for (int j = 0; j < count; j++) {
                if (y[i] == u[j] || (i != j && y[i] == y[j])) {
                    throw new IllegalArgumentException(op + ": the y must be distinct tensors, none of them a u");
                }
            }
        }
        LpNative.loraUpGroup(stream.handle(), u0.dtype().code(), m, n, r, scale, bs, us, ys);
    }

    /** t on the stream, of ref's dtype, with the labelled shape (negative dims: any). */
    private static void tensor(String op, String name, Tensor t, Tensor ref, Stream stream, String[] labels,
                               long[] dims, String from) {
        Check.onStream(op, name, t, stream);
        Check.sameDtype(op, name, t, "the first operand", ref);
        Check.shape(op, name, t, labels, dims, from);
    }
}
