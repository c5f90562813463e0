package dev.lorapar.tests.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.lorapar.model.LowRank;
import dev.lorapar.model.LowRank.Operator;
import dev.lorapar.model.LowRank.Qr;
import dev.lorapar.model.LowRank.Svd;
import dev.lorapar.tests.support.Rng;
import java.util.Arrays;
import java.util.Locale;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * {@link LowRank}, the host numerics of the PiSSA and OLoRA inits, against references written differently here: the
 * singular values against the eigenvalues of the Gram matrix WᵀW (or W·Wᵀ) by two-sided cyclic Jacobi, the leading QR
 * against Householder QR, the randomized SVD against the exact one on matrices with planted spectra. Inputs are fresh
 * random matrices of odd sizes (seeds in every message). The API returns new arrays, so there is no output to poison.
 */
class LowRankTest {
    /** Odd shapes {rows, cols}: square, tall, wide, vectors. */
    static final int[][] SHAPES = {{1, 1}, {1, 9}, {9, 1}, {2, 3}, {7, 5}, {5, 7}, {13, 31}, {64, 17}, {97, 61}, {31, 31}};

    // ------------------------------------------------------------------------------------------------ exact SVD

    @Test
    void exactSvdReconstructsWithOrthonormalFactorsAndTheGramSpectrum(TestInfo info) {
        Rng rng = Rng.forTest(info);
        for (int[] shape : SHAPES) {
            int rows = shape[0], cols = shape[1], full = Math.min(rows, cols);
            float[] w = rng.gaussian(rows * cols, 1.0); // [rows×cols]
            String ctx = rows + "×" + cols + " " + rng.tag();
            Svd svd = LowRank.topSingularExact(w, rows, cols, full);
            checkSvdShape(svd, rows, cols, full, ctx);
            double norm = frobenius(toDouble(w));
            assertAtMost("‖W − U·S·Vᵀ‖ / ‖W‖", frobenius(minus(toDouble(w), product(svd))) / norm, 1e-13, ctx);
            assertOrthonormalColumns("U", svd.u(), rows, full, 1e-13, ctx);
            assertOrthonormalColumns("V", transpose(svd.vt(), full, cols), cols, full, 1e-13, ctx);
            assertDescendingNonNegative(svd.s(), ctx);
            double[] lambda = gramEigenvalues(w, rows, cols); // [full] descending
            for (int i = 0; i < full; i++) {
                assertAtMost("|s[" + i + "]² − λ[" + i + "](WᵀW)| / λmax", Math.abs(svd.s()[i] * svd.s()[i] - lambda[i]) / lambda[0],
                        1e-12, ctx);
            }
        }
    }

    @Test
    void exactTopRIsTheBestRankRApproximation(TestInfo info) {
        Rng rng = Rng.forTest(info);
        for (int[] shape : SHAPES) {
            int rows = shape[0], cols = shape[1], full = Math.min(rows, cols);
            float[] w = rng.uniform(rows * cols, -1f, 1f); // [rows×cols]
            double[] lambda = gramEigenvalues(w, rows, cols); // [full]
            double squaredNorm = Arrays.stream(lambda).sum();
            Svd all = LowRank.topSingularExact(w, rows, cols, full);
            for (int rank : new int[] {1, rng.between(1, full), full}) {
                String ctx = rows + "×" + cols + " rank " + rank + " " + rng.tag();
                Svd top = LowRank.topSingularExact(w, rows, cols, rank);
                checkSvdShape(top, rows, cols, rank, ctx);
                assertOrthonormalColumns("U", top.u(), rows, rank, 1e-13, ctx);
                assertOrthonormalColumns("V", transpose(top.vt(), rank, cols), cols, rank, 1e-13, ctx);
                double dropped = 0; // Eckart–Young: ‖W − W_r‖² = Σ_{i ≥ r} λ_i
                for (int i = rank; i < full; i++) dropped += lambda[i];
                double error = frobenius(minus(toDouble(w), product(top)));
                assertAtMost("|‖W − U_r·S_r·V_rᵀ‖² − Σ dropped λ| / ‖W‖²", Math.abs(error * error - dropped) / squaredNorm, 1e-12, ctx);
                for (int i = 0; i < rank; i++) {
                    assertAtMost("|top-r s[" + i + "] − full s[" + i + "]| / s0", Math.abs(top.s()[i] - all.s()[i]) / all.s()[0],
                            1e-14, ctx);
                }
            }
        }
    }

    @Test
    void exactSvdRecoversAPlantedSpectrum(TestInfo info) {
        Rng rng = Rng.forTest(info);
        for (int[] shape : new int[][] {{97, 61}, {17, 64}, {40, 40}}) {
            int rows = shape[0], cols = shape[1], full = Math.min(rows, cols);
            double[] planted = spectrum(full, i -> 3.0 * Math.pow(0.8, i)); // [full]
            float[] w = planted(rng, rows, cols, planted);
            String ctx = rows + "×" + cols + " " + rng.tag();
            Svd svd = LowRank.topSingularExact(w, rows, cols, full);
            for (int i = 0; i < full; i++) { // W is the planted matrix rounded to float: ‖δW‖ ≈ 6e-8·‖W‖
                assertAtMost("|s[" + i + "] − planted| / s0", Math.abs(svd.s()[i] - planted[i]) / planted[0], 1e-6, ctx);
            }
        }
    }

