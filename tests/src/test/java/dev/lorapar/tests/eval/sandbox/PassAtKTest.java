package dev.lorapar.tests.eval.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.lorapar.eval.sandbox.PassAtK;
import java.math.BigInteger;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PassAtKTest {
    @Test
    void handComputedValues() {
        assertEquals(0.4, PassAtK.estimate(5, 2, 1), 1e-15);            // c / n
        assertEquals(0.7, PassAtK.estimate(5, 2, 2), 1e-15);            // 1 - C(3,2)/C(5,2) = 1 - 3/10
        assertEquals(0.9, PassAtK.estimate(5, 2, 3), 1e-15);            // 1 - C(3,3)/C(5,3) = 1 - 1/10
        assertEquals(1.0, PassAtK.estimate(5, 2, 4), 0);                // only 3 failures: every 4-subset passes
        assertEquals(0.0, PassAtK.estimate(10, 0, 5), 0);
        assertEquals(1.0, PassAtK.estimate(10, 10, 1), 0);
        assertEquals(1.0 - 190.0 / 4950.0, PassAtK.estimate(100, 80, 2), 1e-15); // 1 - C(20,2)/C(100,2)
        assertEquals((0.4 + 1.0 + 0.0) / 3, PassAtK.mean(List.of(new int[] {5, 2}, new int[] {3, 3}, new int[] {4, 0}), 1), 1e-15);
    }

    @Test
    void matchesExactBinomialsOnRandomCases() {
        Random rnd = new Random(System.nanoTime());
        for (int t = 0; t < 200; t++) {
            int n = 1 + rnd.nextInt(200), c = rnd.nextInt(n + 1), k = 1 + rnd.nextInt(n);
            double exact = n - c < k ? 1.0 : 1.0 - new java.math.BigDecimal(binomial(n - c, k)).divide(
                    new java.math.BigDecimal(binomial(n, k)), java.math.MathContext.DECIMAL128).doubleValue();
            assertEquals(exact, PassAtK.estimate(n, c, k), 1e-12, "n=" + n + " c=" + c + " k=" + k);
        }
    }

    @Test
    void rejectsImpossibleArguments() {
        assertThrows(IllegalArgumentException.class, () -> PassAtK.estimate(5, 6, 1));
        assertThrows(IllegalArgumentException.class, () -> PassAtK.estimate(5, 2, 6));
        assertThrows(IllegalArgumentException.class, () -> PassAtK.estimate(5, 2, 0));
        assertThrows(IllegalArgumentException.class, () -> PassAtK.estimate(0, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> PassAtK.mean(List.of(), 1));
    }

    static BigInteger binomial(int n, int k) {
        BigInteger r = BigInteger.ONE;
        for (int i = 0; i < k; i++) r = r.multiply(BigInteger.valueOf(n - i)).divide(BigInteger.valueOf(i + 1));
        return r;
    }
}
