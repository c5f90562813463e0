package dev.lorapar.tests.gpu;

import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.core.Ops.RopeKind;
import dev.lorapar.tests.cases.LayerInputs;
import dev.lorapar.tests.cases.LayerRun;
import dev.lorapar.tests.cases.LayerRun.AttnCase;
import dev.lorapar.tests.reference.LayerRef;
import dev.lorapar.tests.support.Backends;
import dev.lorapar.tests.support.Numerics;
import dev.lorapar.tests.support.Rng;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The LLaMA layer ops on CUDA against the CPU backend (itself checked against LayerRef by the CPU suite):
 * f32 within 1e-5 and bf16 within 1e-2 relative to the CPU result's norm; outputs poisoned with NaN first
 * on both sides; embedding forward bit-exact; deterministic ops (embedding / rmsnorm dw backward,
 * attention backward) give the same bits on a second run.
 */
@Tag("gpu")
class GpuLayerOpsTest {
    @BeforeEach
    void requireCuda() { Backends.assumeCuda(); }

    static final Device CPU = Device.CPU;

    static Device gpu() { return Backends.gpu(); }

    static double tol(DType dt) { return dt == DType.F32 ? 1e-5 : 1e-2; }

    static void close(String name, float[] gpu, float[] cpu, DType dt, String ctx) {
        Numerics.assertClose(name, gpu, cpu, tol(dt), "cuda vs cpu " + ctx);
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "BF16"})
    void embedding(DType dt, TestInfo info) {
        Rng rng = Rng.forTest(info);
        for (int tokens : new int[] {1, 7, 31, 4099}) {
            int vocab = rng.pick(1, 13, 61, 32000), dim = rng.pick(1, 5, 64, 127);
            int[] ids = LayerInputs.uniformInts(rng, tokens, rng.nextBoolean() ? vocab : Math.min(vocab, 3));
            float[] table = LayerInputs.gaussian(rng, dt, vocab * dim, 1);
            String ctx = "tokens=" + tokens + " vocab=" + vocab + " dim=" + dim + " " + rng.tag();
            Numerics.assertBitsEqual("out", LayerRun.embeddingForward(CPU, dt, ids, table, vocab, dim),
                    LayerRun.embeddingForward(gpu(), dt, ids, table, vocab, dim), ctx);
            float[] dOut = LayerInputs.gaussian(rng, dt, tokens * dim, 1), dTable0 = rng.gaussian(vocab * dim, 1);
            float[] g = LayerRun.embeddingBackward(gpu(), dt, ids, dOut, dTable0, vocab, dim);
            close("dTable", g, LayerRun.embeddingBackward(CPU, dt, ids, dOut, dTable0, vocab, dim), DType.F32, ctx);
            Numerics.assertBitsEqual("dTable (second run)", g,
                    LayerRun.embeddingBackward(gpu(), dt, ids, dOut, dTable0, vocab, dim), ctx);
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "BF16"})
    void rmsnorm(DType dt, TestInfo info) {
        Rng rng = Rng.forTest(info);
        float eps = 1e-5f;
        for (int rows : new int[] {1, 3, 13, 257}) {
            int dim = rng.pick(7, 64, 127, 4096);
            float[] x = LayerInputs.gaussian(rng, dt, rows * dim, 2), w = LayerInputs.gaussian(rng, dt, dim, 1);
            float[] dy = LayerInputs.gaussian(rng, dt, rows * dim, 1), dw0 = rng.gaussian(dim, 1);
            float[] dx0 = LayerInputs.gaussian(rng, dt, rows * dim, 1);
            String ctx = "rows=" + rows + " dim=" + dim + " " + rng.tag();
            float[][] fg = LayerRun.rmsnormForward(gpu(), dt, x, w, rows, dim, eps);
            float[][] fc = LayerRun.rmsnormForward(CPU, dt, x, w, rows, dim, eps);
            close("y", fg[0], fc[0], dt, ctx);
            close("rstd", fg[1], fc[1], DType.F32, ctx);
            for (float[] start : new float[][] {null, dx0}) {
                float[][] bg = LayerRun.rmsnormBackward(gpu(), dt, x, w, dy, rows, dim, eps, true, start, dw0);
                float[][] bc = LayerRun.rmsnormBackward(CPU, dt, x, w, dy, rows, dim, eps, true, start, dw0);
                double[] mag = LayerRef.rmsnormDxMagnitude(Numerics.toDouble(x), Numerics.toDouble(w),
                        Numerics.toDouble(dy), rows, dim, eps);
                if (start != null) mag = plusAbs(mag, start);
                Numerics.assertClose(start == null ? "dx" : "dx (accumulated)", bg[0], Numerics.toDouble(bc[0]), mag, dim,
                        tol(dt), "cuda vs cpu " + ctx);
                close("dw", bg[1], bc[1], dt, ctx);
                Numerics.assertBitsEqual("dw (second run)", bg[1],
                        LayerRun.rmsnormBackward(gpu(), dt, x, w, dy, rows, dim, eps, true, start, dw0)[1], ctx);
            }
        }
    }

    static double[] plusAbs(double[] a, float[] b) {
        double[] out = a.clone();
        for (int i = 0; i < out.length; i++) out[i] += Math.abs(b[i]);
        return out;
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "BF16"})
    void rope(DType dt, TestInfo info) {
        Rng rng = Rng.forTest(info);
        for (RopeKind kind : RopeKind.values())
            for (int headDim : new int[] {2, 8, 16, 64, 128}) {
                int tokens = rng.pick(1, 5, 13, 257), heads = rng.pick(1, 3, 32);
                int[] pos = LayerInputs.uniformInts(rng, tokens, 4096);
                float[] x = LayerInputs.gaussian(rng, dt, tokens * heads * headDim, 1);
                String ctx = kind + " tokens=" + tokens + " heads=" + heads + " headDim=" + headDim + " " + rng.tag();
                for (boolean inverse : new boolean[] {false, true})
                    close(inverse ? "inverse" : "forward",
                            LayerRun.rope(gpu(), dt, x, pos, heads, headDim, 10000, kind, inverse, false),
                            LayerRun.rope(CPU, dt, x, pos, heads, headDim, 10000, kind, inverse, false), dt, ctx);
                Numerics.assertClose("inverse(forward(x))",
                        LayerRun.rope(gpu(), dt, x, pos, heads, headDim, 10000, kind, false, true), x, tol(dt), ctx);
            }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "BF16"})
    void swiglu(DType dt, TestInfo info) {
        Rng rng = Rng.forTest(info);
        for (int n : new int[] {1, 13, 127, 100_003}) {
            float[] gate = LayerInputs.gaussian(rng, dt, n, 3), up = LayerInputs.gaussian(rng, dt, n, 1);
            float[] dOut = LayerInputs.gaussian(rng, dt, n, 1);
            for (boolean inPlace : new boolean[] {false, true}) {
                String ctx = "n=" + n + (inPlace ? " in place " : " ") + rng.tag();
                close("out", LayerRun.swigluForward(gpu(), dt, gate, up, inPlace),
                        LayerRun.swigluForward(CPU, dt, gate, up, inPlace), dt, ctx);
                float[][] g = LayerRun.swigluBackward(gpu(), dt, gate, up, dOut, inPlace);
                float[][] c = LayerRun.swigluBackward(CPU, dt, gate, up, dOut, inPlace);
                close("dGate", g[0], c[0], dt, ctx);
                close("dUp", g[1], c[1], dt, ctx);
            }
        }
    }

    /** (nHeads, nKvHeads, headDim): GQA 8/4, MHA, MQA, odd head counts, LLaMA head_dim 128. */
    static final int[][] HEADS = {{8, 4, 8}, {4, 4, 16}, {2, 1, 64}, {3, 3, 8}, {4, 2, 128}};

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "BF16"})
    void attention(DType dt, TestInfo info) {
        Rng rng = Rng.forTest(info);
        for (int[] h : HEADS)
            for (boolean packed : new boolean[] {false, true})
                checkAttention(rng, dt, rng.pick(1, 2, 3), rng.pick(1, 5, 13, 67, 129), h, packed);
    }

    /**
     * (batch, seq, nHeads, nKvHeads, headDim): sizes where the BF16 tensor-core kernels (head_dim 64 / 128)
     * stream many 64-row tiles — several key tiles below the diagonal, partial last tiles (300, 1031),
     * GQA groups of 4 and 2, LLaMA's seq 2048 — beyond the small shapes of {@link #attention}.
     */
    static final int[][] LARGE = {{2, 300, 8, 2, 128}, {2, 1031, 8, 2, 128}, {1, 2048, 4, 2, 64}};

    @Test
    void attentionLarge(TestInfo info) {
        Rng rng = Rng.forTest(info);
        for (int[] s : LARGE)
            for (boolean packed : new boolean[] {false, true})
                checkAttention(rng, DType.BF16, s[0], s[1], new int[] {s[2], s[3], s[4]}, packed);
    }

    /** One attention problem: forward and backward on CUDA vs CPU, and the backward's bits on a second run. */
    static void checkAttention(Rng rng, DType dt, int batch, int seq, int[] h, boolean packed) {
        AttnCase c = LayerInputs.attention(rng, dt, batch, seq, h[0], h[1], h[2], packed);
        String ctx = "batch=" + batch + " seq=" + seq + " heads=" + h[0] + "/" + h[1] + " headDim=" + h[2]
                + (packed ? " packed " : " ") + rng.tag();
        float[][] g = LayerRun.attention(gpu(), dt, c, true), cpu = LayerRun.attention(CPU, dt, c, true);
        String[] names = {"out", "lse", "dq", "dk", "dv"};
        for (int i = 0; i < names.length; i++) {
            if (i == 2) { // dq cancels exactly at seq 1 (softmax of one key): judge it against its terms
                Numerics.assertClose("dq", g[i], Numerics.toDouble(cpu[i]), dqTermMagnitude(c), 1, tol(dt), ctx);
            } else if (i == 3) { // so does dk
                Numerics.assertClose("dk", g[i], Numerics.toDouble(cpu[i]), dkTermMagnitude(c), 1, tol(dt), ctx);
            } else {
                close(names[i], g[i], cpu[i], i == 1 ? DType.F32 : dt, ctx);
            }
        }
        float[][] again = LayerRun.attention(gpu(), dt, c, true);
        for (int i = 2; i < names.length; i++)
            Numerics.assertBitsEqual(names[i] + " (second run)", g[i], again[i], ctx);
    }

    /**
     * The size of the terms summed into dq = scale·Σ_j P_ij·(dO_i·v_j − dO_i·o_i)·k_j: per element
     * scale·‖dO_i‖·rms(v)·√headDim·rms(k), the typical magnitude of one (dO·v)·k product before cancellation.
     */
    static double[] dqTermMagnitude(AttnCase c) {
        double rmsV = Math.sqrt(sumSquares(c.v()) / c.v().length), rmsK = Math.sqrt(sumSquares(c.k()) / c.k().length);
        double[] out = new double[c.q().length]; // [batch·seq·nHeads·headDim]
        for (int row = 0; row < out.length / c.headDim(); row++) {
            double dOutNorm = 0;
            for (int d = 0; d < c.headDim(); d++) dOutNorm += (double) c.dOut()[row * c.headDim() + d] * c.dOut()[row * c.headDim() + d];
            double m = c.scale() * Math.sqrt(dOutNorm) * rmsV * Math.sqrt(c.headDim()) * rmsK;
            Arrays.fill(out, row * c.headDim(), (row + 1) * c.headDim(), m);
        }
        return out;
    }

    /** The typical size of one term of dk = scale·Σ_i dS_ij·q_i: scale·‖dO_i‖·rms(v)·√headDim·rms(q), uniform. */
    static double[] dkTermMagnitude(AttnCase c) {
        double d = c.headDim();
        double rms = c.scale() * Math.sqrt(sumSquares(c.dOut()) / c.dOut().length * d)
                * Math.sqrt(sumSquares(c.v()) / c.v().length) * Math.sqrt(d)
                * Math.sqrt(sumSquares(c.q()) / c.q().length);
        double[] out = new double[c.k().length]; // [batch·seq·nKvHeads·headDim]
        Arrays.fill(out, rms);
        return out;
    }

    static double sumSquares(float[] x) {
        double s = 0;
        for (float f : x) s += (double) f * f;
        return s;
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "BF16"})
    void crossEntropy(DType dt, TestInfo info) {
        Rng rng = Rng.forTest(info);
        for (int vocab : new int[] {1, 5, 61, 4099, 32000}) {
            int tokens = rng.pick(1, 7, 13);
            float[] logits = LayerInputs.gaussian(rng, dt, tokens * vocab, 3);
            int[] targets = LayerInputs.targets(rng, tokens, vocab);
            for (boolean weighted : new boolean[] {false, true}) {
                float[] w = weighted ? rng.uniform(tokens, 0f, 2f) : null;
                String ctx = "tokens=" + tokens + " vocab=" + vocab + (weighted ? " weighted " : " ") + rng.tag();
                for (float gs : new float[] {0f, 0.5f}) {
                    float[][] g = LayerRun.crossEntropy(gpu(), dt, logits, targets, w, vocab, gs);
                    float[][] c = LayerRun.crossEntropy(CPU, dt, logits, targets, w, vocab, gs);
                    Numerics.assertClose("losses", g[0], Numerics.toDouble(c[0]),
                            LayerRef.crossEntropyLossMagnitude(Numerics.toDouble(logits), targets,
                                    w == null ? null : Numerics.toDouble(w), vocab), 1, tol(DType.F32), "cuda vs cpu " + ctx);
                    if (gs == 0f) Numerics.assertBitsEqual("logits (untouched)", logits, g[1], ctx);
                    else close("dLogits", g[1], c[1], dt, ctx);
                }
            }
        }
    }
}