    @Test
    void exactSvdOfRankDeficientAndZeroMatrices(TestInfo info) {
        Rng rng = Rng.forTest(info);
        int rows = 13, cols = 7;
        float[] rankOne = integerProduct(rng, rows, cols, 1); // [13×7] a·bᵀ, exact in float
        float[] repeated = rng.gaussian(rows * cols, 1.0); // [13×7]: column 4 = column 1, column 6 = 0, row 2 = 0
        for (int i = 0; i < rows; i++) {
            repeated[i * cols + 4] = repeated[i * cols + 1];
            repeated[i * cols + 6] = 0;
        }
        for (int j = 0; j < cols; j++) repeated[2 * cols + j] = 0;
        float[] zero = new float[rows * cols]; // [13×7]
        for (var c : new Object[][] {{"rank one", rankOne, 1}, {"repeated and zero columns", repeated, 5}, {"zero", zero, 0}}) {
            float[] w = (float[]) c[1];
            int numericalRank = (Integer) c[2];
            for (boolean transposed : new boolean[] {false, true}) {
                float[] m = transposed ? transposeFloat(w, rows, cols) : w;
                int r = transposed ? cols : rows, k = transposed ? rows : cols;
                String ctx = c[0] + (transposed ? " (transposed) " : " ") + r + "×" + k + " " + rng.tag();
                Svd svd = LowRank.topSingularExact(m, r, k, Math.min(r, k));
                checkSvdShape(svd, r, k, Math.min(r, k), ctx);
                assertOrthonormalColumns("U", svd.u(), r, Math.min(r, k), 1e-13, ctx);
                assertOrthonormalColumns("V", transpose(svd.vt(), Math.min(r, k), k), k, Math.min(r, k), 1e-13, ctx);
                double norm = frobenius(toDouble(m));
                assertAtMost("‖W − U·S·Vᵀ‖", frobenius(minus(toDouble(m), product(svd))), 1e-13 * Math.max(norm, 1e-300), ctx);
                for (int i = numericalRank; i < svd.s().length; i++) {
                    assertAtMost("s[" + i + "] beyond the rank", svd.s()[i], 1e-14 * Math.max(norm, Double.MIN_VALUE), ctx);
                }
                for (int i = 0; i < numericalRank; i++) assertTrue(svd.s()[i] > 1e-3 * norm, "s[" + i + "] within the rank " + ctx);
            }
        }
    }

    @Test
    void operatorExactPathEqualsTheHostCopyPath(TestInfo info) {
        Rng rng = Rng.forTest(info);
        int rows = rng.pick(13, 64, 97), cols = rng.pick(5, 31, 61), rank = rng.between(1, Math.min(rows, cols));
        float[] w = rng.gaussian(rows * cols, 1.0); // [rows×cols]
        String ctx = rows + "×" + cols + " rank " + rank + " " + rng.tag();
        Svd host = LowRank.topSingularExact(w, rows, cols, rank);
        Svd dense = LowRank.topSingular(LowRank.dense(w, rows, cols), rank, 0, 1);
        Svd generic = LowRank.topSingular(new PlainOperator(toDouble(w), rows, cols), rank, 0, 1); // through W·E
        assertArrayEquals(host.s(), dense.s(), "dense operator: s " + ctx);
        assertArrayEquals(host.u(), dense.u(), "dense operator: u " + ctx);
        assertArrayEquals(host.vt(), dense.vt(), "dense operator: vt " + ctx);
        assertArrayEquals(host.s(), generic.s(), 1e-13 * host.s()[0], "generic operator: s " + ctx);
        assertAtMost("generic operator: ‖ΔU·S·Vᵀ‖ / ‖W‖", frobenius(minus(product(host), product(generic)))
                / frobenius(toDouble(w)), 1e-13, ctx);
    }

    // ------------------------------------------------------------------------------------------------ randomized SVD

    @Test
    void randomizedSvdMatchesTheExactOneWithASpectralGap(TestInfo info) {
        Rng rng = Rng.forTest(info);
        for (int[] shape : new int[][] {{97, 61}, {61, 97}, {64, 17}, {200, 151}}) {
            int rows = shape[0], cols = shape[1], full = Math.min(rows, cols);
            int rank = rng.between(1, Math.min(8, full - 1));
            double[] planted = spectrum(full, i -> i < rank ? 10 * Math.pow(0.9, i) : 0.1 * Math.pow(0.9, i - rank));
            compareRandomizedWithExact(rng, rows, cols, rank, planted, 4, "gap 100×");
        }
    }

