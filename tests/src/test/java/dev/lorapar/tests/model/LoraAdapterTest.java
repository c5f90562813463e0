package dev.lorapar.tests.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.core.MaskMode;
import dev.lorapar.core.Stream;
import dev.lorapar.core.Tensor;
import dev.lorapar.model.LlamaForward;
import dev.lorapar.model.LlamaForwardBackward;
import dev.lorapar.model.LlamaWeights;
import dev.lorapar.model.LoraAdapter;
import dev.lorapar.model.LoraConfig;
import dev.lorapar.model.LoraGradients;
import dev.lorapar.model.LoraInit;
import dev.lorapar.model.LoraPair;
import dev.lorapar.model.LoraTarget;
import dev.lorapar.model.LowRank;
import dev.lorapar.model.TokenBatch;
import dev.lorapar.tests.oracle.OracleConfig;
import dev.lorapar.tests.oracle.OracleConfig.Rope;
import dev.lorapar.tests.oracle.OracleModel;
import dev.lorapar.tests.support.Numerics;
import dev.lorapar.tests.support.Rng;
import java.io.IOException;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * LoRA adapters: the four inits (PEFT default, Gaussian, PiSSA, OLoRA) and what each promises, enabling / disabling /
 * swapping adapters on one set of base weights, restoring a residualised base, and the errors of misuse.
 */
class LoraAdapterTest {
    static final Stream CPU = Stream.create(Device.CPU);
    static final OracleConfig CONFIG = new OracleConfig(48, 61, 2, 6, 2, 97, 1e-5, 10000, Rope.ROTATE_HALF, false);

    static OracleRun base(Rng rng, Path dir) throws IOException {
        return new OracleRun(OracleModel.random(rng, CONFIG), dir, CPU, DType.F32, MaskMode.GRADIENT);
    }

    static int[][] tokens(Rng rng) {
        int[][] t = new int[2][7];
        for (int[] row : t) {
            for (int i = 0; i < row.length; i++) {
                row[i] = rng.nextInt(CONFIG.vocab());
            }
        }
        return t;
    }

    static float[] logits(LlamaWeights w, LoraAdapter adapter, int[][] tokens) {
        try (Tensor t = LlamaForward.logits(CPU, w, adapter, tokens)) {
            return t.toFloatArray(CPU);
        }
    }

    @Test
    void peftDefaultIsKaimingUniformAWithZeroB(TestInfo info, @TempDir Path dir) throws IOException {
        Rng rng = Rng.forTest(info);
        try (OracleRun run = base(rng, dir);
             LoraAdapter a = LoraAdapter.create(run.weights, LoraConfig.allProjections(4, 8, rng.nextLong()), CPU)) {
            assertEquals(2 * 7, a.pairs().size());
            for (LoraPair p : a.pairs()) {
                double bound = 1 / Math.sqrt(p.a().dim(1));
                float[] values = p.a().toFloatArray(CPU);
                double max = 0;
                for (float v : values) {
                    max = Math.max(max, Math.abs(v));
                }
                assertTrue(max <= bound && max > 0.8 * bound, p.name() + ": |A| max " + max + " vs bound " + bound);
                for (float v : p.b().toFloatArray(CPU)) {
                    assertEquals(0f, v, p.name() + ": B must start at 0");
                }
            }
            int[][] t = tokens(rng);
            Numerics.assertClose("B = 0: adapted = base", logits(run.weights, a, t), logits(run.weights, null, t), 1e-6,
                    rng.tag());
        }
    }

    @Test
    void gaussianInitHasTheAskedSigmaForAAndB(TestInfo info, @TempDir Path dir) throws IOException {
        Rng rng = Rng.forTest(info);
        LoraConfig config = LoraConfig.allProjections(8, 16, rng.nextLong()).withInit(new LoraInit.Gaussian(0.01));
        try (OracleRun run = base(rng, dir); LoraAdapter a = LoraAdapter.create(run.weights, config, CPU)) {
            double sumSq = 0;
            long n = 0;
            for (LoraPair p : a.pairs()) {
                for (Tensor t : new Tensor[] {p.a(), p.b()}) {
                    for (float v : t.toFloatArray(CPU)) {
                        sumSq += (double) v * v;
                        n++;
                    }
                }
            }
            double sigma = Math.sqrt(sumSq / n);
            assertEquals(0.01, sigma, 0.0005, "sample σ over " + n + " values " + rng.tag());
            int[][] t = tokens(rng);
            double moved = Numerics.relativeError(logits(run.weights, a, t), Numerics.toDouble(logits(run.weights, null, t)));
            assertTrue(moved > 0, "a Gaussian B changes the model at step 0");
        }
    }

