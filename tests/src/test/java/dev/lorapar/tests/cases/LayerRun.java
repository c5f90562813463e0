package dev.lorapar.tests.cases;

import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.core.Ops;
import dev.lorapar.core.Tensor;
import dev.lorapar.tests.support.TensorScope;

/**
 * Runs one LLaMA layer op on a device from host arrays and returns its outputs as floats. Every output
 * is poisoned with NaN before the call (unless the op reads it: accumulated gradients, in-place data),
 * so an element the op forgets to write fails the finiteness check first.
 */
public final class LayerRun {
    private LayerRun() {}

    public static float[] ints(int[] v) {
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) out[i] = v[i];
        return out;
    }

    private static Tensor ids(TensorScope s, int[] v, long... shape) { return s.of(DType.I32, ints(v), shape); }

    /** out [tokens×dim]. */
    public static float[] embeddingForward(Device dev, DType dt, int[] ids, float[] table, int vocab, int dim) {
        try (TensorScope s = new TensorScope(dev)) {
            Tensor out = s.poisoned(dt, ids.length, dim);
            Ops.embeddingForward(s.stream(), ids(s, ids, ids.length), s.of(dt, table, vocab, dim), out);
            return s.read(out);
        }
    }

    /** dTable [vocab×dim] f32 = dTable0 + scatter of dOut [tokens×dim]. */
    public static float[] embeddingBackward(Device dev, DType dt, int[] ids, float[] dOut, float[] dTable0, int vocab,
                                            int dim) {
        try (TensorScope s = new TensorScope(dev)) {
            Tensor dTable = s.of(DType.F32, dTable0, vocab, dim);
            Ops.embeddingBackward(s.stream(), ids(s, ids, ids.length), s.of(dt, dOut, ids.length, dim), dTable);
            return s.read(dTable);
        }
    }

    /** {y [rows×dim], rstd [rows]}. */
    public static float[][] rmsnormForward(Device dev, DType dt, float[] x, float[] w, int rows, int dim, float eps) {
        try (TensorScope s = new TensorScope(dev)) {
            Tensor y = s.poisoned(dt, rows, dim), rstd = s.poisoned(DType.F32, rows);
            Ops.rmsnormForward(s.stream(), eps, s.of(dt, x, rows, dim), s.of(dt, w, dim), y, rstd);
            return new float[][] {s.read(y), s.read(rstd)};
        }
    }

    /**
     * {dx, dw}: rstd from the device's own forward; dx0 null = dx poisoned and overwritten, else accumulated
     * onto; dw starts at dw0 (null: dw skipped, returned null); wantDx false passes dx = null (returned null).
     */
    public static float[][] rmsnormBackward(Device dev, DType dt, float[] x, float[] w, float[] dy, int rows, int dim,
                                            float eps, boolean wantDx, float[] dx0, float[] dw0) {
        try (TensorScope s = new TensorScope(dev)) {
            Tensor xt = s.of(dt, x, rows, dim), wt = s.of(dt, w, dim);
            Tensor rstd = s.poisoned(DType.F32, rows);
            Ops.rmsnormForward(s.stream(), eps, xt, wt, s.poisoned(dt, rows, dim), rstd);
            Tensor dx = !wantDx ? null : dx0 == null ? s.poisoned(dt, rows, dim) : s.of(dt, dx0, rows, dim);
            Tensor dw = dw0 == null ? null : s.of(DType.F32, dw0, dim);
            Ops.rmsnormBackward(s.stream(), xt, wt, rstd, s.of(dt, dy, rows, dim), dx, dw, dx0 != null);
            return new float[][] {dx == null ? null : s.read(dx), dw == null ? null : s.read(dw)};
        }
    }

    /** x [tokens×heads×headDim] after lp_rope (then, when roundTrip, after the inverse rotation too). */
    public static float[] rope(Device dev, DType dt, float[] x, int[] positions, int heads, int headDim, double theta,
                               Ops.RopeKind kind, boolean inverse, boolean roundTrip) {
        try (TensorScope s = new TensorScope(dev)) {
            Tensor xt = s.of(dt, x, positions.length, heads, headDim);
            Tensor pos = ids(s, positions, positions.length);
            Ops.rope(s.stream(), xt, pos, theta, kind, inverse);
            if (roundTrip) Ops.rope(s.stream(), xt, pos, theta, kind, !inverse);
            return s.read(xt);
        }
    }

    /** out [n]; inPlace writes into up. */
    public static float[] swigluForward(Device dev, DType dt, float[] gate, float[] up, boolean inPlace) {
        try (TensorScope s = new TensorScope(dev)) {
            Tensor u = s.of(dt, up, up.length);
            Tensor out = inPlace ? u : s.poisoned(dt, up.length);
            Ops.swigluForward(s.stream(), s.of(dt, gate, gate.length), u, out);
            return s.read(out);
        }
    }

    /** {dGate, dUp}; inPlace writes them into gate and up. */
    public static float[][] swigluBackward(Device dev, DType dt, float[] gate, float[] up, float[] dOut,
                                           boolean inPlace) {
        try (TensorScope s = new TensorScope(dev)) {
            int n = gate.length;
            Tensor g = s.of(dt, gate, n), u = s.of(dt, up, n);
            Tensor dg = inPlace ? g : s.poisoned(dt, n), du = inPlace ? u : s.poisoned(dt, n);
            Ops.swigluBackward(s.stream(), g, u, s.of(dt, dOut, n), dg, du);
            return new float[][] {s.read(dg), s.read(du)};
        }
    }

    /** One attention problem: q [batch×seq×nHeads×headDim], k, v [batch×seq×nKvHeads×headDim]. */
    public record AttnCase(int batch, int seq, int nHeads, int nKvHeads, int headDim, float scale, int[] segmentIds,
                           float[] q, float[] k, float[] v, float[] dOut) {
        long[] qShape() { return new long[] {batch, seq, nHeads, headDim}; }

        long[] kvShape() { return new long[] {batch, seq, nKvHeads, headDim}; }
    }

    /** {out, lse} of the forward, then (when backward) {.., dq, dk, dv} from the same device's out and lse. */
    public static float[][] attention(Device dev, DType dt, AttnCase c, boolean backward) {
        try (TensorScope s = new TensorScope(dev)) {
            Tensor q = s.of(dt, c.q, c.qShape()), k = s.of(dt, c.k, c.kvShape()), v = s.of(dt, c.v, c.kvShape());
            Tensor seg = c.segmentIds == null ? null : ids(s, c.segmentIds, c.batch, c.seq);
            Tensor out = s.poisoned(dt, c.qShape()), lse = s.poisoned(DType.F32, c.batch, c.nHeads, c.seq);
            Ops.attentionForward(s.stream(), c.scale, q, k, v, seg, out, lse);
            if (!backward) return new float[][] {s.read(out), s.read(lse)};
            Tensor dq = s.poisoned(dt, c.qShape()), dk = s.poisoned(dt, c.kvShape()), dv = s.poisoned(dt, c.kvShape());
            Ops.attentionBackward(s.stream(), c.scale, q, k, v, seg, out, lse, s.of(dt, c.dOut, c.qShape()), dq, dk, dv);
            return new float[][] {s.read(out), s.read(lse), s.read(dq), s.read(dk), s.read(dv)};
        }
    }

    /** {losses [tokens], logits after the call [tokens×vocab] (the gradient when gradScale != 0)}. */
    public static float[][] crossEntropy(Device dev, DType dt, float[] logits, int[] targets, float[] weights,
                                         int vocab, float gradScale) {
        try (TensorScope s = new TensorScope(dev)) {
            int tokens = targets.length;
            Tensor lg = s.of(dt, logits, tokens, vocab), losses = s.poisoned(DType.F32, tokens);
            Tensor w = weights == null ? null : s.of(DType.F32, weights, tokens);
            Ops.crossEntropy(s.stream(), lg, ids(s, targets, tokens), w, gradScale, losses);
            return new float[][] {s.read(losses), s.read(lg)};
        }
    }
}
