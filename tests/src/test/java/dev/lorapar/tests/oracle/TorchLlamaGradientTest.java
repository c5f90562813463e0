package dev.lorapar.tests.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.lorapar.tests.oracle.OracleConfig.Rope;
import dev.lorapar.tests.oracle.TorchLlama.Precision;
import dev.lorapar.tests.support.Rng;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The oracle proves itself: its autograd gradients (float64) against central finite differences of its own
 * loss, on LoRA elements of every target, base weights of every kind and (through the untied embedding) the
 * input-embedding gradient; masked LoRA elements get exactly zero; the loss is the weighted cross-entropy of
 * the logits it returns.
 */
class TorchLlamaGradientTest {
    /** Step of the central differences (float64; the loss is O(10), so rounding error ~1e-10, truncation ~h²). */
    static final double STEP = 1e-5;
    /** Agreement of autograd and finite differences, relative to the matrix's gradient RMS. */
    static final double FD_TOLERANCE = 1e-6;

    @Test
    void loraGradientsMatchFiniteDifferences(TestInfo info) {
        Rng rng = Rng.forTest(info);
        OracleConfig config = smallConfig(rng);
        OracleModel model = OracleModel.random(rng, config, rng.pick(2, 3, 5), 0.5 + rng.nextDouble(),
                EnumSet.allOf(LoraTarget.class), 1.0);
        checkLora(rng, model, randomBatch(rng, config, true));
    }

    @Test
    void maskedLoraGradientsMatchFiniteDifferencesAndVanishWhereMasked(TestInfo info) {
        Rng rng = Rng.forTest(info);
        OracleConfig config = smallConfig(rng);
        OracleModel model = OracleModel.random(rng, config, rng.pick(2, 3, 4), 2.0, EnumSet.allOf(LoraTarget.class), 0.6);
        OracleBatch batch = randomBatch(rng, config, true);
        OracleGradients g = checkLora(rng, model, batch);
        int zeros = 0;
        for (Map.Entry<LoraKey, byte[]> e : model.loraMasks().entrySet()) {
            double[] grad = g.lora(e.getKey());
            for (int i = 0; i < grad.length; i++) {
                if (e.getValue()[i] == 0) {
                    assertEquals(0.0, grad[i], 0.0, e.getKey() + "[" + i + "] is masked but has a gradient " + rng.tag());
                    zeros++;
                }
            }
        }
        assertTrue(zeros > 0, "no masked element was drawn " + rng.tag());
        // A masked element does not enter the forward: changing it leaves the loss exactly as it was.
        LoraKey key = model.loraMasks().keySet().iterator().next();
        byte[] mask = model.loraMask(key);
        for (int i = 0; i < mask.length; i++) {
            if (mask[i] != 0) continue;
            float[] changed = model.lora().get(key).clone();
            changed[i] += 3f;
            assertEquals(TorchLlama.loss(model, batch, Precision.FLOAT64),
                    TorchLlama.loss(model.withLora(key, changed), batch, Precision.FLOAT64), 0.0, key + "[" + i + "] " + rng.tag());
            break;
        }
    }

    @Test
    void baseGradientsMatchFiniteDifferences(TestInfo info) {
        Rng rng = Rng.forTest(info);
        for (boolean tied : new boolean[] {false, true}) {
            OracleConfig c = smallConfig(rng);
            OracleConfig config = new OracleConfig(c.dim(), c.hiddenDim(), c.nLayers(), c.nHeads(), c.nKvHeads(), c.vocab(),
                    c.normEps(), c.ropeTheta(), c.rope(), tied);
            OracleModel model = OracleModel.random(rng, config, 2, 1.5, EnumSet.of(LoraTarget.Q, LoraTarget.DOWN), 1.0);
            OracleBatch batch = randomBatch(rng, config, true);
            OracleGradients g = TorchLlama.gradients(model, batch, Precision.FLOAT64, true);
            assertEquals(OracleNames.shapes(config).keySet(), g.base().keySet());
            for (String name : OracleNames.shapes(config).keySet()) {
                double[] grad = g.base(name);
                List<Integer> probes = name.equals(OracleNames.EMBED) ? embeddingElementsToProbe(rng, batch, config.dim())
                        : elementsToProbe(rng, grad.length);
                for (int i : probes) {
                    float[] values = model.weight(name);
                    double fd = centralDifference(x -> TorchLlama.loss(model.withBase(name, with(values, i, x)), batch,
                            Precision.FLOAT64), values[i]);
                    assertGradient(name + "[" + i + "] tied=" + tied, grad[i], fd, rms(grad), rng);
                }
            }
        }
    }