    /** PiSSA and OLoRA: the adapted model starts equal to the original; restoreBase puts the weights back. */
    @Test
    void residualInitsKeepTheModelAndRestoreTheBase(TestInfo info, @TempDir Path dir) throws IOException {
        Rng rng = Rng.forTest(info);
        int[][] t = tokens(rng);
        for (LoraInit init : new LoraInit[] {new LoraInit.Pissa(0), new LoraInit.Pissa(6), new LoraInit.Olora()}) {
            String ctx = init + " " + rng.tag();
            try (OracleRun run = base(rng, dir.resolve(init.toString().replaceAll("\\W", "")))) {
                float[] original = logits(run.weights, null, t);
                float[] wq = run.weights.layers().get(1).wq().toFloatArray(CPU);
                LoraConfig config = new LoraConfig(3, 6, EnumSet.of(LoraTarget.Q, LoraTarget.DOWN), init, 5);
                try (LoraAdapter a = LoraAdapter.create(run.weights, config, CPU)) {
                    assertTrue(run.weights.residualOwner() == a, ctx);
                    Numerics.assertClose("adapted at init = original", logits(run.weights, a, t), original, 1e-5, ctx);
                    Numerics.assertClose("disabled = original (B₀A₀ path)", logits(run.weights, null, t), original,
                            1e-5, ctx);
                    checkFactors(a, wq, init, ctx);
                    try (LoraAdapter other = LoraAdapter.create(run.weights, LoraConfig.allProjections(2, 2, 1), CPU)) {
                        assertThrows(IllegalStateException.class, () -> logits(run.weights, other, t),
                                "another adapter on a residual base");
                    }
                    assertThrows(IllegalStateException.class, () -> LoraAdapter.create(run.weights,
                            config.withInit(new LoraInit.Olora()), CPU), "two residual adapters");
                    a.restoreBase(CPU);
                    assertTrue(run.weights.residualOwner() == null, ctx);
                    Numerics.assertClose("restored Wq", run.weights.layers().get(1).wq().toFloatArray(CPU), wq, 1e-6,
                            ctx);
                    Numerics.assertClose("restored model", logits(run.weights, null, t), original, 1e-5, ctx);
                    assertThrows(IllegalStateException.class, () -> logits(run.weights, a, t),
                            "a PiSSA/OLoRA adapter after restoreBase");
                }
            }
        }
    }

