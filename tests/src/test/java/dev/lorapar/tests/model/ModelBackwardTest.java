package dev.lorapar.tests.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.core.MaskMode;
import dev.lorapar.core.Stream;
import dev.lorapar.core.Tensor;
import dev.lorapar.model.BaseGradients;
import dev.lorapar.model.LlamaForward;
import dev.lorapar.model.LlamaForwardBackward;
import dev.lorapar.model.LlamaForwardBackward.Gradients;
import dev.lorapar.model.LoraGradients;
import dev.lorapar.model.LoraPair;
import dev.lorapar.model.TokenBatch;
import dev.lorapar.tests.oracle.LoraKey;
import dev.lorapar.tests.oracle.LoraTarget;
import dev.lorapar.tests.oracle.OracleBatch;
import dev.lorapar.tests.oracle.OracleConfig;
import dev.lorapar.tests.oracle.OracleConfig.Rope;
import dev.lorapar.tests.oracle.OracleGradients;
import dev.lorapar.tests.oracle.OracleModel;
import dev.lorapar.tests.oracle.OracleNames;
import dev.lorapar.tests.oracle.TorchLlama;
import dev.lorapar.tests.oracle.TorchLlama.Precision;
import dev.lorapar.tests.support.Numerics;
import dev.lorapar.tests.support.Rng;
import java.io.IOException;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * lorapar's hand-written backward (LlamaForwardBackward on the CPU, F32) against libtorch autograd (TorchLlama in
 * float64) on random small models: loss, every LoRA A/B gradient, the input-embedding gradient and (full
 * fine-tuning) every base-weight gradient; GQA/MQA/MHA, tied and untied heads, any subset of the seven targets,
 * ignored targets and signed per-token weights, masks in FORWARD mode (the oracle masks its forward) and in
 * GRADIENT mode (the oracle's unmasked gradient times the mask), with and without recomputation, small loss chunks.
 */
class ModelBackwardTest {
    static final double LOSS_TOLERANCE = 1e-5, GRAD_TOLERANCE = 1e-4;
    /**
     * Where libtorch's own float32 gradient is off by more than GRAD_TOLERANCE (cancellation: a gradient tiny against
     * the terms summed into it, like dq of a saturated two-key softmax, seen at 1.2e-3), ours may be off by this many
     * times its error; elsewhere ours was within 1–5.4× of it over 48 random cases, and 7–17× on the ill-conditioned
     * tensors of the case that failed a plain 1e-4 bound (seed -2811409961248439753).
     */
    static final double FLOAT32_FACTOR = 30;
    static final Stream CPU = Stream.create(Device.CPU);

    @RepeatedTest(6)
    void loraGradientsMatchAutograd(TestInfo info, @TempDir Path dir) throws IOException {
        Rng rng = Rng.forTest(info);
        OracleConfig config = OracleConfig.random(rng).withRope(Rope.ROTATE_HALF);
        Set<LoraTarget> targets = randomTargets(rng);
        boolean masked = rng.nextBoolean();
        MaskMode mode = rng.nextBoolean() ? MaskMode.FORWARD : MaskMode.GRADIENT;
        boolean recompute = rng.nextBoolean(), baseGrads = rng.nextBoolean();
        int chunk = rng.pick(1, 5, 1024);
        OracleModel model = OracleModel.random(rng, config, rng.pick(1, 3, 4), rng.pick(1, 2) * 0.75, targets,
                masked ? 0.6 : 1.0);
        int batch = rng.between(1, 3), seq = rng.between(1, 9);
        OracleBatch ob = randomBatch(rng, config.vocab(), batch, seq);
        String ctx = config + " targets=" + targets + (masked ? " masks " + mode : "") + " recompute=" + recompute
                + " base=" + baseGrads + " chunk=" + chunk + " B=" + batch + " S=" + seq + " " + rng.tag();

        // GRADIENT mode: the forward ignores the masks, so the reference is the unmasked model's gradient × mask
        OracleModel forwardModel = masked && mode == MaskMode.GRADIENT ? unmasked(model) : model;
        References ref = new References(TorchLlama.gradients(forwardModel, ob, Precision.FLOAT64, baseGrads),
                TorchLlama.gradients(forwardModel, ob, Precision.FLOAT32, baseGrads));

        try (OracleRun run = new OracleRun(model, dir, CPU, DType.F32, mode);
             LlamaForwardBackward fb = LlamaForwardBackward.create(run.weights, CPU,
                     new LlamaForwardBackward.Options(batch * seq + rng.between(0, 3), recompute, chunk));
             LoraGradients grads = new LoraGradients(run.adapter, CPU);
             BaseGradients base = baseGrads ? new BaseGradients(run.weights, CPU) : null;
             Tensor inputGrad = Tensor.empty(Device.CPU, DType.F32, (long) batch * seq, config.dim())) {
            poison(grads, inputGrad);
            var result = fb.forwardBackward(batch(ob), run.adapter, new Gradients(grads, base, inputGrad, false),
                    (float) ob.lossScale());
            assertEquals(ref.f64().loss() / ob.lossScale(), result.lossSum(),
                    LOSS_TOLERANCE * Math.max(1, Math.abs(result.lossSum())), "loss " + ctx);
            for (LoraPair p : run.adapter.pairs()) {
                LoraTarget t = OracleRun.theirs(p.target());
                LoraKey a = LoraKey.a(p.layer(), t), b = LoraKey.b(p.layer(), t);
                boolean gradientMasks = masked && mode == MaskMode.GRADIENT;
                ref.check("dA " + p.name(), grads.a(p.layer(), p.target()), g -> g.lora(a),
                        gradientMasks ? model.loraMask(a) : null, ctx);
                ref.check("dB " + p.name(), grads.b(p.layer(), p.target()), g -> g.lora(b),
                        gradientMasks ? model.loraMask(b) : null, ctx);
            }
            ref.check("input-embedding gradient", inputGrad, OracleGradients::inputEmbedding, null, ctx);
            if (base != null) {
                checkBase(base, ref, config, ctx);
            }
        }
    }

    /** Recomputation and loss chunking change where values live, not what they are: bit-identical on the CPU. */
    @Test
    void recomputeAndChunkingAreBitIdentical(TestInfo info, @TempDir Path dir) throws IOException {
        Rng rng = Rng.forTest(info);
        OracleConfig config = new OracleConfig(48, 61, 2, 6, 2, 97, 1e-5, 10000, Rope.ROTATE_HALF, false);
        OracleModel model = OracleModel.random(rng, config, 4, 0.5, EnumSet.allOf(LoraTarget.class), 1.0);
        OracleBatch ob = randomBatch(rng, config.vocab(), 2, 7);
        float[][] first = null;
        try (OracleRun run = new OracleRun(model, dir, CPU, DType.F32, MaskMode.GRADIENT)) {
            for (boolean recompute : new boolean[] {false, true}) {
                try (LlamaForwardBackward fb = LlamaForwardBackward.create(run.weights, CPU,
                        new LlamaForwardBackward.Options(14, recompute, recompute ? 3 : 1024));
                     LoraGradients grads = new LoraGradients(run.adapter, CPU)) {
                    fb.forwardBackward(batch(ob), run.adapter, Gradients.lora(grads), 1f);
                    float[][] got = grads.aGradients().stream().map(t -> t.toFloatArray(CPU)).toArray(float[][]::new);
                    if (first == null) {
                        first = got;
                    } else {
                        for (int i = 0; i < got.length; i++) {
                            Numerics.assertBitsEqual("dA[" + i + "] recompute vs saved", first[i], got[i], rng.tag());
                        }
                    }
                }
            }
        }
    }

    /**
     * Packing: two sequences in one row with segment ids (attention stays inside a segment, RoPE restarts) give the
     * summed loss and gradients of the two sequences run alone (the second accumulated onto the first).
     */
    @Test
    void packedSegmentsEqualSeparateSequences(TestInfo info, @TempDir Path dir) throws IOException {
        Rng rng = Rng.forTest(info);
        OracleConfig config = new OracleConfig(48, 61, 2, 6, 2, 97, 1e-5, 10000, Rope.ROTATE_HALF, true);
        OracleModel model = OracleModel.random(rng, config, 3, 1.5, EnumSet.allOf(LoraTarget.class), 1.0);
        OracleBatch a = randomBatch(rng, config.vocab(), 1, 5), b = randomBatch(rng, config.vocab(), 1, 4);
        int[][] tokens = {concat(a.tokens()[0], b.tokens()[0])}, targets = {concat(a.targets()[0], b.targets()[0])};
        float[][] weights = {concatF(a.tokenWeights()[0], b.tokenWeights()[0])};
        int[][] segments = {{7, 7, 7, 7, 7, 2, 2, 2, 2}};
        try (OracleRun run = new OracleRun(model, dir, CPU, DType.F32, MaskMode.GRADIENT);
             LlamaForwardBackward fb = LlamaForwardBackward.create(run.weights, CPU, LlamaForwardBackward.Options.of(9));
             LoraGradients packed = new LoraGradients(run.adapter, CPU);
             LoraGradients separate = new LoraGradients(run.adapter, CPU)) {
            double lossPacked = fb.forwardBackward(new TokenBatch(tokens, targets, weights, segments), run.adapter,
                    Gradients.lora(packed), 1f).lossSum();
            double lossSeparate = fb.forwardBackward(batch(a), run.adapter, Gradients.lora(separate), 1f).lossSum()
                    + fb.forwardBackward(batch(b), run.adapter, new Gradients(separate, null, null, true), 1f).lossSum();
            assertEquals(lossSeparate, lossPacked, 1e-5 * Math.abs(lossSeparate), rng.tag());
            for (int i = 0; i < packed.aGradients().size(); i++) {
                Numerics.assertClose("packed dA " + i, packed.aGradients().get(i).toFloatArray(CPU),
                        separate.aGradients().get(i).toFloatArray(CPU), 1e-5, rng.tag());
                Numerics.assertClose("packed dB " + i, packed.bGradients().get(i).toFloatArray(CPU),
                        separate.bGradients().get(i).toFloatArray(CPU), 1e-5, rng.tag());
            }
        }
    }

    static int[] concat(int[] x, int[] y) {
        int[] out = java.util.Arrays.copyOf(x, x.length + y.length);
        System.arraycopy(y, 0, out, x.length, y.length);
        return out;
    }

    static float[] concatF(float[] x, float[] y) {
        float[] out = java.util.Arrays.copyOf(x, x.length + y.length);
        System.arraycopy(y, 0, out, x.length, y.length);
        return out;
    }

    /** Logits of the adapted model (LlamaForward with the adapter, FORWARD masks) against the oracle's. */
    @Test
    void adaptedLogitsMatchTheOracle(TestInfo info, @TempDir Path dir) throws IOException {
        Rng rng = Rng.forTest(info);
        OracleConfig config = OracleConfig.random(rng).withRope(Rope.ROTATE_HALF);
        OracleModel model = OracleModel.random(rng, config, 3, 2.0, randomTargets(rng), 0.7);
        int[][] tokens = randomBatch(rng, config.vocab(), 2, 6).tokens();
        double[] ref = TorchLlama.logits(model, tokens, Precision.FLOAT64);
        try (OracleRun run = new OracleRun(model, dir, CPU, DType.F32, MaskMode.FORWARD);
             Tensor logits = LlamaForward.logits(CPU, run.weights, run.adapter, tokens)) {
            Numerics.assertClose("adapted logits", logits.toFloatArray(CPU), ref, 1e-5, config + " " + rng.tag());
        }
        double[] baseRef = TorchLlama.logits(model.withoutLora(), tokens, Precision.FLOAT64);
        try (OracleRun run = new OracleRun(model, dir.resolve("again"), CPU, DType.F32, MaskMode.FORWARD);
             Tensor logits = LlamaForward.logits(CPU, run.weights, null, tokens)) {
            Numerics.assertClose("adapter disabled", logits.toFloatArray(CPU), baseRef, 1e-5, config + " " + rng.tag());
        }
    }

    static Set<LoraTarget> randomTargets(Rng rng) {
        Set<LoraTarget> targets = EnumSet.noneOf(LoraTarget.class);
        for (LoraTarget t : LoraTarget.values()) {
            if (rng.nextBoolean()) {
                targets.add(t);
            }
        }
        if (targets.isEmpty()) {
            targets.add(LoraTarget.values()[rng.nextInt(LoraTarget.values().length)]);
        }
        return targets;
    }

    /** Random tokens; targets a random next id or −1 (about a quarter); signed weights; scale 1/count. */
    static OracleBatch randomBatch(Rng rng, int vocab, int batch, int seq) {
        int[][] tokens = new int[batch][seq], targets = new int[batch][seq];
        float[][] weights = new float[batch][seq];
        int counted = 0;
        for (int b = 0; b < batch; b++) {
            for (int i = 0; i < seq; i++) {
                tokens[b][i] = rng.nextInt(vocab);
                targets[b][i] = rng.nextInt(4) == 0 ? -1 : rng.nextInt(vocab);
                weights[b][i] = (float) (rng.nextDouble() * 2 - 0.5);
                counted += targets[b][i] >= 0 ? 1 : 0;
            }
        }
        return new OracleBatch(tokens, targets, weights, 1.0 / Math.max(1, counted));
    }

    static TokenBatch batch(OracleBatch ob) {
        return new TokenBatch(ob.tokens(), ob.targets(), ob.tokenWeights(), null);
    }

    static OracleModel unmasked(OracleModel m) {
        return new OracleModel(m.config(), m.weights(), m.loraRank(), m.loraScale(), m.lora(), java.util.Map.of());
    }

    static void poison(LoraGradients grads, Tensor inputGrad) {
        grads.aGradients().forEach(t -> t.fill(CPU, Double.NaN));
        grads.bGradients().forEach(t -> t.fill(CPU, Double.NaN));
        inputGrad.fill(CPU, Double.NaN);
    }

    /** libtorch's float64 gradients (the reference) and its float32 ones (how far float32 gets on this input). */
    record References(OracleGradients f64, OracleGradients f32) {
        /**
         * got against pick(f64), zero where a gradient mask is 0: relative error ≤ GRAD_TOLERANCE, or
         * ≤ FLOAT32_FACTOR × the float32 oracle's own error where that is larger.
         */
        void check(String name, Tensor got, Function<OracleGradients, double[]> pick, byte[] gradientMask,
                   String ctx) {
            double[] expected = masked(pick.apply(f64), gradientMask), single = masked(pick.apply(f32), gradientMask);
            double diff = 0, norm = 0;
            for (int i = 0; i < expected.length; i++) {
                diff += (single[i] - expected[i]) * (single[i] - expected[i]);
                norm += expected[i] * expected[i];
            }
            double float32Error = norm == 0 ? Math.sqrt(diff) : Math.sqrt(diff / norm);
            double tolerance = Math.max(GRAD_TOLERANCE, FLOAT32_FACTOR * float32Error);
            Numerics.assertClose(name, got.toFloatArray(CPU), expected, tolerance, ctx + (tolerance > GRAD_TOLERANCE
                    ? String.format(" (libtorch float32 is off by %.2e here)", float32Error) : ""));
        }

        private static double[] masked(double[] values, byte[] gradientMask) {
            double[] out = values.clone();
            if (gradientMask != null) {
                for (int i = 0; i < out.length; i++) {
                    out[i] = gradientMask[i] == 0 ? 0 : out[i];
                }
            }
            return out;
        }
    }

    static void checkBase(BaseGradients base, References ref, OracleConfig c, String ctx) {
        ref.check("d embedding", base.embedding(), g -> g.base(OracleNames.EMBED), null, ctx);
        for (int l = 0; l < c.nLayers(); l++) {
            BaseGradients.Layer g = base.layer(l);
            Tensor[] ours = {g.wq(), g.wk(), g.wv(), g.wo(), g.wGate(), g.wUp(), g.wDown()};
            for (LoraTarget t : LoraTarget.values()) {
                String weight = t.weightName(l);
                ref.check("d " + weight, ours[t.ordinal()], r -> r.base(weight), null, ctx);
            }
            String attentionNorm = OracleNames.layer(l, "input_layernorm.weight");
            String ffnNorm = OracleNames.layer(l, "post_attention_layernorm.weight");
            ref.check("d attention norm " + l, g.attentionNorm(), r -> r.base(attentionNorm), null, ctx);
            ref.check("d ffn norm " + l, g.ffnNorm(), r -> r.base(ffnNorm), null, ctx);
        }
        ref.check("d final norm", base.finalNorm(), r -> r.base("model.norm.weight"), null, ctx);
        if (!c.tiedHead()) {
            ref.check("d lm_head", base.lmHead(), r -> r.base("lm_head.weight"), null, ctx);
        }
    }
}