    /**
     * Untied, the embedding is used only by the lookup, so ∂L/∂E[v] is the sum of ∂L/∂h0 over the positions
     * holding token v (and zero for unused tokens): the input-embedding gradient, checked through ∂L/∂E.
     */
    @Test
    void inputEmbeddingGradientSumsToTheEmbeddingGradient(TestInfo info) {
        Rng rng = Rng.forTest(info);
        OracleConfig c = smallConfig(rng);
        OracleConfig config = new OracleConfig(c.dim(), c.hiddenDim(), c.nLayers(), c.nHeads(), c.nKvHeads(), c.vocab(),
                c.normEps(), c.ropeTheta(), c.rope(), false);
        OracleModel model = OracleModel.random(rng, config, 3, 1.0, EnumSet.of(LoraTarget.V, LoraTarget.GATE), 1.0);
        OracleBatch batch = randomBatch(rng, config, true);
        OracleGradients g = TorchLlama.gradients(model, batch, Precision.FLOAT64, true);
        int dim = config.dim(), seq = batch.seq();
        double[] summed = new double[config.vocab() * dim]; // [vocab×dim]
        for (int b = 0; b < batch.batch(); b++) {
            for (int t = 0; t < seq; t++) {
                int v = batch.tokens()[b][t];
                for (int j = 0; j < dim; j++) summed[v * dim + j] += g.inputEmbedding()[(b * seq + t) * dim + j];
            }
        }
        double[] embed = g.base(OracleNames.EMBED);
        double scale = rms(embed);
        assertTrue(scale > 0, "zero embedding gradient " + rng.tag());
        for (int i = 0; i < summed.length; i++) {
            if (Math.abs(summed[i] - embed[i]) > 1e-12 * scale) {
                fail("∂L/∂E[" + i + "] = " + embed[i] + " but the summed input gradient is " + summed[i] + " " + rng.tag());
            }
        }
        // Without base gradients the input-embedding gradient is the same.
        double[] alone = TorchLlama.gradients(model, batch, Precision.FLOAT64, false).inputEmbedding();
        assertArraysClose("inputEmbedding without base grads", g.inputEmbedding(), alone, 1e-12, rng);
    }

    @Test
    void lossIsTheWeightedCrossEntropyOfTheLogits(TestInfo info) {
        Rng rng = Rng.forTest(info);
        OracleConfig config = smallConfig(rng);
        OracleModel model = OracleModel.random(rng, config, 2, 1.0, EnumSet.of(LoraTarget.O), 1.0);
        OracleBatch batch = randomBatch(rng, config, true);
        OracleGradients g = TorchLlama.gradients(model, batch, Precision.FLOAT64, false);
        int vocab = config.vocab(), seq = batch.seq();
        double expected = 0;
        for (int b = 0; b < batch.batch(); b++) {
            for (int t = 0; t < seq; t++) {
                int y = batch.targets()[b][t];
                if (y < 0) continue;
                int row = (b * seq + t) * vocab;
                double max = Double.NEGATIVE_INFINITY, sum = 0;
                for (int v = 0; v < vocab; v++) max = Math.max(max, g.logits()[row + v]);
                for (int v = 0; v < vocab; v++) sum += Math.exp(g.logits()[row + v] - max);
                expected += batch.weight(b, t) * (max + Math.log(sum) - g.logits()[row + y]);
            }
        }
        expected *= batch.lossScale();
        assertEquals(expected, g.loss(), 1e-12 * Math.abs(expected), rng.tag());
        assertEquals(g.loss(), TorchLlama.loss(model, batch, Precision.FLOAT64), 1e-12 * Math.abs(expected), rng.tag());
        assertArraysClose("logits", TorchLlama.logits(model, batch.tokens(), Precision.FLOAT64), g.logits(), 1e-14, rng);
    }

    @Test
    void float32AgreesWithFloat64(TestInfo info) {
        Rng rng = Rng.forTest(info);
        OracleConfig config = smallConfig(rng);
        OracleModel model = OracleModel.random(rng, config, 4, 1.0, EnumSet.allOf(LoraTarget.class), 0.7);
        OracleBatch batch = randomBatch(rng, config, true);
        OracleGradients g64 = TorchLlama.gradients(model, batch, Precision.FLOAT64, true);
        OracleGradients g32 = TorchLlama.gradients(model, batch, Precision.FLOAT32, true);
        assertEquals(g64.loss(), g32.loss(), 1e-5 * Math.abs(g64.loss()), rng.tag());
        assertArraysClose("logits", g32.logits(), g64.logits(), 1e-5, rng);
        assertArraysClose("inputEmbedding", g32.inputEmbedding(), g64.inputEmbedding(), 1e-4, rng);
        g64.lora().forEach((k, v) -> assertArraysClose(k.toString(), g32.lora(k), v, 1e-4, rng));
        g64.base().forEach((k, v) -> assertArraysClose(k, g32.base(k), v, 1e-4, rng));
    }