    /**
     * scale·B·A is the top-r SVD part of W (PiSSA), or scale·Q·R of its leading r columns (OLoRA: B = Q, A = R and the
     * base keeps W − scale·Q·R, as PEFT does).
     */
    static void checkFactors(LoraAdapter adapter, float[] wq, LoraInit init, String ctx) {
        LoraPair p = adapter.pair(1, LoraTarget.Q);
        int out = (int) p.b().dim(0), in = (int) p.a().dim(1), r = adapter.config().rank();
        float[] a = p.a().toFloatArray(CPU), b = p.b().toFloatArray(CPU);
        double[] ba = new double[out * in]; // scale·B·A [out×in]
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
                double s = 0;
                for (int j = 0; j < r; j++) {
                    s += (double) b[o * r + j] * a[j * in + i];
                }
                ba[o * in + i] = adapter.scale() * s;
            }
        }
        double[] expected = new double[out * in];
        if (init instanceof LoraInit.Olora) {
            LowRank.Qr qr = LowRank.leadingQr(wq, out, in, r);
            for (int o = 0; o < out; o++) {
                for (int j = 0; j < r; j++) {
                    for (int i = 0; i < in; i++) {
                        expected[o * in + i] += adapter.scale() * qr.q()[o * r + j] * qr.r()[j * in + i];
                    }
                }
            }
            double[] ortho = new double[r * r]; // BᵀB [r×r] must be I for OLoRA (B = Q)
            for (int x = 0; x < r; x++) {
                for (int y = 0; y < r; y++) {
                    for (int o = 0; o < out; o++) {
                        ortho[x * r + y] += (double) b[o * r + x] * b[o * r + y];
                    }
                    assertEquals(x == y ? 1 : 0, ortho[x * r + y], 1e-5, "OLoRA BᵀB " + ctx);
                }
            }
        } else {
            LowRank.Svd svd = LowRank.topSingularExact(wq, out, in, r);
            for (int o = 0; o < out; o++) {
                for (int j = 0; j < r; j++) {
                    for (int i = 0; i < in; i++) {
                        expected[o * in + i] += svd.u()[o * r + j] * svd.s()[j] * svd.vt()[j * in + i];
                    }
                }
            }
        }
        if (init instanceof LoraInit.Pissa pi && pi.powerIterations() > 0) {
            // randomized: a rank-r approximation whose residual is within 10% of the optimal one (flat spectra
            // give no gap, so the factors themselves need not match the exact SVD's)
            double optimal = 0, residual = 0;
            for (int i = 0; i < ba.length; i++) {
                optimal += (wq[i] - expected[i]) * (wq[i] - expected[i]);
                residual += (wq[i] - ba[i]) * (wq[i] - ba[i]);
            }
            assertTrue(residual <= 1.1 * optimal, "randomized PiSSA residual " + residual + " vs optimal " + optimal
                    + " " + ctx);
            return;
        }
        float[] got = new float[ba.length];
        for (int i = 0; i < got.length; i++) {
            got[i] = (float) ba[i];
        }
        Numerics.assertClose("scale·B·A of layer 1 q_proj", got, expected, 1e-5, ctx);
    }

    /** Two adapters on the same weights, alternated: each gives its own logits every time; disabled is the base. */
    @Test
    void adaptersSwapWithoutReloading(TestInfo info, @TempDir Path dir) throws IOException {
        Rng rng = Rng.forTest(info);
        int[][] t = tokens(rng);
        LoraConfig gauss = LoraConfig.allProjections(4, 8, 1).withInit(new LoraInit.Gaussian(0.05));
        try (OracleRun run = base(rng, dir);
             LoraAdapter x = LoraAdapter.create(run.weights, gauss, CPU);
             LoraAdapter y = LoraAdapter.create(run.weights, gauss.withTargets(Set.of(LoraTarget.V)), CPU)) {
            float[] base = logits(run.weights, null, t), lx = logits(run.weights, x, t), ly = logits(run.weights, y, t);
            assertTrue(Numerics.relativeError(lx, ly) > 1e-3, "two different adapters give different logits");
            for (int round = 0; round < 2; round++) {
                Numerics.assertBitsEqual("x again", lx, logits(run.weights, x, t), rng.tag());
                Numerics.assertBitsEqual("base again", base, logits(run.weights, null, t), rng.tag());
                Numerics.assertBitsEqual("y again", ly, logits(run.weights, y, t), rng.tag());
            }
            try (LlamaForwardBackward fb = LlamaForwardBackward.create(run.weights, CPU, LlamaForwardBackward.Options.of(14));
                 LoraGradients gx = new LoraGradients(x, CPU); LoraGradients gy = new LoraGradients(y, CPU)) {
                TokenBatch batch = TokenBatch.nextToken(new int[][] {t[0]});
                double lossX = fb.forwardBackward(batch, x, LlamaForwardBackward.Gradients.lora(gx), 1f).lossSum();
                fb.forwardBackward(batch, y, LlamaForwardBackward.Gradients.lora(gy), 1f); // other rank / targets
                assertEquals(lossX, fb.forwardBackward(batch, x, LlamaForwardBackward.Gradients.lora(gx), 1f).lossSum(),
                        0.0, "same adapter, same loss after a swap");
                assertThrows(IllegalArgumentException.class,
                        () -> fb.forwardBackward(batch, y, LlamaForwardBackward.Gradients.lora(gx), 1f),
                        "gradients of another adapter");
            }
        }
    }

    @Test
    void misuseGivesClearErrors(TestInfo info, @TempDir Path dir) throws IOException {
        Rng rng = Rng.forTest(info);
        assertThrows(IllegalArgumentException.class, () -> LoraConfig.allProjections(0, 8, 1));
        assertThrows(IllegalArgumentException.class, () -> LoraConfig.allProjections(4, -1, 1));
        assertThrows(IllegalArgumentException.class, () -> new LoraConfig(4, 8, Set.of(), new LoraInit.PeftDefault(), 1));
        assertThrows(IllegalArgumentException.class, () -> new LoraInit.Gaussian(0));
        assertThrows(IllegalArgumentException.class, () -> LoraTarget.parse("w_proj"));
        assertEquals(LoraTarget.GATE, LoraTarget.parse("gate_proj"));
        try (OracleRun run = base(rng, dir);
             LoraAdapter a = LoraAdapter.create(run.weights, LoraConfig.allProjections(4, 8, 1)
                     .withTargets(Set.of(LoraTarget.K)), CPU);
             Tensor wrongMask = Tensor.zeros(CPU, DType.U8, 3, 3);
             LlamaForwardBackward fb = LlamaForwardBackward.create(run.weights, CPU, LlamaForwardBackward.Options.of(4))) {
            assertThrows(IllegalArgumentException.class, () -> a.setMasks(0, LoraTarget.K, wrongMask, null));
            assertThrows(IllegalArgumentException.class, () -> a.setMasks(0, LoraTarget.Q, null, null), "no Q pair");
            TokenBatch tooLong = TokenBatch.nextToken(new int[][] {{1, 2, 3, 4, 5, 6}});
            assertThrows(IllegalArgumentException.class, () -> fb.loss(tooLong, a), "5 rows > workspace 4");
            TokenBatch badId = new TokenBatch(new int[][] {{1, 97}}, new int[][] {{2, 3}}, null, null);
            assertThrows(IllegalArgumentException.class, () -> fb.loss(badId, a), "token 97 outside vocab 97");
            TokenBatch badTarget = new TokenBatch(new int[][] {{1, 2}}, new int[][] {{-2, 3}}, null, null);
            assertThrows(IllegalArgumentException.class, () -> fb.loss(badTarget, a), "target −2");
            assertThrows(IllegalArgumentException.class, () -> new TokenBatch(new int[][] {{1, 2}, {3}},
                    new int[][] {{1, 2}, {3}}, null, null), "ragged rows");
            assertThrows(IllegalArgumentException.class, () -> new TokenBatch(new int[][] {{1}}, new int[][] {{1}},
                    new float[][] {{Float.NaN}}, null), "NaN weight");
            a.close();
            assertThrows(IllegalStateException.class, () -> fb.loss(TokenBatch.nextToken(new int[][] {{1, 2}}), a));
        }
    }
}
