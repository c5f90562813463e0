package dev.lorapar.tests.rl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.core.MaskMode;
import dev.lorapar.core.Stream;
import dev.lorapar.core.Tensor;
import dev.lorapar.model.LlamaForward;
import dev.lorapar.model.LoraPair;
import dev.lorapar.rl.GrpoLoss;
import dev.lorapar.rl.GrpoTrainer;
import dev.lorapar.tests.model.OracleRun;
import dev.lorapar.tests.oracle.LoraKey;
import dev.lorapar.tests.oracle.LoraTarget;
import dev.lorapar.tests.oracle.OracleBatch;
import dev.lorapar.tests.oracle.OracleConfig;
import dev.lorapar.tests.oracle.OracleConfig.Rope;
import dev.lorapar.tests.oracle.OracleGradients;
import dev.lorapar.tests.oracle.OracleModel;
import dev.lorapar.tests.oracle.TorchLlama;
import dev.lorapar.tests.oracle.TorchLlama.Precision;
import dev.lorapar.tests.support.Numerics;
import dev.lorapar.tests.support.Rng;
import dev.lorapar.train.LrSchedule;
import dev.lorapar.train.MaskedAdamW;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * The GRPO loss and LoRA gradients of {@link GrpoTrainer} (CPU, F32, several chunks accumulated) for a fixed batch of
 * completions on a tiny random model, against a direct double-precision computation: the policy and reference
 * log-probs from libtorch float64 logits (the reference = the same model without LoRA), the loss formula written out
 * here, its gradient by libtorch autograd of Σ w_t·CE_t with w_t = −∂L/∂p_t, and that gradient against central finite
 * differences of the double-precision loss; the token log-probs the trainer uses for the ratio against
 * {@link LlamaForward#logits}.
 */
class GrpoExactnessTest {
    static final Stream CPU = Stream.create(Device.CPU);
    static final double BETA = 0.04;

    @RepeatedTest(3)
    void lossAndGradientsMatchDoublePrecision(TestInfo info, @TempDir Path dir) throws IOException {
        Rng rng = Rng.forTest(info);
        OracleConfig config = OracleConfig.random(rng).withRope(Rope.ROTATE_HALF);
        // a LoRA scale that keeps the policy near the reference, as in GRPO (the adapter starts at or near the base):
        // with a far policy, k3 = exp(r − p) − … amplifies the float32 rounding of the log-probs exponentially
        OracleModel model = OracleModel.random(rng, config, rng.pick(2, 3), 0.05 + 0.25 * rng.nextDouble(),
                EnumSet.allOf(LoraTarget.class), 1.0);
        int n = rng.between(3, 6);
        List<GrpoTrainer.Sequence> seqs = new ArrayList<>();
        int longest = 0;
        for (int i = 0; i < n; i++) {
            int[] prompt = tokens(rng, config.vocab(), rng.between(1, 4)), completion = tokens(rng, config.vocab(),
                    rng.between(1, 5));
            seqs.add(new GrpoTrainer.Sequence(prompt, completion, 2 * rng.nextDouble() - 1));
            longest = Math.max(longest, prompt.length + completion.length);
        }
        String ctx = config + " N=" + n + " " + rng.tag();

        // the batch as the trainer lays it out: rows [N][S], targets at completion positions
        int seq = longest - 1;
        int[][] tokens = new int[n][seq], targets = new int[n][seq];
        for (int i = 0; i < n; i++) {
            GrpoTrainer.Sequence s = seqs.get(i);
            java.util.Arrays.fill(targets[i], -1);
            int[] full = concat(s.prompt(), s.completion());
            System.arraycopy(full, 0, tokens[i], 0, full.length - 1);
            for (int t = 0; t < s.completion().length; t++) {
                targets[i][s.prompt().length - 1 + t] = s.completion()[t];
            }
        }
        double[] policyLogits = TorchLlama.logits(model, tokens, Precision.FLOAT64); // [N·S×V]
        double[] referenceLogits = TorchLlama.logits(model.withoutLora(), tokens, Precision.FLOAT64); // [N·S×V]
        double[][] p = logProbs(policyLogits, seqs, seq, config.vocab());
        double[][] r = logProbs(referenceLogits, seqs, seq, config.vocab());
        // log p = z_t − logsumexp(z): float32 rounds it on the scale of the logits, not of the (often tiny) result
        double[][] pScale = logitScale(policyLogits, seqs, seq, config.vocab());
        double[][] rScale = logitScale(referenceLogits, seqs, seq, config.vocab());
        double lossRef = 0;
        float[][] w = new float[n][seq];
        for (int i = 0; i < n; i++) {
            GrpoTrainer.Sequence s = seqs.get(i);
            int len = s.completion().length;
            double a = s.advantage(), sum = 0;
            for (int t = 0; t < len; t++) {
                double d = r[i][t] - p[i][t];
                sum += -a + BETA * (Math.exp(d) - d - 1);
                w[i][s.prompt().length - 1 + t] = (float) ((a - BETA * (1 - Math.exp(d))) / ((double) n * len));
            }
            lossRef += sum / len / n;
        }
        OracleGradients ref = TorchLlama.gradients(model, new OracleBatch(tokens, targets, w, 1.0), Precision.FLOAT64,
                false);

        try (OracleRun run = new OracleRun(model, dir, CPU, DType.F32, MaskMode.GRADIENT);
             GrpoTrainer trainer = new GrpoTrainer(CPU, run.weights, run.adapter,
                     new GrpoTrainer.Options(new GrpoLoss.Coefficients(BETA, 0.2), 1, 2, longest),
                     new LrSchedule(LrSchedule.Kind.CONSTANT, 1e-3, 0, 10, 0), MaskedAdamW.Hyper.defaults())) {
            GrpoTrainer.Batch batch = trainer.prepare(seqs);
            for (int i = 0; i < n; i++) {
                Numerics.assertClose("reference log-probs " + i, toFloat(batch.reference()[i]), r[i], rScale[i], 1, 1e-5,
                        ctx);
            }
            // the policy log-probs the trainer uses against the forward pass's logits
            double[][] ours = trainer.logProbs(seqs, run.adapter);
            try (Tensor logits = LlamaForward.logits(CPU, run.weights, run.adapter, tokens)) {
                double[][] viaForward = logProbs(toDouble(logits.toFloatArray(CPU)), seqs, seq, config.vocab());
                for (int i = 0; i < n; i++) {
                    Numerics.assertClose("policy log-probs vs LlamaForward " + i, toFloat(ours[i]), viaForward[i],
                            pScale[i], 1, 1e-5, ctx);
                    Numerics.assertClose("policy log-probs vs float64 " + i, toFloat(ours[i]), p[i], pScale[i], 1,
                            1e-5, ctx);
                }
            }
            GrpoTrainer.Backward b = trainer.backward(batch);
            assertEquals(lossRef, b.loss(), 1e-5 * Math.max(1, Math.abs(lossRef)), "loss " + ctx);
            for (LoraPair pair : run.adapter.pairs()) {
                LoraTarget t = OracleRun.theirs(pair.target());
                Numerics.assertClose("dA " + pair.name(), trainer.gradients().a(pair.layer(), pair.target())
                        .toFloatArray(CPU), ref.lora(LoraKey.a(pair.layer(), t)), 1e-4, ctx);
                Numerics.assertClose("dB " + pair.name(), trainer.gradients().b(pair.layer(), pair.target())
                        .toFloatArray(CPU), ref.lora(LoraKey.b(pair.layer(), t)), 1e-4, ctx);
            }
        }

        // the autograd gradient of Σ w·CE is the gradient of the GRPO loss: central differences of the double loss
        // with the old log-probs held at their value (μ = 1: ratio = exp(p − p_old) = 1 at this point)
        List<LoraKey> keys = new ArrayList<>(model.lora().keySet());
        for (int probe = 0; probe < 3; probe++) {
            LoraKey key = keys.get(rng.nextInt(keys.size()));
            float[] values = model.lora().get(key);
            int e = rng.nextInt(values.length);
            float[] plus = values.clone(), minus = values.clone();
            plus[e] = (float) (values[e] + 1e-3);
            minus[e] = (float) (values[e] - 1e-3);
            double step = (double) plus[e] - minus[e];
            double fd = (heldLoss(model.withLora(key, plus), tokens, seqs, seq, p, r, config.vocab())
                    - heldLoss(model.withLora(key, minus), tokens, seqs, seq, p, r, config.vocab())) / step;
            double g = ref.lora(key)[e];
            assertEquals(g, fd, 1e-6 + 1e-4 * Math.abs(g), "finite difference " + key + "[" + e + "] " + ctx);
        }
    }

    /** The GRPO loss of {@code m} with old log-probs {@code old} held fixed and reference {@code r}. */
    static double heldLoss(OracleModel m, int[][] tokens, List<GrpoTrainer.Sequence> seqs, int seq, double[][] old,
                           double[][] r, int vocab) {
        double[][] p = logProbs(TorchLlama.logits(m, tokens, Precision.FLOAT64), seqs, seq, vocab);
        double loss = 0;
        for (int i = 0; i < seqs.size(); i++) {
            double a = seqs.get(i).advantage(), sum = 0;
            for (int t = 0; t < p[i].length; t++) {
                double d = r[i][t] - p[i][t];
                sum += -Math.exp(p[i][t] - old[i][t]) * a + BETA * (Math.exp(d) - d - 1);
            }
            loss += sum / p[i].length / seqs.size();
        }
        return loss;
    }

    /** Log-softmax of logits [N·S×V] at each completion token's position. */
    static double[][] logProbs(double[] logits, List<GrpoTrainer.Sequence> seqs, int seq, int vocab) {
        return perCompletionToken(seqs, seq, vocab, (row, target) -> {
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (int v = 0; v < vocab; v++) {
                max = Math.max(max, logits[row + v]);
            }
            for (int v = 0; v < vocab; v++) {
                sum += Math.exp(logits[row + v] - max);
            }
            return logits[row + target] - max - Math.log(sum);
        });
    }

    /** The largest |logit| of the row each completion token is scored in: the size of the terms of its log-prob. */
    static double[][] logitScale(double[] logits, List<GrpoTrainer.Sequence> seqs, int seq, int vocab) {
        return perCompletionToken(seqs, seq, vocab, (row, target) -> {
            double max = 0;
            for (int v = 0; v < vocab; v++) {
                max = Math.max(max, Math.abs(logits[row + v]));
            }
            return max;
        });
    }

    /** f(offset of the logits row [V] that scores the token, the token) for every completion token, [N][its length]. */
    static double[][] perCompletionToken(List<GrpoTrainer.Sequence> seqs, int seq, int vocab, TokenRow f) {
        double[][] out = new double[seqs.size()][];
        for (int i = 0; i < seqs.size(); i++) {
            GrpoTrainer.Sequence s = seqs.get(i);
            out[i] = new double[s.completion().length];
            for (int t = 0; t < s.completion().length; t++) {
                out[i][t] = f.at((i * seq + s.prompt().length - 1 + t) * vocab, s.completion()[t]);
            }
        }
        return out;
    }

    /** A value computed from one logits row (its offset) and the token it scores. */
    interface TokenRow {
        double at(int row, int target);
    }

    static int[] tokens(Rng rng, int vocab, int n) {
        int[] t = new int[n];
        for (int i = 0; i < n; i++) {
            t[i] = rng.nextInt(vocab);
        }
        return t;
    }

    static int[] concat(int[] a, int[] b) {
        int[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    static float[] toFloat(double[] x) {
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = (float) x[i];
        }
        return y;
    }

    static double[] toDouble(float[] x) {
        return Numerics.toDouble(x);
    }
}