    private static OracleGradients checkLora(Rng rng, OracleModel model, OracleBatch batch) {
        OracleGradients g = TorchLlama.gradients(model, batch, Precision.FLOAT64, false);
        assertEquals(model.lora().keySet(), g.lora().keySet());
        assertTrue(g.base().isEmpty());
        for (Map.Entry<LoraKey, float[]> e : model.lora().entrySet()) {
            LoraKey key = e.getKey();
            double[] grad = g.lora(key);
            if (anyActive(model.loraMask(key))) assertTrue(rms(grad) > 0, key + ": zero gradient " + rng.tag());
            for (int i : elementsToProbe(rng, grad.length)) {
                float[] values = e.getValue();
                double fd = centralDifference(x -> TorchLlama.loss(model.withLora(key, with(values, i, x)), batch,
                        Precision.FLOAT64), values[i]);
                assertGradient(key + "[" + i + "]", grad[i], fd, rms(grad), rng);
            }
        }
        return g;
    }

    /** (f(x + h) − f(x − h)) / 2h; the perturbed value is a float, so x ± h is rounded and the real step used. */
    private static double centralDifference(java.util.function.DoubleUnaryOperator loss, float x) {
        float plus = (float) (x + STEP), minus = (float) (x - STEP);
        return (loss.applyAsDouble(plus) - loss.applyAsDouble(minus)) / ((double) plus - (double) minus);
    }

    private static void assertGradient(String what, double autograd, double fd, double scale, Rng rng) {
        if (!(Math.abs(autograd - fd) <= FD_TOLERANCE * Math.max(scale, Math.abs(fd)) + 1e-12)) {
            fail(String.format("%s: autograd %.10g, finite difference %.10g (gradient RMS %.3g) %s", what, autograd, fd, scale,
                    rng.tag()));
        }
    }

    /** Two random element indices of an array of n. */
    private static List<Integer> elementsToProbe(Rng rng, int n) {
        return List.of(rng.nextInt(n), rng.nextInt(n));
    }

    /** Two random elements of embedding rows [vocab×dim] of tokens that occur in the batch (nonzero gradient). */
    private static List<Integer> embeddingElementsToProbe(Rng rng, OracleBatch batch, int dim) {
        List<Integer> out = new ArrayList<>();
        for (int k = 0; k < 2; k++) {
            int[] row = batch.tokens()[rng.nextInt(batch.batch())];
            out.add(row[rng.nextInt(row.length)] * dim + rng.nextInt(dim));
        }
        return out;
    }

    private static boolean anyActive(byte[] mask) {
        if (mask == null) return true;
        for (byte m : mask) {
            if (m != 0) return true;
        }
        return false;
    }

    static float[] with(float[] values, int i, double x) {
        float[] copy = values.clone();
        copy[i] = (float) x;
        return copy;
    }

    static double rms(double[] v) {
        double s = 0;
        for (double x : v) s += x * x;
        return Math.sqrt(s / v.length);
    }

    static void assertArraysClose(String name, double[] got, double[] ref, double tolerance, Rng rng) {
        assertEquals(ref.length, got.length, name + " length");
        double diff = 0, norm = 0;
        for (int i = 0; i < got.length; i++) {
            if (!Double.isFinite(got[i])) fail(name + "[" + i + "] = " + got[i] + " " + rng.tag());
            diff += (got[i] - ref[i]) * (got[i] - ref[i]);
            norm += ref[i] * ref[i];
        }
        double err = norm == 0 ? Math.sqrt(diff) : Math.sqrt(diff / norm);
        assertTrue(err <= tolerance, name + ": relative error " + err + " > " + tolerance + " " + rng.tag());
    }

    /** A small shape (so each finite difference is a few milliseconds): 1–2 layers, odd widths, GQA or MHA. */
    static OracleConfig smallConfig(Rng rng) {
        int heads = rng.pick(2, 3, 4);
        int kv = rng.nextBoolean() ? heads : 1;
        return new OracleConfig(heads * rng.pick(4, 6), rng.pick(7, 13), rng.between(1, 2), heads, kv, rng.pick(11, 17),
                1e-5, rng.nextBoolean() ? 10000 : 100, rng.nextBoolean() ? Rope.ROTATE_HALF : Rope.ADJACENT_PAIRS,
                rng.nextBoolean());
    }

    /** Batch 2, sequence 5: random tokens and targets, about a quarter ignored (−1), weights in [0.2, 2), scale ≠ 1. */
    static OracleBatch randomBatch(Rng rng, OracleConfig c, boolean weighted) {
        int batch = 2, seq = 5;
        int[][] tokens = new int[batch][seq], targets = new int[batch][seq];
        float[][] weights = new float[batch][seq];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < seq; t++) {
                tokens[b][t] = rng.nextInt(c.vocab());
                targets[b][t] = rng.nextInt(4) == 0 ? -1 : rng.nextInt(c.vocab());
                weights[b][t] = (float) (0.2 + 1.8 * rng.nextDouble());
            }
        }
        targets[0][seq - 1] = rng.nextInt(c.vocab()); // at least one target
        return new OracleBatch(tokens, targets, weighted ? weights : null, 0.37);
    }
}
