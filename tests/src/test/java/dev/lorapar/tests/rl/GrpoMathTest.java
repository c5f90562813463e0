package dev.lorapar.tests.rl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorapar.rl.Advantages;
import dev.lorapar.rl.GrpoLoss;
import dev.lorapar.tests.support.Rng;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/** Group advantages and the GRPO loss with its per-token weights, by hand and against finite differences. */
class GrpoMathTest {
    static final GrpoLoss.Coefficients K = new GrpoLoss.Coefficients(0.04, 0.2);

    @Test
    void advantagesByHand() {
        // group 1: rewards 1,0,0,0: mean 0.25, unbiased variance (0.5625 + 3·0.0625) / 3 = 0.25, std 0.5
        // group 2: all equal: A = 0
        double[] a = Advantages.compute(new double[] {1, 0, 0, 0, 3, 3, 3, 3}, 4);
        double s = 0.5 + 1e-4;
        assertArrayEquals(new double[] {0.75 / s, -0.25 / s, -0.25 / s, -0.25 / s, 0, 0, 0, 0}, a, 1e-15);
        // G = 2: rewards 4, 0: mean 2, unbiased std sqrt(8) = 2.828...
        double[] b = Advantages.compute(new double[] {4, 0}, 2);
        assertArrayEquals(new double[] {2 / (Math.sqrt(8) + 1e-4), -2 / (Math.sqrt(8) + 1e-4)}, b, 1e-15);
        assertThrows(IllegalArgumentException.class, () -> Advantages.compute(new double[] {1, 2, 3}, 2));
        assertThrows(IllegalArgumentException.class, () -> Advantages.compute(new double[] {1}, 1));
        assertThrows(IllegalArgumentException.class, () -> Advantages.compute(new double[] {1, Double.NaN}, 2));
    }

    @Test
    void advantagesOfRandomGroupsHaveZeroMean(TestInfo info) {
        Rng rng = Rng.forTest(info);
        int g = rng.pick(2, 3, 5, 8), groups = rng.between(1, 7);
        double[] r = new double[g * groups];
        for (int i = 0; i < r.length; i++) {
            r[i] = rng.nextDouble() * 4 - 1;
        }
        double[] a = Advantages.compute(r, g);
        for (int k = 0; k < groups; k++) {
            double sum = 0, ss = 0, mean = 0, rss = 0;
            for (int i = k * g; i < (k + 1) * g; i++) {
                sum += a[i];
                ss += a[i] * a[i];
                mean += r[i] / g;
            }
            for (int i = k * g; i < (k + 1) * g; i++) {
                rss += (r[i] - mean) * (r[i] - mean);
            }
            assertEquals(0, sum, 1e-9, rng.tag());
            // the unbiased std of A is exactly std / (std + 1e-4), std = the rewards' unbiased std (close groups: < 1)
            double std = Math.sqrt(rss / (g - 1));
            assertEquals(std / (std + 1e-4), Math.sqrt(ss / (g - 1)), 1e-9, "std of advantages " + rng.tag());
        }
    }

    @Test
    void lossAndWeightsByHand() {
        // sequence 0: p = (−1, −2), r = (−1.5, −2), A = 0.5; sequence 1: p = (−0.5), r = (−0.25), A = −0.5; N = 2, μ = 1
        double[][] p = {{-1, -2}, {-0.5}}, r = {{-1.5, -2}, {-0.25}};
        GrpoLoss.Part part = GrpoLoss.compute(p, r, null, new double[] {0.5, -0.5}, 2, K);
        double k0 = Math.exp(-0.5) + 0.5 - 1, k2 = Math.exp(0.25) - 0.25 - 1;
        double seq0 = ((-0.5 + 0.04 * k0) + (-0.5 + 0)) / 2, seq1 = 0.5 + 0.04 * k2;
        assertEquals((seq0 + seq1) / 2, part.loss(), 1e-15);
        assertArrayEquals(new double[] {-(-0.5 + 0.04 * (1 - Math.exp(-0.5))) / 4, 0.5 / 4}, part.weights()[0], 1e-15);
        assertArrayEquals(new double[] {-(0.5 + 0.04 * (1 - Math.exp(0.25))) / 2}, part.weights()[1], 1e-15);
        assertEquals(k0 + k2, part.klSum(), 1e-15);
        assertEquals(3, part.tokens());
        assertEquals(0, part.clipped());
    }