    @Test
    void randomizedSvdMatchesTheExactOneOnADecayingSpectrum(TestInfo info) {
        Rng rng = Rng.forTest(info);
        for (int[] shape : new int[][] {{97, 61}, {31, 127}}) {
            int rows = shape[0], cols = shape[1], full = Math.min(rows, cols);
            int rank = rng.between(1, 12);
            double[] planted = spectrum(full, i -> Math.pow(0.7, i)); // no gap: s_(i+1) / s_i = 0.7 throughout
            compareRandomizedWithExact(rng, rows, cols, rank, planted, 8, "decay 0.7^i");
        }
    }

    @Test
    void randomizedSvdAtFullRankIsExactAndIsDeterministicInItsSeed(TestInfo info) {
        Rng rng = Rng.forTest(info);
        for (int[] shape : new int[][] {{7, 5}, {5, 7}, {13, 31}, {1, 9}}) {
            int rows = shape[0], cols = shape[1], full = Math.min(rows, cols);
            float[] w = rng.gaussian(rows * cols, 1.0); // [rows×cols]
            long seed = rng.nextLong();
            String ctx = rows + "×" + cols + " seed " + seed + " " + rng.tag();
            Operator op = LowRank.dense(w, rows, cols);
            Svd randomized = LowRank.topSingular(op, full, 1, seed); // oversampling capped at min(rows, cols): all of W
            Svd exact = LowRank.topSingularExact(w, rows, cols, full);
            checkSvdShape(randomized, rows, cols, full, ctx);
            for (int i = 0; i < full; i++) {
                assertAtMost("|s[" + i + "] − exact| / s0", Math.abs(randomized.s()[i] - exact.s()[i]) / exact.s()[0], 1e-13, ctx);
            }
            assertAtMost("‖W − U·S·Vᵀ‖ / ‖W‖", frobenius(minus(toDouble(w), product(randomized))) / frobenius(toDouble(w)),
                    1e-13, ctx);
            Svd again = LowRank.topSingular(op, full, 1, seed);
            assertArrayEquals(randomized.u(), again.u(), "same seed, same U " + ctx);
            assertArrayEquals(randomized.s(), again.s(), "same seed, same s " + ctx);
            assertArrayEquals(randomized.vt(), again.vt(), "same seed, same Vᵀ " + ctx);
        }
    }

    @Test
    void randomizedSvdOfARankDeficientMatrix(TestInfo info) {
        Rng rng = Rng.forTest(info);
        int rows = 61, cols = 37, trueRank = 3, rank = 6; // l = 14 > the rank of W: Q gets completed columns
        float[] w = integerProduct(rng, rows, cols, trueRank); // [61×37] of rank 3 exactly
        String ctx = rows + "×" + cols + " rank-" + trueRank + " W, top " + rank + " " + rng.tag();
        Svd svd = LowRank.topSingular(LowRank.dense(w, rows, cols), rank, 3, rng.nextLong());
        Svd exact = LowRank.topSingularExact(w, rows, cols, rank);
        checkSvdShape(svd, rows, cols, rank, ctx);
        assertOrthonormalColumns("U", svd.u(), rows, rank, 1e-13, ctx);
        assertOrthonormalColumns("V", transpose(svd.vt(), rank, cols), cols, rank, 1e-13, ctx);
        for (int i = 0; i < trueRank; i++) {
            assertAtMost("|s[" + i + "] − exact| / exact", Math.abs(svd.s()[i] - exact.s()[i]) / exact.s()[i], 1e-12, ctx);
        }
        for (int i = trueRank; i < rank; i++) assertAtMost("s[" + i + "] beyond the rank / s0", svd.s()[i] / svd.s()[0], 1e-14, ctx);
        assertAtMost("‖W − U·S·Vᵀ‖ / ‖W‖", frobenius(minus(toDouble(w), product(svd))) / frobenius(toDouble(w)), 1e-13, ctx);
    }

    /** Times (prints, does not assert) a 4096×4096 rank-16 randomized SVD with 4 iterations; checks the result is sane. */
    @Test
    void randomizedSvdOf4096SquareTiming(TestInfo info) {
        Rng rng = Rng.forTest(info);
        int n = 4096, rank = 16;
        float[] w = rng.gaussian(n * n, 0.02); // [4096×4096]
        String ctx = n + "×" + n + " rank " + rank + " " + rng.tag();
        Operator op = LowRank.dense(w, n, n);
        long start = System.nanoTime();
        Svd svd = LowRank.topSingular(op, rank, 4, rng.nextLong());
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf(Locale.ROOT, "[low-rank] randomized SVD %d×%d rank %d, 4 iterations, l = %d, on the host (%d cores): %.2f s%n",
                n, n, rank, rank + LowRank.OVERSAMPLING, Runtime.getRuntime().availableProcessors(), seconds);
        assertOrthonormalColumns("U", svd.u(), n, rank, 1e-12, ctx);
        assertOrthonormalColumns("V", transpose(svd.vt(), rank, n), n, rank, 1e-12, ctx);
        assertDescendingNonNegative(svd.s(), ctx);
        double[] wtU = op.transposeTimes(svd.u(), rank); // [n×rank]: Uᵀ·W = diag(s)·Vᵀ exactly for U = Q·Ũ
        double[] sv = transpose(svd.vt(), rank, n); // [n×rank] V·diag(s)
        for (int i = 0; i < n; i++) for (int c = 0; c < rank; c++) sv[i * rank + c] *= svd.s()[c];
        assertAtMost("‖Wᵀ·U − V·S‖ / s0", frobenius(minus(wtU, sv)) / svd.s()[0], 1e-12, ctx);
        // a Gaussian W [n×n] of σ 0.02 has s0 ≈ 0.02·2√n (the Marchenko–Pastur edge); 4 iterations get within a few %
        assertAtMost("|s0 / (0.02·2√n) − 1|", Math.abs(svd.s()[0] / (0.02 * 2 * Math.sqrt(n)) - 1), 0.1, ctx);
    }

