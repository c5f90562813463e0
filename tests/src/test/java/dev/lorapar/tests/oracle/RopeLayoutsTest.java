package dev.lorapar.tests.oracle;

import static dev.lorapar.tests.oracle.TorchLlamaGradientTest.assertArraysClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorapar.tests.oracle.OracleConfig.Rope;
import dev.lorapar.tests.oracle.TorchLlama.Precision;
import dev.lorapar.tests.support.Rng;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The oracle's two RoPE branches agree with each other through the row permutation of q and k (the HF
 * conversion): an ADJACENT_PAIRS model and its rotate-half equivalent give the same logits and loss, and
 * gradients that map onto each other (B of q and k permuted, everything else equal). A layout swap without
 * the permutation changes the logits, so this is not vacuous.
 */
class RopeLayoutsTest {
    @Test
    void adjacentPairsModelEqualsItsRotateHalfEquivalent(TestInfo info) {
        Rng rng = Rng.forTest(info);
        OracleConfig base = TorchLlamaGradientTest.smallConfig(rng);
        OracleConfig config = base.withRope(Rope.ADJACENT_PAIRS);
        OracleModel adjacent = OracleModel.random(rng, config, 3, 1.0, EnumSet.allOf(LoraTarget.class), 0.7);
        OracleModel rotateHalf = RopeLayouts.toRotateHalf(adjacent);
        assertEquals(Rope.ROTATE_HALF, rotateHalf.config().rope());
        OracleBatch batch = TorchLlamaGradientTest.randomBatch(rng, config, true);

        OracleGradients a = TorchLlama.gradients(adjacent, batch, Precision.FLOAT64, true);
        OracleGradients r = TorchLlama.gradients(rotateHalf, batch, Precision.FLOAT64, true);
        assertEquals(a.loss(), r.loss(), 1e-12 * Math.abs(a.loss()), rng.tag());
        assertArraysClose("logits", r.logits(), a.logits(), 1e-12, rng);
        assertArraysClose("inputEmbedding", r.inputEmbedding(), a.inputEmbedding(), 1e-12, rng);
        int d = config.headDim();
        a.lora().forEach((key, grad) -> {
            boolean permuted = key.factor() == LoraKey.Factor.B && (key.target() == LoraTarget.Q || key.target() == LoraTarget.K);
            double[] expected = permuted ? permuteRows(grad, adjacent.loraRank(), d) : grad;
            assertArraysClose(key.toString(), r.lora(key), expected, 1e-10, rng);
        });
        a.base().forEach((name, grad) -> {
            boolean permuted = name.contains("q_proj") || name.contains("k_proj");
            double[] expected = permuted ? permuteRows(grad, config.dim(), d) : grad;
            assertArraysClose(name, r.base(name), expected, 1e-10, rng);
        });

        double[] swapped = TorchLlama.logits(adjacent.withConfig(config.withRope(Rope.ROTATE_HALF)), batch.tokens(),
                Precision.FLOAT64);
        double diff = 0, norm = 0;
        for (int i = 0; i < swapped.length; i++) {
            diff += (swapped[i] - a.logits()[i]) * (swapped[i] - a.logits()[i]);
            norm += a.logits()[i] * a.logits()[i];
        }
        assertTrue(Math.sqrt(diff / norm) > 1e-4, "the RoPE layout made no difference " + rng.tag());
    }

    @Test
    void rotateHalfRowMapping() {
        // head size 6: adjacent rows (0,1) (2,3) (4,5) → pairs (0,3) (1,4) (2,5); the second head is offset by 6.
        int[] expected = {0, 3, 1, 4, 2, 5, 6, 9, 7, 10, 8, 11};
        int[] got = new int[expected.length];
        for (int r = 0; r < got.length; r++) got[r] = RopeLayouts.rotateHalfRow(r, 6);
        assertArrayEquals(expected, got);
    }

    private static double[] permuteRows(double[] m, int cols, int headDim) {
        double[] out = new double[m.length];
        for (int r = 0; r < m.length / cols; r++) System.arraycopy(m, r * cols, out, RopeLayouts.rotateHalfRow(r, headDim) * cols, cols);
        return out;
    }
}
