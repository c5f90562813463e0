package dev.lorapar.tests.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorapar.model.LlamaConfig;
import dev.lorapar.model.RopeStyle;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** LlamaConfig's derived sizes and validation; the RoPE q/k row permutation. */
class LlamaConfigTest {
    static LlamaConfig config(int dim, int heads, int kvHeads) {
        return new LlamaConfig(dim, 172, 5, heads, kvHeads, 512, 512, 1e-5, 10000, true, RopeStyle.ADJACENT_PAIRS);
    }

    @Test
    void derivedSizes() {
        LlamaConfig c = config(64, 8, 4);
        assertEquals(8, c.headDim());
        assertEquals(32, c.kvDim());
        assertEquals(2, c.queriesPerKvHead());
        LlamaConfig llama7b = new LlamaConfig(4096, 11008, 32, 32, 32, 32000, 4096, 1e-5, 10000, false, RopeStyle.ROTATE_HALF);
        assertEquals(128, llama7b.headDim());
        assertEquals(4096, llama7b.kvDim());
    }

    @Test
    void invalidConfigsNameTheField() {
        expectError("dim", () -> config(0, 8, 4));
        expectError("nKvHeads", () -> config(64, 8, -1));
        expectError("not a multiple of nHeads", () -> config(65, 8, 4));
        expectError("not a multiple of nKvHeads", () -> config(64, 8, 3));
        expectError("odd", () -> config(24, 8, 4)); // head size 3
        expectError("normEps", () -> new LlamaConfig(64, 1, 1, 8, 8, 1, 1, 0, 1e4, true, RopeStyle.ROTATE_HALF));
        expectError("ropeTheta", () -> new LlamaConfig(64, 1, 1, 8, 8, 1, 1, 1e-5, Double.NaN, true, RopeStyle.ROTATE_HALF));
        expectError("ropeStyle", () -> new LlamaConfig(64, 1, 1, 8, 8, 1, 1, 1e-5, 1e4, true, null));
        expectError("vocabSize", () -> new LlamaConfig(64, 1, 1, 8, 8, 0, 1, 1e-5, 1e4, true, RopeStyle.ROTATE_HALF));
    }

    static void expectError(String fragment, Runnable make) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, make::run);
        assertTrue(e.getMessage().contains(fragment), "message '" + e.getMessage() + "' lacks '" + fragment + "'");
    }

    /**
     * The row map must be transformers' permute(w) = w.view(heads, d/2, 2, in).transpose(1, 2): the HF
     * row at (head h, half j, index i) is the Meta row (h, i, j). Checked as a bijection, and against
     * RoPE itself: rotating adjacent pairs of x equals rotating halves of the permuted x.
     */
    @Test
    void rotateHalfRowIsTheTransformersPermutation() {
        int heads = 3, d = 8;
        Set<Integer> seen = new HashSet<>();
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < d / 2; i++) {
                for (int j = 0; j < 2; j++) {
                    int meta = h * d + 2 * i + j, hf = h * d + j * (d / 2) + i;
                    assertEquals(hf, RopeStyle.rotateHalfRow(meta, d));
                    seen.add(hf);
                }
            }
        }
        assertEquals(heads * d, seen.size());
        double[] x = new double[d];
        for (int k = 0; k < d; k++) x[k] = Math.sin(k + 1.0);
        double[] hfX = new double[d];
        for (int k = 0; k < d; k++) hfX[RopeStyle.rotateHalfRow(k, d)] = x[k];
        int pos = 5;
        double[] adjacent = x.clone(), half = hfX.clone();
        for (int i = 0; i < d / 2; i++) {
            double angle = pos * Math.pow(10000, -2.0 * i / d), c = Math.cos(angle), s = Math.sin(angle);
            adjacent[2 * i] = x[2 * i] * c - x[2 * i + 1] * s;
            adjacent[2 * i + 1] = x[2 * i] * s + x[2 * i + 1] * c;
            half[i] = hfX[i] * c - hfX[i + d / 2] * s;
            half[i + d / 2] = hfX[i] * s + hfX[i + d / 2] * c;
        }
        for (int k = 0; k < d; k++) assertEquals(adjacent[k], half[RopeStyle.rotateHalfRow(k, d)], 1e-15);
        assertThrows(IllegalArgumentException.class, () -> RopeStyle.rotateHalfRow(0, 3));
    }
}