    // ------------------------------------------------------------------------------------------------ leading QR

    @Test
    void leadingQrMatchesHouseholderAndReproducesTheLeadingColumns(TestInfo info) {
        Rng rng = Rng.forTest(info);
        for (int[] shape : SHAPES) {
            int rows = shape[0], cols = shape[1], full = Math.min(rows, cols);
            float[] w = rng.gaussian(rows * cols, 1.0); // [rows×cols]
            double[][] householderQ = householderLeadingQ(toDouble(w), rows, cols, full); // [full][rows] columns
            for (int rank : new int[] {1, rng.between(1, full), full}) {
                String ctx = rows + "×" + cols + " rank " + rank + " " + rng.tag();
                Qr qr = LowRank.leadingQr(LowRank.dense(w, rows, cols), rank);
                checkQr(qr, w, rows, cols, rank, ctx);
                for (int c = 0; c < rank; c++) { // Householder's column, signed so R's diagonal is positive
                    for (int i = 0; i < rows; i++) {
                        double diff = Math.abs(qr.q()[i * rank + c] - householderQ[c][i]);
                        if (!(diff <= 1e-10)) fail("Q[" + i + ", " + c + "] = " + qr.q()[i * rank + c] + ", Householder "
                                + householderQ[c][i] + " " + ctx);
                    }
                }
            }
        }
    }

    @Test
    void leadingQrOfRankDeficientLeadingColumns(TestInfo info) {
        Rng rng = Rng.forTest(info);
        int rows = 31, cols = 13, rank = 6;
        float[] w = new float[rows * cols]; // [31×13] integers (exact arithmetic): column 1 = 2·column 0, column 3 = 0,
        for (int i = 0; i < w.length; i++) w[i] = rng.between(-9, 9); // column 5 = column 2 − column 4
        for (int i = 0; i < rows; i++) {
            w[i * cols + 1] = 2 * w[i * cols];
            w[i * cols + 3] = 0;
            w[i * cols + 5] = w[i * cols + 2] - w[i * cols + 4];
        }
        String ctx = rows + "×" + cols + " rank " + rank + " " + rng.tag();
        Qr qr = LowRank.leadingQr(w, rows, cols, rank);
        checkQr(qr, w, rows, cols, rank, ctx);
        for (int j : new int[] {1, 3, 5}) assertEquals(0.0, qr.r()[j * cols + j], "R[" + j + ", " + j + "] of a dependent column " + ctx);
        for (int j : new int[] {0, 2, 4}) assertTrue(qr.r()[j * cols + j] > 0.1, "R[" + j + ", " + j + "] " + ctx);
        assertArrayEquals(qr.q(), LowRank.leadingQr(w, rows, cols, rank).q(), "the completion is deterministic " + ctx);

        float[] zero = new float[rows * cols]; // [31×13]
        Qr zeroQr = LowRank.leadingQr(zero, rows, cols, rank);
        checkQr(zeroQr, zero, rows, cols, rank, "zero W " + ctx);
        for (double v : zeroQr.r()) assertEquals(0.0, v, "R of a zero W " + ctx);

        float[] row = rng.gaussian(cols, 1.0); // [1×13]: rank 1, Q = ±1
        Qr single = LowRank.leadingQr(row, 1, cols, 1);
        checkQr(single, row, 1, cols, 1, "1×13 " + ctx);
        assertEquals(Math.signum(row[0]) == 0 ? 1.0 : Math.signum(row[0]), single.q()[0], 1e-15, "1×13 Q " + ctx);
    }

    @Test
    void leadingQrOfNearlyDependentColumnsStaysOrthonormal(TestInfo info) {
        Rng rng = Rng.forTest(info);
        int rows = rng.pick(31, 97), cols = rng.pick(7, 13), rank = cols - rng.between(0, 2);
        float[] w = new float[rows * cols]; // [rows×cols]: column j = column 0 with j of its elements moved by an ulp
        float[] first = rng.gaussian(rows, 1.0);
        for (int j = 0; j < cols; j++) {
            for (int i = 0; i < rows; i++) w[i * cols + j] = first[i];
            for (int t = 0; t < j; t++) {
                int i = rng.nextInt(rows);
                w[i * cols + j] = rng.nextBoolean() ? Math.nextUp(first[i]) : Math.nextDown(first[i]);
            }
        }
        String ctx = rows + "×" + cols + " rank " + rank + " (condition ~1e8) " + rng.tag();
        Qr qr = LowRank.leadingQr(w, rows, cols, rank); // one Gram-Schmidt pass would lose orthogonality to ε·κ ≈ 1e-8
        checkQr(qr, w, rows, cols, rank, ctx);
    }

