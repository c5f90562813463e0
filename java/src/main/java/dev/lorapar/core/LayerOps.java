package dev.lorapar.core;

import dev.lorapar.core.ffi.LpNative;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/** Validation and dispatch of the LLaMA layer ops behind {@link Ops}. */
final class LayerOps {
    private LayerOps() {
    }

    private static MemorySegment segmentOrNull(Tensor t) {
        return t == null ? null : t.segment();
    }

    /** t on the stream, of dtype, with the given labelled shape (negative dims: any). */
    private static void arg(String op, String name, Tensor t, Stream stream, DType dtype, String[] labels, long[] dims,
                            String from) {
        Check.onStream(op, name, t, stream);
        Check.dtype(op, name, t, dtype);
        Check.shape(op, name, t, labels, dims, from);
    }

    /** A rank-1 I32 tensor of n entries (n < 0: any) on the stream. */
    private static void indices(String op, String name, Tensor t, Stream stream, String label, long n, String from) {
        arg(op, name, t, stream, DType.I32, new String[] {label}, new long[] {n}, from);
    }

    // ------------------------------------------------------------------ embedding

    static void embeddingForward(Stream stream, Tensor ids, Tensor table, Tensor out) {
        final String op = "embeddingForward";
        Check.stream(op, stream);
        Check.onStream(op, "table", table, stream);
        Check.dtype(op, "table", table, DType.F32, DType.BF16);
        Check.shape(op, "table", table, new String[] {"vocab", "dim"}, new long[] {-1, -1}, "");
        long vocab = table.dim(0);
        long dim = table.dim(1);
        indices(op, "ids", ids, stream, "tokens", -1, "");
        long tokens = ids.dim(0);
        arg(op, "out", out, stream, table.dtype(), new String[] {"tokens", "dim"}, new long[] {tokens, dim},
                "from ids [tokens=" + tokens + "] and table [vocab=" + vocab + ", dim=" + dim + "]");
        LpNative.embeddingForward(stream.handle(), table.dtype().code(), tokens, vocab, dim, ids.segment(),
                table.segment(), out.segment());
    }

    static void embeddingBackward(Stream stream, Tensor ids, Tensor dOut, Tensor dTable) {
        final String op = "embeddingBackward";
        Check.stream(op, stream);
        Check.onStream(op, "dOut", dOut, stream);
        Check.dtype(op, "dOut", dOut, DType.F32, DType.BF16);
        Check.shape(op, "dOut", dOut, new String[] {"tokens", "dim"}, new long[] {-1, -1}, "");
        long tokens = dOut.dim(0);
        long dim = dOut.dim(1);
        String from = "from dOut [tokens=" + tokens + ", dim=" + dim + "]";
        indices(op, "ids", ids, stream, "tokens", tokens, from);
        arg(op, "dTable", dTable, stream, DType.F32, new String[] {"vocab", "dim"}, new long[] {-1, dim}, from);
        LpNative.embeddingBackward(stream.handle(), dOut.dtype().code(), tokens, dTable.dim(0), dim, ids.segment(),
                dOut.segment(), dTable.segment());
    }

    // ------------------------------------------------------------------ RMSNorm

    /** x [rows×dim] F32/BF16 with dim ≥ 1, w [dim] of x's dtype; returns "x [rows=…, dim=…]". */
    private static String normInput(String op, Stream stream, Tensor x, Tensor w) {
        Check.stream(op, stream);
        Check.onStream(op, "x", x, stream);
        Check.dtype(op, "x", x, DType.F32, DType.BF16);
        Check.shape(op, "x", x, new String[] {"rows", "dim"}, new long[] {-1, -1}, "");
        if (x.dim(1) < 1) {
            throw new IllegalArgumentException(op + ": x has shape [" + x.dim(0) + ", 0], expected dim >= 1");
        }
        String from = "from x [rows=" + x.dim(0) + ", dim=" + x.dim(1) + "]";
        arg(op, "w", w, stream, x.dtype(), new String[] {"dim"}, new long[] {x.dim(1)}, from);
        return from;
    }

    static void rmsnormForward(Stream stream, float eps, Tensor x, Tensor w, Tensor y, Tensor rstd) {
        final String op = "rmsnormForward";
        String from = normInput(op, stream, x, w);
        Check.inRange(op, "eps", eps, 0, Float.MAX_VALUE);
        arg(op, "y", y, stream, x.dtype(), new String[] {"rows", "dim"}, new long[] {x.dim(0), x.dim(1)}, from);
        arg(op, "rstd", rstd, stream, DType.F32, new String[] {"rows"}, new long[] {x.dim(0)}, from);
        LpNative.rmsnormForward(stream.handle(), x.dtype().code(), x.dim(0), x.dim(1), eps, x.segment(), w.segment(),
                y.segment(), rstd.segment());
    }