    @Test
    void clippingByHand() {
        // old log-probs make ratios e^{0.3} ≈ 1.35 (above 1 + ε) and e^{−0.3} ≈ 0.74 (below 1 − ε)
        double[][] p = {{-1.0, -1.6}}, old = {{-1.3, -1.3}}, r = {{-1.0, -1.6}};
        GrpoLoss.Part pos = GrpoLoss.compute(p, r, old, new double[] {1.0}, 1, K);
        // A > 0: token 0 clipped (surrogate 1.2·A, no gradient); token 1 not (ratio·A is the min)
        double r1 = Math.exp(-0.3);
        assertEquals(((-1.2) + (-r1)) / 2, pos.loss(), 1e-15);
        assertArrayEquals(new double[] {0, r1 / 2}, pos.weights()[0], 1e-15);
        assertEquals(1, pos.clipped());
        GrpoLoss.Part neg = GrpoLoss.compute(p, r, old, new double[] {-1.0}, 1, K);
        // A < 0: token 1 clipped (ratio < 0.8: surrogate 0.8·A), token 0 not
        double r0 = Math.exp(0.3);
        assertEquals((r0 + 0.8) / 2, neg.loss(), 1e-15);
        assertArrayEquals(new double[] {-r0 / 2, 0}, neg.weights()[0], 1e-15);
        assertEquals(1, neg.clipped());
    }

    /** ∂L/∂p_t = −w_t for random inputs, μ = 1 (q = p held) and μ > 1 (fixed old log-probs), by central differences. */
    @Test
    void weightsAreMinusTheDerivative(TestInfo info) {
        Rng rng = Rng.forTest(info);
        int n = rng.between(1, 5), total = n + rng.between(0, 3);
        double[][] p = new double[n][], r = new double[n][], old = new double[n][];
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
            int len = rng.pick(1, 2, 3, 7);
            p[i] = new double[len];
            r[i] = new double[len];
            old[i] = new double[len];
            for (int t = 0; t < len; t++) {
                p[i][t] = -3 * rng.nextDouble();
                r[i][t] = p[i][t] + rng.nextDouble() - 0.5;
                old[i][t] = p[i][t] + 0.6 * (rng.nextDouble() - 0.5);
            }
            a[i] = 2 * rng.nextDouble() - 1;
        }
        GrpoLoss.Coefficients k = new GrpoLoss.Coefficients(0.5 * rng.nextDouble(), 0.2);
        for (double[][] o : new double[][][] {null, old}) {
            double[][] base = o == null ? copy(p) : o; // μ = 1 ≡ old = p held constant
            GrpoLoss.Part at = GrpoLoss.compute(p, r, base, a, total, k);
            if (o == null) {
                assertArrayEquals(flat(at.weights()), flat(GrpoLoss.compute(p, r, null, a, total, k).weights()), 1e-15,
                        "μ = 1 is old = p " + rng.tag());
            }
            for (int i = 0; i < n; i++) {
                for (int t = 0; t < p[i].length; t++) {
                    double h = 1e-6;
                    double[][] plus = copy(p), minus = copy(p);
                    plus[i][t] += h;
                    minus[i][t] -= h;
                    double fd = (GrpoLoss.compute(plus, r, base, a, total, k).loss()
                            - GrpoLoss.compute(minus, r, base, a, total, k).loss()) / (2 * h);
                    assertEquals(fd, -at.weights()[i][t], 1e-7, "d/dp[" + i + "][" + t + "] " + rng.tag());
                }
            }
        }
    }

    static double[][] copy(double[][] x) {
        double[][] y = new double[x.length][];
        for (int i = 0; i < x.length; i++) {
            y[i] = x[i].clone();
        }
        return y;
    }

    static double[] flat(double[][] x) {
        return java.util.Arrays.stream(x).flatMapToDouble(java.util.Arrays::stream).toArray();
    }
}