    // ------------------------------------------------------------------------------------------------ bad input

    @Test
    void badInputThrowsWithAClearMessage(TestInfo info) {
        Rng rng = Rng.forTest(info);
        int rows = 7, cols = 5;
        float[] w = rng.gaussian(rows * cols, 1.0); // [7×5]
        Operator op = LowRank.dense(w, rows, cols);
        for (int rank : new int[] {0, -1, 6, Integer.MAX_VALUE}) {
            expectMessage(() -> LowRank.topSingularExact(w, rows, cols, rank), "rank");
            expectMessage(() -> LowRank.topSingular(op, rank, 2, 1), "rank");
            expectMessage(() -> LowRank.topSingular(op, rank, 0, 1), "rank");
            expectMessage(() -> LowRank.leadingQr(op, rank), "rank");
        }
        expectMessage(() -> LowRank.topSingular(op, 2, -1, 1), "powerIterations");
        expectMessage(() -> LowRank.topSingularExact(w, rows, cols + 1, 2), "values");
        expectMessage(() -> LowRank.dense(w, 0, cols), "1×1");
        for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
            float[] poisoned = w.clone();
            int at = rng.nextInt(poisoned.length);
            poisoned[at] = bad;
            String where = "W[" + (at / cols) + ", " + (at % cols) + "] = " + bad;
            expectMessage(() -> LowRank.topSingularExact(poisoned, rows, cols, 2), where);
            expectMessage(() -> LowRank.dense(poisoned, rows, cols), where);
            expectMessage(() -> LowRank.leadingQr(poisoned, rows, cols, 2), where);
            // a caller's operator (a GPU one) holding the NaN: caught in its products
            Operator device = new PlainOperator(toDouble(poisoned), rows, cols);
            expectMessage(() -> LowRank.topSingular(device, 2, 3, 1), "finite");
            expectMessage(() -> LowRank.topSingular(device, 2, 0, 1), "finite");
            expectMessage(() -> LowRank.leadingQr(device, 2), "finite");
        }
        Operator shortAnswers = new PlainOperator(toDouble(w), rows, cols) {
            @Override public double[] times(double[] x, int k) { return new double[rows * k - 1]; }
        };
        expectMessage(() -> LowRank.topSingular(shortAnswers, 2, 1, 1), "expected [7×");
        Operator huge = new PlainOperator(new double[0], 4096, 4096); // never called: the size check comes first
        expectMessage(() -> LowRank.topSingular(huge, 16, 0, 1), "randomized");
        Operator hugeWork = new PlainOperator(new double[0], 1500, 1500); // 2.25M elements but 3.4e9 of work
        expectMessage(() -> LowRank.topSingular(hugeWork, 16, 0, 1), "randomized");
    }

    // ================================================================================================ helpers

    /** Randomized top-r against the exact top-r of the same float W: values to 1e-8 relative, subspaces to 1e-7. */
    private static void compareRandomizedWithExact(Rng rng, int rows, int cols, int rank, double[] planted, int iterations,
                                                   String what) {
        float[] w = planted(rng, rows, cols, planted);
        long seed = rng.nextLong();
        String ctx = rows + "×" + cols + " rank " + rank + " " + what + ", " + iterations + " iterations, seed " + seed + " " + rng.tag();
        Svd randomized = LowRank.topSingular(LowRank.dense(w, rows, cols), rank, iterations, seed);
        Svd exact = LowRank.topSingularExact(w, rows, cols, rank);
        checkSvdShape(randomized, rows, cols, rank, ctx);
        assertOrthonormalColumns("U", randomized.u(), rows, rank, 1e-13, ctx);
        assertOrthonormalColumns("V", transpose(randomized.vt(), rank, cols), cols, rank, 1e-13, ctx);
        for (int i = 0; i < rank; i++) {
            assertAtMost("|s[" + i + "] − exact| / exact", Math.abs(randomized.s()[i] - exact.s()[i]) / exact.s()[i], 1e-8, ctx);
        }
        assertAtMost("U subspace: ‖U_exact − U·(Uᵀ·U_exact)‖", subspaceDistance(randomized.u(), exact.u(), rows, rank), 1e-7, ctx);
        assertAtMost("V subspace: ‖V_exact − V·(Vᵀ·V_exact)‖", subspaceDistance(transpose(randomized.vt(), rank, cols),
                transpose(exact.vt(), rank, cols), cols, rank), 1e-7, ctx);
        assertAtMost("‖ΔU·S·Vᵀ‖ / ‖W‖", frobenius(minus(product(randomized), product(exact))) / frobenius(toDouble(w)), 1e-8, ctx);
    }

    /** Q orthonormal; R's leading block upper triangular with diagonal ≥ 0; Q·R[:, :rank] = W[:, :rank]; R = Qᵀ·W. */
    private static void checkQr(Qr qr, float[] w, int rows, int cols, int rank, String ctx) {
        assertEquals(rank, qr.rank(), "rank " + ctx);
        assertEquals(rows * rank, qr.q().length, "q length " + ctx);
        assertEquals(rank * cols, qr.r().length, "r length " + ctx);
        assertAllFinite("Q", qr.q(), ctx);
        assertAllFinite("R", qr.r(), ctx);
        assertOrthonormalColumns("Q", qr.q(), rows, rank, 1e-13, ctx);
        double scale = Math.max(maxAbs(w), Double.MIN_NORMAL);
        for (int j = 0; j < rank; j++) {
            assertTrue(qr.r()[j * cols + j] >= 0, "R[" + j + ", " + j + "] = " + qr.r()[j * cols + j] + " < 0 " + ctx);
            for (int i = j + 1; i < rank; i++) assertEquals(0.0, qr.r()[i * cols + j], "R[" + i + ", " + j + "] below the diagonal " + ctx);
            for (int i = 0; i < rows; i++) {
                double sum = 0; // (Q·R)[i, j]
                for (int t = 0; t < rank; t++) sum += qr.q()[i * rank + t] * qr.r()[t * cols + j];
                assertAtMost("|(Q·R)[" + i + ", " + j + "] − W| / max|W|", Math.abs(sum - w[i * cols + j]) / scale, 1e-12, ctx);
            }
        }
        for (int t = 0; t < rank; t++) {
            for (int j = 0; j < cols; j++) {
                double sum = 0; // (Qᵀ·W)[t, j]
                for (int i = 0; i < rows; i++) sum += qr.q()[i * rank + t] * w[i * cols + j];
                assertAtMost("|R[" + t + ", " + j + "] − (Qᵀ·W)| / max|W|", Math.abs(qr.r()[t * cols + j] - sum) / scale, 1e-12, ctx);
            }
        }
    }

    private static void checkSvdShape(Svd svd, int rows, int cols, int rank, String ctx) {
        assertEquals(rank, svd.rank(), "rank " + ctx);
        assertEquals(rows * rank, svd.u().length, "u length " + ctx);
        assertEquals(rank, svd.s().length, "s length " + ctx);
        assertEquals(rank * cols, svd.vt().length, "vt length " + ctx);
        assertAllFinite("U", svd.u(), ctx);
        assertAllFinite("s", svd.s(), ctx);
        assertAllFinite("Vᵀ", svd.vt(), ctx);
    }

    private static void assertAllFinite(String name, double[] v, String ctx) {
        for (int i = 0; i < v.length; i++) if (!Double.isFinite(v[i])) fail(name + "[" + i + "] = " + v[i] + " " + ctx);
    }

    private static void assertAtMost(String what, double value, double bound, String ctx) {
        if (!(value <= bound)) fail(String.format(Locale.ROOT, "%s = %.3e > %.1e %s", what, value, bound, ctx));
    }

    private static void assertDescendingNonNegative(double[] s, String ctx) {
        for (int i = 0; i < s.length; i++) {
            assertTrue(s[i] >= 0, "s[" + i + "] = " + s[i] + " < 0 " + ctx);
            if (i > 0) assertTrue(s[i] <= s[i - 1], "s not descending at " + i + ": " + Arrays.toString(s) + " " + ctx);
        }
    }

    /** max |(AᵀA − I)[i, j]| ≤ tolerance for row-major a [m×n]. */
    private static void assertOrthonormalColumns(String name, double[] a, int m, int n, double tolerance, String ctx) {
        for (int p = 0; p < n; p++) {
            for (int q = p; q < n; q++) {
                double dot = 0;
                for (int i = 0; i < m; i++) dot += a[i * n + p] * a[i * n + q];
                double expected = p == q ? 1 : 0;
                if (!(Math.abs(dot - expected) <= tolerance)) {
                    fail(String.format(Locale.ROOT, "%s: (%sᵀ·%s)[%d, %d] = %.17g, expected %s (tolerance %.0e) %s",
                            name, name, name, p, q, dot, expected, tolerance, ctx));
                }
            }
        }
    }

    /** ‖B − A·(Aᵀ·B)‖_F for orthonormal row-major a, b [m×n]: 0 when span(B) ⊆ span(A). */
    private static double subspaceDistance(double[] a, double[] b, int m, int n) {
        double[] projection = new double[n * n]; // [n×n] Aᵀ·B
        for (int p = 0; p < n; p++) for (int q = 0; q < n; q++) {
            double sum = 0;
            for (int i = 0; i < m; i++) sum += a[i * n + p] * b[i * n + q];
            projection[p * n + q] = sum;
        }
        double squared = 0;
        for (int i = 0; i < m; i++) for (int q = 0; q < n; q++) {
            double sum = 0;
            for (int p = 0; p < n; p++) sum += a[i * n + p] * projection[p * n + q];
            double d = b[i * n + q] - sum;
            squared += d * d;
        }
        return Math.sqrt(squared);
    }

    /** U·diag(s)·Vᵀ as row-major [rows×cols]. */
    private static double[] product(Svd svd) {
        int rows = svd.rows(), cols = svd.cols(), r = svd.rank();
        double[] out = new double[rows * cols]; // [rows×cols]
        for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) {
            double sum = 0;
            for (int t = 0; t < r; t++) sum += svd.u()[i * r + t] * svd.s()[t] * svd.vt()[t * cols + j];
            out[i * cols + j] = sum;
        }
        return out;
    }

    /**
     * The eigenvalues of the Gram matrix WᵀW (cols ≤ rows) or W·Wᵀ, descending, by two-sided cyclic Jacobi on the
     * symmetric matrix itself — the squared singular values of W, computed without LowRank's one-sided Jacobi.
     */
    static double[] gramEigenvalues(float[] w, int rows, int cols) {
        boolean columnsGram = cols <= rows;
        int n = Math.min(rows, cols), len = Math.max(rows, cols);
        double[][] g = new double[n][n]; // [n×n]
        for (int p = 0; p < n; p++) for (int q = 0; q < n; q++) {
            double sum = 0;
            for (int t = 0; t < len; t++) {
                sum += columnsGram ? (double) w[t * cols + p] * w[t * cols + q] : (double) w[p * cols + t] * w[q * cols + t];
            }
            g[p][q] = sum;
        }
        for (int sweep = 0; sweep < 100; sweep++) {
            double off = 0, diag = 0;
            for (int p = 0; p < n; p++) for (int q = 0; q < n; q++) {
                if (p == q) diag += g[p][q] * g[p][q];
                else off += g[p][q] * g[p][q];
            }
            if (off <= 1e-32 * diag || off == 0) break;
            for (int p = 0; p < n - 1; p++) for (int q = p + 1; q < n; q++) {
                if (g[p][q] == 0) continue;
                double theta = (g[q][q] - g[p][p]) / (2 * g[p][q]);
                double t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.hypot(1, theta));
                double c = 1 / Math.hypot(1, t), s = t * c;
                for (int k = 0; k < n; k++) { // G ← G·J
                    double gp = g[k][p], gq = g[k][q];
                    g[k][p] = c * gp - s * gq;
                    g[k][q] = s * gp + c * gq;
                }
                for (int k = 0; k < n; k++) { // G ← Jᵀ·G
                    double gp = g[p][k], gq = g[q][k];
                    g[p][k] = c * gp - s * gq;
                    g[q][k] = s * gp + c * gq;
                }
            }
        }
        double[] lambda = new double[n]; // [n]
        for (int i = 0; i < n; i++) lambda[i] = Math.max(0, g[i][i]);
        Arrays.sort(lambda);
        for (int i = 0; i < n / 2; i++) { double t = lambda[i]; lambda[i] = lambda[n - 1 - i]; lambda[n - 1 - i] = t; }
        return lambda;
    }

    /**
     * The first k columns of the Q of W's Householder QR, each signed so that R's diagonal is positive: the reference
     * for Gram-Schmidt's Q. Returns k columns of length rows.
     */
    static double[][] householderLeadingQ(double[] w, int rows, int cols, int k) {
        double[] a = w.clone(); // [rows×cols], reduced in place to R
        double[][] reflectors = new double[k][]; // v_j [rows], zero above j
        for (int j = 0; j < k; j++) {
            double norm = 0;
            for (int i = j; i < rows; i++) norm += a[i * cols + j] * a[i * cols + j];
            norm = Math.sqrt(norm);
            double[] v = new double[rows]; // [rows]
            double alpha = a[j * cols + j] >= 0 ? -norm : norm; // H·a_j = alpha·e_j
            for (int i = j; i < rows; i++) v[i] = a[i * cols + j];
            v[j] -= alpha;
            double vv = 0;
            for (int i = j; i < rows; i++) vv += v[i] * v[i];
            if (vv > 0) {
                for (int c = j; c < cols; c++) {
                    double dot = 0;
                    for (int i = j; i < rows; i++) dot += v[i] * a[i * cols + c];
                    for (int i = j; i < rows; i++) a[i * cols + c] -= 2 * dot / vv * v[i];
                }
            }
            reflectors[j] = vv > 0 ? v : null;
        }
        double[][] q = new double[k][rows]; // Q·e_c = H_0·H_1·…·H_(k−1)·e_c
        for (int c = 0; c < k; c++) {
            double[] x = q[c];
            x[c] = 1;
            for (int j = k - 1; j >= 0; j--) {
                double[] v = reflectors[j];
                if (v == null) continue;
                double dot = 0, vv = 0;
                for (int i = j; i < rows; i++) { dot += v[i] * x[i]; vv += v[i] * v[i]; }
                for (int i = j; i < rows; i++) x[i] -= 2 * dot / vv * v[i];
            }
            if (a[c * cols + c] < 0) for (int i = 0; i < rows; i++) x[i] = -x[i]; // R[c, c] > 0
        }
        return q;
    }

    /** A·Bᵀ [rows×cols] for integer A [rows×rank], B [cols×rank] in ±[1, 4]: exactly of rank ≤ rank, exact in float. */
    static float[] integerProduct(Rng rng, int rows, int cols, int rank) {
        int[] a = new int[rows * rank], b = new int[cols * rank]; // [rows×rank], [cols×rank]
        for (int i = 0; i < a.length; i++) a[i] = rng.between(1, 4) * (rng.nextBoolean() ? 1 : -1);
        for (int i = 0; i < b.length; i++) b[i] = rng.between(1, 4) * (rng.nextBoolean() ? 1 : -1);
        float[] w = new float[rows * cols]; // [rows×cols]
        for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) {
            int sum = 0;
            for (int t = 0; t < rank; t++) sum += a[i * rank + t] * b[j * rank + t];
            w[i * cols + j] = sum;
        }
        return w;
    }

    /** W = U·diag(planted)·Vᵀ with random orthonormal U [rows×n], V [cols×n] (n = planted.length), rounded to float. */
    static float[] planted(Rng rng, int rows, int cols, double[] planted) {
        int n = planted.length;
        double[][] u = randomOrthonormal(rng, rows, n), v = randomOrthonormal(rng, cols, n); // columns
        float[] w = new float[rows * cols]; // [rows×cols]
        for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) {
            double sum = 0;
            for (int t = 0; t < n; t++) sum += u[t][i] * planted[t] * v[t][j];
            w[i * cols + j] = (float) sum;
        }
        return w;
    }

    /** n orthonormal columns of length m: the first n columns of a product of n + 1 random Householder reflections. */
    static double[][] randomOrthonormal(Rng rng, int m, int n) {
        double[][] cols = new double[n][m]; // [n][m]
        for (int c = 0; c < n; c++) cols[c][c] = 1;
        for (int r = 0; r <= n; r++) {
            double[] v = toDouble(rng.gaussian(m, 1.0)); // [m]
            double vv = 0;
            for (double x : v) vv += x * x;
            for (double[] x : cols) {
                double dot = 0;
                for (int i = 0; i < m; i++) dot += v[i] * x[i];
                for (int i = 0; i < m; i++) x[i] -= 2 * dot / vv * v[i];
            }
        }
        return cols;
    }

    static double[] spectrum(int n, DoubleUnaryOperator value) {
        double[] s = new double[n]; // [n]
        for (int i = 0; i < n; i++) s[i] = value.applyAsDouble(i);
        return s;
    }

    static double[] toDouble(float[] v) {
        double[] out = new double[v.length]; // [n]
        for (int i = 0; i < v.length; i++) out[i] = v[i];
        return out;
    }

    static double[] minus(double[] a, double[] b) {
        double[] out = new double[a.length]; // [n]
        for (int i = 0; i < a.length; i++) out[i] = a[i] - b[i];
        return out;
    }

    static double frobenius(double[] a) {
        double sum = 0;
        for (double x : a) sum += x * x;
        return Math.sqrt(sum);
    }

    static double maxAbs(float[] a) {
        double max = 0;
        for (float x : a) max = Math.max(max, Math.abs(x));
        return max;
    }

    /** Row-major [rows×cols] → row-major [cols×rows]. */
    static double[] transpose(double[] a, int rows, int cols) {
        double[] out = new double[a.length]; // [cols×rows]
        for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) out[j * rows + i] = a[i * cols + j];
        return out;
    }

    static float[] transposeFloat(float[] a, int rows, int cols) {
        float[] out = new float[a.length]; // [cols×rows]
        for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) out[j * rows + i] = a[i * cols + j];
        return out;
    }

    static void expectMessage(Runnable call, String fragment) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
        assertTrue(e.getMessage() != null && e.getMessage().contains(fragment),
                "message \"" + e.getMessage() + "\" should name \"" + fragment + "\"");
    }

    /**
     * An operator written plainly (one dot product per output element), standing in for a caller's GPU operator: it
     * does not check its input, so the products' own checks in LowRank are what catch a NaN in W.
     */
    static class PlainOperator implements Operator {
        private final double[] w; // [rows×cols]
        private final int rows, cols;

        PlainOperator(double[] w, int rows, int cols) {
            this.w = w;
            this.rows = rows;
            this.cols = cols;
        }

        @Override public int rows() { return rows; }

        @Override public int cols() { return cols; }

        @Override
        public double[] times(double[] x, int k) {
            double[] out = new double[rows * k]; // [rows×k]
            for (int i = 0; i < rows; i++) for (int c = 0; c < k; c++) {
                double sum = 0;
                for (int j = 0; j < cols; j++) sum += w[i * cols + j] * x[j * k + c];
                out[i * k + c] = sum;
            }
            return out;
        }

        @Override
        public double[] transposeTimes(double[] y, int k) {
            double[] out = new double[cols * k]; // [cols×k]
            for (int j = 0; j < cols; j++) for (int c = 0; c < k; c++) {
                double sum = 0;
                for (int i = 0; i < rows; i++) sum += w[i * cols + j] * y[i * k + c];
                out[j * k + c] = sum;
            }
            return out;
        }
    }
}