    static void rmsnormBackward(Stream stream, Tensor x, Tensor w, Tensor rstd, Tensor dy, Tensor dx, Tensor dw,
                                boolean accumulateDx) {
        final String op = "rmsnormBackward";
        String from = normInput(op, stream, x, w);
        long[] xShape = {x.dim(0), x.dim(1)};
        String[] xLabels = {"rows", "dim"};
        arg(op, "rstd", rstd, stream, DType.F32, new String[] {"rows"}, new long[] {x.dim(0)}, from);
        arg(op, "dy", dy, stream, x.dtype(), xLabels, xShape, from);
        if (dx != null) {
            arg(op, "dx", dx, stream, x.dtype(), xLabels, xShape, from);
        }
        if (dw != null) {
            arg(op, "dw", dw, stream, DType.F32, new String[] {"dim"}, new long[] {x.dim(1)}, from);
        }
        LpNative.rmsnormBackward(stream.handle(), x.dtype().code(), x.dim(0), x.dim(1), x.segment(), w.segment(),
                rstd.segment(), dy.segment(), segmentOrNull(dx), segmentOrNull(dw), accumulateDx ? 1 : 0);
    }

    // ------------------------------------------------------------------ RoPE

    static void rope(Stream stream, Tensor x, Tensor positions, double theta, Ops.RopeKind kind, boolean inverse) {
        final String op = "rope";
        Check.stream(op, stream);
        Objects.requireNonNull(kind, op + ": kind is null");
        Check.onStream(op, "x", x, stream);
        Check.dtype(op, "x", x, DType.F32, DType.BF16);
        Check.shape(op, "x", x, new String[] {"tokens", "heads", "headDim"}, new long[] {-1, -1, -1}, "");
        long headDim = x.dim(2);
        if (headDim < 2 || headDim % 2 != 0) {
            throw new IllegalArgumentException(op + ": x has headDim = " + headDim + ", expected an even value >= 2");
        }
        if (!(theta > 0) || !Double.isFinite(theta)) {
            throw new IllegalArgumentException(op + ": theta = " + theta + ", expected a finite value > 0");
        }
        indices(op, "positions", positions, stream, "tokens", x.dim(0),
                "from x [tokens=" + x.dim(0) + ", heads=" + x.dim(1) + ", headDim=" + headDim + "]");
        LpNative.rope(stream.handle(), x.dtype().code(), x.dim(0), x.dim(1), headDim, positions.segment(), theta,
                kind.code(), inverse ? 1 : 0, x.segment());
    }

    // ------------------------------------------------------------------ SwiGLU

    /** gate F32/BF16; each other tensor of gate's dtype and numel. */
    private static void elementwise(String op, Stream stream, Tensor gate, String[] names, Tensor... others) {
        Check.stream(op, stream);
        Check.onStream(op, "gate", gate, stream);
        Check.dtype(op, "gate", gate, DType.F32, DType.BF16);
        for (int i = 0; i < others.length; i++) {
            Check.onStream(op, names[i], others[i], stream);
            Check.sameDtype(op, names[i], others[i], "gate", gate);
            Check.sameNumel(op, names[i], others[i], "gate", gate);
        }
    }

    static void swigluForward(Stream stream, Tensor gate, Tensor up, Tensor out) {
        elementwise("swigluForward", stream, gate, new String[] {"up", "out"}, up, out);
        LpNative.swigluForward(stream.handle(), gate.dtype().code(), gate.numel(), gate.segment(), up.segment(),
                out.segment());
    }

    static void swigluBackward(Stream stream, Tensor gate, Tensor up, Tensor dOut, Tensor dGate, Tensor dUp) {
        elementwise("swigluBackward", stream, gate, new String[] {"up", "dOut", "dGate", "dUp"}, up, dOut, dGate,
                dUp);
        LpNative.swigluBackward(stream.handle(), gate.dtype().code(), gate.numel(), gate.segment(), up.segment(),
                dOut.segment(), dGate.segment(), dUp.segment());
    }

    // ------------------------------------------------------------------ attention

    /** The attention geometry read from q [batch×seq×nHeads×headDim] and k [batch×seq×nKvHeads×headDim]. */
    private record Geometry(long batch, long seq, long nHeads, long nKvHeads, long headDim, String fromQ,
                            String fromK) {
    }

    private static final String[] Q_LABELS = {"batch", "seq", "nHeads", "headDim"};
    private static final String[] KV_LABELS = {"batch", "seq", "nKvHeads", "headDim"};

