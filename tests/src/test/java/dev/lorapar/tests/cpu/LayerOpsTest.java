package dev.lorapar.tests.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.core.LoraparException;
import dev.lorapar.core.NativeStatus;
import dev.lorapar.core.Ops.RopeKind;
import dev.lorapar.tests.cases.LayerInputs;
import dev.lorapar.tests.cases.LayerRun;
import dev.lorapar.tests.cases.LayerRun.AttnCase;
import dev.lorapar.tests.reference.LayerRef;
import dev.lorapar.tests.support.Numerics;
import dev.lorapar.tests.support.Rng;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The LLaMA layer ops on the CPU against LayerRef (double precision) on odd sizes, both dtypes: outputs
 * poisoned with NaN first, f32 within 2e-5 and bf16 within 1e-2 of the reference, relative to its norm
 * (or, where the result is a difference of nearly equal terms, to the size of those terms).
 */
class LayerOpsTest {
    static final Device CPU = Device.CPU;

    static double tol(DType dt) { return dt == DType.F32 ? 2e-5 : 1e-2; }

    static double[] d(float[] v) { return Numerics.toDouble(v); }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "BF16"})
    void embedding(DType dt, TestInfo info) {
        Rng rng = Rng.forTest(info);
        for (int tokens : new int[] {1, 7, 31, 257}) {
            int vocab = rng.pick(1, 3, 13, 61), dim = rng.pick(1, 5, 64, 127);
            int[] ids = LayerInputs.uniformInts(rng, tokens, vocab);
            float[] table = LayerInputs.gaussian(rng, dt, vocab * dim, 1);
            String ctx = "tokens=" + tokens + " vocab=" + vocab + " dim=" + dim + " " + rng.tag();
            float[] out = LayerRun.embeddingForward(CPU, dt, ids, table, vocab, dim);
            Numerics.assertBitsEqual("out", toFloat(LayerRef.embeddingForward(ids, d(table), dim)), out, ctx);
            float[] dOut = LayerInputs.gaussian(rng, dt, tokens * dim, 1), dTable0 = rng.gaussian(vocab * dim, 1);
            float[] dTable = LayerRun.embeddingBackward(CPU, dt, ids, dOut, dTable0, vocab, dim);
            // f32 accumulation of up to 257 rows into one: rounding grows like sqrt(n)·2^-24, so the class's f32 bound
            Numerics.assertClose("dTable", dTable, LayerRef.embeddingBackward(ids, d(dOut), d(dTable0), dim),
                    tol(DType.F32), ctx);
            Numerics.assertBitsEqual("dTable (second run)", dTable,
                    LayerRun.embeddingBackward(CPU, dt, ids, dOut, dTable0, vocab, dim), ctx);
        }
    }

    @Test
    void embeddingRejectsBadIds() {
        for (int bad : new int[] {-1, 5}) {
            LoraparException e = assertThrows(LoraparException.class,
                    () -> LayerRun.embeddingForward(CPU, DType.F32, new int[] {0, bad}, new float[10], 5, 2));
            assertEquals(NativeStatus.INVALID_ARGUMENT, e.status());
            assertTrue(e.getMessage().contains("ids[1]"), e.getMessage());
            assertThrows(LoraparException.class,
                    () -> LayerRun.embeddingBackward(CPU, DType.F32, new int[] {bad}, new float[2], new float[10], 5, 2));
        }
    }

    static float[] toFloat(double[] v) {
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) out[i] = (float) v[i];
        return out;
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "BF16"})
    void rmsnorm(DType dt, TestInfo info) {
        Rng rng = Rng.forTest(info);
        float eps = 1e-5f;
        for (int rows : new int[] {1, 3, 13, 257}) {
            int dim = rng.pick(1, 7, 64, 127);
            float[] x = LayerInputs.gaussian(rng, dt, rows * dim, 2), w = LayerInputs.gaussian(rng, dt, dim, 1);
            float[] dy = LayerInputs.gaussian(rng, dt, rows * dim, 1);
            String ctx = "rows=" + rows + " dim=" + dim + " " + rng.tag();
            float[][] f = LayerRun.rmsnormForward(CPU, dt, x, w, rows, dim, eps);
            Numerics.assertClose("y", f[0], LayerRef.rmsnormForward(d(x), d(w), rows, dim, eps), tol(dt), ctx);
            Numerics.assertClose("rstd", f[1], LayerRef.rmsnormRstd(d(x), rows, dim, eps), 1e-6, ctx);
            double[][] ref = LayerRef.rmsnormBackward(d(x), d(w), d(dy), rows, dim, eps);
            float[] dw0 = rng.gaussian(dim, 1), dx0 = LayerInputs.gaussian(rng, dt, rows * dim, 1);
            float[][] b = LayerRun.rmsnormBackward(CPU, dt, x, w, dy, rows, dim, eps, true, null, dw0);
            double[] mag = LayerRef.rmsnormDxMagnitude(d(x), d(w), d(dy), rows, dim, eps);
            Numerics.assertClose("dx", b[0], ref[0], mag, dim, tol(dt), ctx);
            Numerics.assertClose("dw", b[1], plus(ref[1], dw0), tol(dt), ctx);
            float[][] acc = LayerRun.rmsnormBackward(CPU, dt, x, w, dy, rows, dim, eps, true, dx0, null);
            Numerics.assertClose("dx (accumulated)", acc[0], plus(ref[0], dx0), plus(mag, absF(dx0)), dim, tol(dt), ctx);
            float[][] dwOnly = LayerRun.rmsnormBackward(CPU, dt, x, w, dy, rows, dim, eps, false, null, dw0);
            Numerics.assertBitsEqual("dw without dx", b[1], dwOnly[1], ctx);
        }
    }

    static float[] absF(float[] v) { return Numerics.absFloat(v); }

    static double[] plus(double[] a, float[] b) {
        double[] out = a.clone();
        for (int i = 0; i < out.length; i++) out[i] += b[i];
        return out;
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "BF16"})
    void rope(DType dt, TestInfo info) {
        Rng rng = Rng.forTest(info);
        for (RopeKind kind : RopeKind.values())
            for (int headDim : new int[] {2, 8, 16, 64}) {
                int tokens = rng.pick(1, 5, 13), heads = rng.pick(1, 3, 4);
                int[] pos = LayerInputs.uniformInts(rng, tokens, 4096);
                float[] x = LayerInputs.gaussian(rng, dt, tokens * heads * headDim, 1);
                String ctx = kind + " tokens=" + tokens + " heads=" + heads + " headDim=" + headDim + " " + rng.tag();
                for (boolean inverse : new boolean[] {false, true}) {
                    float[] got = LayerRun.rope(CPU, dt, x, pos, heads, headDim, 10000, kind, inverse, false);
                    double[] ref = LayerRef.rope(d(x), pos, heads, headDim, 10000, kind == RopeKind.ADJACENT_PAIRS,
                            inverse);
                    Numerics.assertClose(inverse ? "inverse" : "forward", got, ref, tol(dt), ctx);
                }
                float[] back = LayerRun.rope(CPU, dt, x, pos, heads, headDim, 10000, kind, false, true);
                Numerics.assertClose("inverse(forward(x))", back, d(x), tol(dt), ctx);
            }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "BF16"})
    void swiglu(DType dt, TestInfo info) {
        Rng rng = Rng.forTest(info);
        for (int n : new int[] {1, 13, 127, 40_009}) {
            float[] gate = LayerInputs.gaussian(rng, dt, n, 3), up = LayerInputs.gaussian(rng, dt, n, 1);
            float[] dOut = LayerInputs.gaussian(rng, dt, n, 1);
            String ctx = "n=" + n + " " + rng.tag();
            double[] ref = LayerRef.swigluForward(d(gate), d(up));
            double[][] refB = LayerRef.swigluBackward(d(gate), d(up), d(dOut));
            for (boolean inPlace : new boolean[] {false, true}) {
                String c = ctx + (inPlace ? " in place" : "");
                Numerics.assertClose("out", LayerRun.swigluForward(CPU, dt, gate, up, inPlace), ref, tol(dt), c);
                float[][] b = LayerRun.swigluBackward(CPU, dt, gate, up, dOut, inPlace);
                Numerics.assertClose("dGate", b[0], refB[0], tol(dt), c);
                Numerics.assertClose("dUp", b[1], refB[1], tol(dt), c);
            }
        }
    }

    /** (nHeads, nKvHeads, headDim): GQA 8/4, MHA, MQA, odd head counts. */
    static final int[][] HEADS = {{8, 4, 8}, {4, 4, 16}, {2, 1, 64}, {3, 3, 8}, {6, 2, 16}};

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "BF16"})
    void attention(DType dt, TestInfo info) {
        Rng rng = Rng.forTest(info);
        for (int[] h : HEADS)
            for (boolean packed : new boolean[] {false, true}) {
                int batch = rng.pick(1, 2, 3), seq = rng.pick(1, 5, 13, 31);
                AttnCase c = LayerInputs.attention(rng, dt, batch, seq, h[0], h[1], h[2], packed);
                String ctx = "batch=" + batch + " seq=" + seq + " heads=" + h[0] + "/" + h[1] + " headDim=" + h[2]
                        + (packed ? " packed" : "") + " " + rng.tag();
                checkAttention(c, dt, LayerRun.attention(CPU, dt, c, true), ctx);
            }
    }

    static LayerRef.Attn geometry(AttnCase c) {
        return new LayerRef.Attn(c.batch(), c.seq(), c.nHeads(), c.nKvHeads(), c.headDim(), c.scale(), c.segmentIds());
    }

    /** got = {out, lse, dq, dk, dv} against the reference (backward from got's own out). */
    static void checkAttention(AttnCase c, DType dt, float[][] got, String ctx) {
        LayerRef.Attn a = geometry(c);
        double[][] f = LayerRef.attentionForward(a, d(c.q()), d(c.k()), d(c.v()));
        Numerics.assertClose("out", got[0], f[0], tol(dt), ctx);
        Numerics.assertClose("lse", got[1], f[1], dt == DType.F32 ? 1e-6 : 1e-5, ctx);
        double[][] b = LayerRef.attentionBackward(a, d(c.q()), d(c.k()), d(c.v()), d(got[0]), d(c.dOut()));
        Numerics.assertClose("dq", got[2], b[0], tol(dt), ctx);
        Numerics.assertClose("dk", got[3], b[1], tol(dt), ctx);
        Numerics.assertClose("dv", got[4], b[2], tol(dt), ctx);
    }

    /** Packed samples never see each other: changing one segment's keys leaves the other segments' outputs. */
    @Test
    void packedSegmentsAreIsolated(TestInfo info) {
        Rng rng = Rng.forTest(info);
        int seq = 12, h = 2, dh = 8;
        AttnCase c = LayerInputs.attention(rng, DType.F32, 1, seq, h, h, dh, false);
        int[] seg = new int[seq];
        for (int i = 6; i < seq; i++) seg[i] = 1;
        AttnCase packed = new AttnCase(1, seq, h, h, dh, c.scale(), seg, c.q(), c.k(), c.v(), c.dOut());
        float[] k2 = c.k().clone(), v2 = c.v().clone();
        for (int i = 0; i < 6 * h * dh; i++) { k2[i] += 1; v2[i] -= 2; } // segment 0's keys and values change
        AttnCase changed = new AttnCase(1, seq, h, h, dh, c.scale(), seg, c.q(), k2, v2, c.dOut());
        float[] a = LayerRun.attention(CPU, DType.F32, packed, false)[0];
        float[] b = LayerRun.attention(CPU, DType.F32, changed, false)[0];
        for (int i = 6 * h * dh; i < a.length; i++) assertEquals(a[i], b[i], "out[" + i + "] of segment 1 " + rng.tag());
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "BF16"})
    void crossEntropy(DType dt, TestInfo info) {
        Rng rng = Rng.forTest(info);
        for (int vocab : new int[] {1, 5, 61, 257, 4099}) {
            int tokens = rng.pick(1, 7, 13);
            float[] logits = LayerInputs.gaussian(rng, dt, tokens * vocab, 3);
            int[] targets = LayerInputs.targets(rng, tokens, vocab);
            for (boolean weighted : new boolean[] {false, true}) {
                float[] w = weighted ? rng.uniform(tokens, 0f, 2f) : null;
                String ctx = "tokens=" + tokens + " vocab=" + vocab + (weighted ? " weighted" : "") + " " + rng.tag();
                for (float gs : new float[] {0f, 0.5f}) {
                    double[][] ref = LayerRef.crossEntropy(d(logits), targets, w == null ? null : d(w), vocab, gs);
                    float[][] got = LayerRun.crossEntropy(CPU, dt, logits, targets, w, vocab, gs);
                    Numerics.assertClose("losses", got[0], ref[0], LayerRef.crossEntropyLossMagnitude(d(logits), targets, w == null ? null : d(w), vocab), 1, 2e-6,
                            ctx);
                    if (gs == 0f) Numerics.assertBitsEqual("logits (untouched)", logits, got[1], ctx);
                    else Numerics.assertClose("dLogits", got[1], ref[1], tol(dt), ctx);
                }
            }
        }
    }

    @Test
    void crossEntropyRejectsTargetAtVocab() {
        LoraparException e = assertThrows(LoraparException.class,
                () -> LayerRun.crossEntropy(CPU, DType.F32, new float[6], new int[] {0, 3}, null, 3, 1f));
        assertEquals(NativeStatus.INVALID_ARGUMENT, e.status());
        assertTrue(e.getMessage().contains("targets[1]"), e.getMessage());
    }
}
