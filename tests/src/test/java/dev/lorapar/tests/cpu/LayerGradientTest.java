package dev.lorapar.tests.cpu;

import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.tests.cases.LayerInputs;
import dev.lorapar.tests.cases.LayerRun;
import dev.lorapar.tests.cases.LayerRun.AttnCase;
import dev.lorapar.tests.reference.LayerRef;
import dev.lorapar.tests.support.Numerics;
import dev.lorapar.tests.support.Rng;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * Finite-difference checks of the backward formulas on tiny sizes, for L = Σ r ⊙ forward(inputs) with a
 * random r (cross-entropy: L = Σ losses): (1) LayerRef's backward against the central difference of
 * LayerRef's forward in double (h = 1e-6, within 1e-6); (2) the CPU op's backward against the central
 * difference of the CPU op's forward in f32 (h = 1e-2, within 1e-2: truncation and f32 rounding).
 */
class LayerGradientTest {
    static final Device CPU = Device.CPU;

    /** ∂L/∂x by central differences of L at x (x is restored afterwards). */
    static double[] numeric(ToDoubleFunction<double[]> loss, double[] x, double h) {
        double[] g = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            double keep = x[i];
            x[i] = keep + h;
            double up = loss.applyAsDouble(x);
            x[i] = keep - h;
            double down = loss.applyAsDouble(x);
            x[i] = keep;
            g[i] = (up - down) / (2 * h);
        }
        return g;
    }

    /** As {@link #numeric}, on float inputs evaluated by an f32 op. */
    static double[] numericF32(ToDoubleFunction<float[]> loss, float[] x, float h) {
        double[] xd = Numerics.toDouble(x);
        return numeric(v -> loss.applyAsDouble(toFloat(v)), xd, h);
    }

    static float[] toFloat(double[] v) {
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) out[i] = (float) v[i];
        return out;
    }

    static double dot(double[] r, double[] y) {
        double s = 0;
        for (int i = 0; i < y.length; i++) s += r[i] * y[i];
        return s;
    }

    static double dot(double[] r, float[] y) { return dot(r, Numerics.toDouble(y)); }

    static void close(String name, float[] got, double[] numeric, double tol, String ctx) {
        Numerics.assertClose(name, got, numeric, tol, ctx);
    }

    static void close(String name, double[] analytic, double[] numeric, double tol, String ctx) {
        Numerics.assertClose(name, toFloat(analytic), numeric, Math.max(tol, 1e-6), ctx);
    }

    @Test
    void rmsnorm(TestInfo info) {
        Rng rng = Rng.forTest(info);
        int rows = 3, dim = 5;
        double eps = 1e-5;
        float[] x = rng.gaussian(rows * dim, 1), w = rng.gaussian(dim, 1);
        double[] r = Numerics.toDouble(rng.gaussian(rows * dim, 1));
        double[] xd = Numerics.toDouble(x), wd = Numerics.toDouble(w);
        double[][] ref = LayerRef.rmsnormBackward(xd, wd, r, rows, dim, eps);
        String ctx = rng.tag();
        close("ref dx", ref[0], numeric(v -> dot(r, LayerRef.rmsnormForward(v, wd, rows, dim, eps)), xd.clone(), 1e-6), 1e-6, ctx);
        close("ref dw", ref[1], numeric(v -> dot(r, LayerRef.rmsnormForward(xd, v, rows, dim, eps)), wd.clone(), 1e-6), 1e-6, ctx);
        float[][] b = LayerRun.rmsnormBackward(CPU, DType.F32, x, w, toFloat(r), rows, dim, (float) eps, true, null,
                new float[dim]);
        close("cpu dx", b[0], numericF32(v -> dot(r, LayerRun.rmsnormForward(CPU, DType.F32, v, w, rows, dim,
                (float) eps)[0]), x, 1e-2f), 1e-2, ctx);
        close("cpu dw", b[1], numericF32(v -> dot(r, LayerRun.rmsnormForward(CPU, DType.F32, x, v, rows, dim,
                (float) eps)[0]), w, 1e-2f), 1e-2, ctx);
    }

    @Test
    void swiglu(TestInfo info) {
        Rng rng = Rng.forTest(info);
        int n = 11;
        float[] gate = rng.gaussian(n, 3), up = rng.gaussian(n, 1);
        double[] r = Numerics.toDouble(rng.gaussian(n, 1));
        double[] gd = Numerics.toDouble(gate), ud = Numerics.toDouble(up);
        double[][] ref = LayerRef.swigluBackward(gd, ud, r);
        String ctx = rng.tag();
        close("ref dGate", ref[0], numeric(v -> dot(r, LayerRef.swigluForward(v, ud)), gd.clone(), 1e-6), 1e-6, ctx);
        close("ref dUp", ref[1], numeric(v -> dot(r, LayerRef.swigluForward(gd, v)), ud.clone(), 1e-6), 1e-6, ctx);
        float[][] b = LayerRun.swigluBackward(CPU, DType.F32, gate, up, toFloat(r), false);
        close("cpu dGate", b[0], numericF32(v -> dot(r, LayerRun.swigluForward(CPU, DType.F32, v, up, false)), gate,
                1e-2f), 1e-2, ctx);
        close("cpu dUp", b[1], numericF32(v -> dot(r, LayerRun.swigluForward(CPU, DType.F32, gate, v, false)), up,
                1e-2f), 1e-2, ctx);
    }

    @Test
    void attention(TestInfo info) {
        Rng rng = Rng.forTest(info);
        for (boolean packed : new boolean[] {false, true}) {
            AttnCase c = LayerInputs.attention(rng, DType.F32, 2, 4, 4, 2, 3, packed);
            LayerRef.Attn a = LayerOpsTest.geometry(c);
            double[] q = Numerics.toDouble(c.q()), k = Numerics.toDouble(c.k()), v = Numerics.toDouble(c.v());
            double[] r = Numerics.toDouble(c.dOut());
            double[] out = LayerRef.attentionForward(a, q, k, v)[0];
            double[][] ref = LayerRef.attentionBackward(a, q, k, v, out, r);
            String ctx = (packed ? "packed " : "") + rng.tag();
            close("ref dq", ref[0], numeric(x -> dot(r, LayerRef.attentionForward(a, x, k, v)[0]), q.clone(), 1e-6), 1e-6, ctx);
            close("ref dk", ref[1], numeric(x -> dot(r, LayerRef.attentionForward(a, q, x, v)[0]), k.clone(), 1e-6), 1e-6, ctx);
            close("ref dv", ref[2], numeric(x -> dot(r, LayerRef.attentionForward(a, q, k, x)[0]), v.clone(), 1e-6), 1e-6, ctx);
            float[][] got = LayerRun.attention(CPU, DType.F32, c, true);
            close("cpu dq", got[2], numericF32(x -> dot(r, LayerRun.attention(CPU, DType.F32, with(c, x, c.k(), c.v()),
                    false)[0]), c.q(), 1e-2f), 1e-2, ctx);
            close("cpu dk", got[3], numericF32(x -> dot(r, LayerRun.attention(CPU, DType.F32, with(c, c.q(), x, c.v()),
                    false)[0]), c.k(), 1e-2f), 1e-2, ctx);
            close("cpu dv", got[4], numericF32(x -> dot(r, LayerRun.attention(CPU, DType.F32, with(c, c.q(), c.k(), x),
                    false)[0]), c.v(), 1e-2f), 1e-2, ctx);
        }
    }

    static AttnCase with(AttnCase c, float[] q, float[] k, float[] v) {
        return new AttnCase(c.batch(), c.seq(), c.nHeads(), c.nKvHeads(), c.headDim(), c.scale(), c.segmentIds(), q, k,
                v, c.dOut());
    }

    @Test
    void crossEntropy(TestInfo info) {
        Rng rng = Rng.forTest(info);
        int tokens = 4, vocab = 7;
        float[] logits = rng.gaussian(tokens * vocab, 2), w = rng.uniform(tokens, 0.5f, 2f);
        int[] targets = {3, -1, 0, 6};
        double[] ld = Numerics.toDouble(logits), wd = Numerics.toDouble(w);
        double[] ref = LayerRef.crossEntropy(ld, targets, wd, vocab, 1.0)[1];
        String ctx = rng.tag();
        close("ref dLogits", ref, numeric(x -> sum(LayerRef.crossEntropy(x, targets, wd, vocab, 0)[0]), ld.clone(),
                1e-6), 1e-6, ctx);
        float[] got = LayerRun.crossEntropy(CPU, DType.F32, logits, targets, w, vocab, 1f)[1];
        close("cpu dLogits", got, numericF32(x -> sum(Numerics.toDouble(LayerRun.crossEntropy(CPU, DType.F32, x,
                targets, w, vocab, 0f)[0])), logits, 1e-2f), 1e-2, ctx);
    }

    static double sum(double[] v) {
        double s = 0;
        for (double x : v) s += x;
        return s;
    }
}