    /** q, k, v, segmentIds (nullable), out, lse checked; returns the geometry. */
    private static Geometry attentionInputs(String op, Stream stream, float scale, Tensor q, Tensor k, Tensor v,
                                            Tensor segmentIds, Tensor out, Tensor lse) {
        Check.stream(op, stream);
        Check.onStream(op, "q", q, stream);
        Check.dtype(op, "q", q, DType.F32, DType.BF16);
        Check.shape(op, "q", q, Q_LABELS, new long[] {-1, -1, -1, -1}, "");
        long batch = q.dim(0);
        long seq = q.dim(1);
        long nHeads = q.dim(2);
        long headDim = q.dim(3);
        String fromQ = "from q [batch=" + batch + ", seq=" + seq + ", nHeads=" + nHeads + ", headDim=" + headDim + "]";
        if (nHeads < 1 || headDim < 1) {
            throw new IllegalArgumentException(op + ": q has nHeads = " + nHeads + ", headDim = " + headDim
                    + ", expected both >= 1");
        }
        arg(op, "k", k, stream, q.dtype(), KV_LABELS, new long[] {batch, seq, -1, headDim}, fromQ);
        long nKvHeads = k.dim(2);
        if (nKvHeads < 1 || nHeads % nKvHeads != 0) {
            throw new IllegalArgumentException(op + ": k has nKvHeads = " + nKvHeads
                    + ", expected a divisor of nHeads = " + nHeads + " (" + fromQ + ")");
        }
        String fromK = "from k [batch=" + batch + ", seq=" + seq + ", nKvHeads=" + nKvHeads + ", headDim=" + headDim
                + "]";
        arg(op, "v", v, stream, q.dtype(), KV_LABELS, new long[] {batch, seq, nKvHeads, headDim}, fromK);
        if (segmentIds != null) {
            arg(op, "segmentIds", segmentIds, stream, DType.I32, new String[] {"batch", "seq"},
                    new long[] {batch, seq}, fromQ);
        }
        arg(op, "out", out, stream, q.dtype(), Q_LABELS, new long[] {batch, seq, nHeads, headDim}, fromQ);
        arg(op, "lse", lse, stream, DType.F32, new String[] {"batch", "nHeads", "seq"}, new long[] {batch, nHeads, seq},
                fromQ);
        if (!Float.isFinite(scale)) {
            throw new IllegalArgumentException(op + ": scale = " + scale + ", expected a finite value");
        }
        return new Geometry(batch, seq, nHeads, nKvHeads, headDim, fromQ, fromK);
    }

    static void attentionForward(Stream stream, float scale, Tensor q, Tensor k, Tensor v, Tensor segmentIds,
                                 Tensor out, Tensor lse) {
        Geometry g = attentionInputs("attentionForward", stream, scale, q, k, v, segmentIds, out, lse);
        LpNative.attentionForward(stream.handle(), q.dtype().code(), g.batch, g.seq, g.nHeads, g.nKvHeads, g.headDim,
                scale, q.segment(), k.segment(), v.segment(), segmentOrNull(segmentIds), out.segment(),
                lse.segment());
    }

    static void attentionBackward(Stream stream, float scale, Tensor q, Tensor k, Tensor v, Tensor segmentIds,
                                  Tensor out, Tensor lse, Tensor dOut, Tensor dq, Tensor dk, Tensor dv) {
        final String op = "attentionBackward";
        Geometry g = attentionInputs(op, stream, scale, q, k, v, segmentIds, out, lse);
        long[] qShape = {g.batch, g.seq, g.nHeads, g.headDim};
        long[] kvShape = {g.batch, g.seq, g.nKvHeads, g.headDim};
        arg(op, "dOut", dOut, stream, q.dtype(), Q_LABELS, qShape, g.fromQ);
        arg(op, "dq", dq, stream, q.dtype(), Q_LABELS, qShape, g.fromQ);
        arg(op, "dk", dk, stream, q.dtype(), KV_LABELS, kvShape, g.fromK);
        arg(op, "dv", dv, stream, q.dtype(), KV_LABELS, kvShape, g.fromK);
        LpNative.attentionBackward(stream.handle(), q.dtype().code(), g.batch, g.seq, g.nHeads, g.nKvHeads, g.headDim,
                scale, q.segment(), k.segment(), v.segment(), segmentOrNull(segmentIds), out.segment(),
                lse.segment(), dOut.segment(), dq.segment(), dk.segment(), dv.segment());
    }

    // ------------------------------------------------------------------ cross-entropy

    static void crossEntropy(Stream stream, Tensor logits, Tensor targets, Tensor weights, float gradScale,
                             Tensor losses) {
        final String op = "crossEntropy";
        Check.stream(op, stream);
        Check.onStream(op, "logits", logits, stream);
        Check.dtype(op, "logits", logits, DType.F32, DType.BF16);
        Check.shape(op, "logits", logits, new String[] {"tokens", "vocab"}, new long[] {-1, -1}, "");
        long tokens = logits.dim(0);
        long vocab = logits.dim(1);
        String from = "from logits [tokens=" + tokens + ", vocab=" + vocab + "]";
        if (vocab < 1) {
            throw new IllegalArgumentException(op + ": logits has vocab = 0, expected >= 1");
        }
        if (!Float.isFinite(gradScale)) {
            throw new IllegalArgumentException(op + ": gradScale = " + gradScale + ", expected a finite value");
        }
        indices(op, "targets", targets, stream, "tokens", tokens, from);
        if (weights != null) {
            arg(op, "weights", weights, stream, DType.F32, new String[] {"tokens"}, new long[] {tokens}, from);
        }
        arg(op, "losses", losses, stream, DType.F32, new String[] {"tokens"}, new long[] {tokens}, from);
        LpNative.crossEntropy(stream.handle(), logits.dtype().code(), tokens, vocab, logits.segment(),
                targets.segment(), segmentOrNull(weights), gradScale, losses.segment());
    }
}
