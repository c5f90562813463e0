package dev.lorapar.model;

import java.util.Objects;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * The numerics behind the PiSSA and OLoRA LoRA inits ({@link LoraInit}), on the host in double precision: the top-r
 * SVD of a weight W [rows×cols] (exact by one-sided Jacobi, or randomized after Halko, Martinsson and Tropp 2011) and
 * the first r columns of its thin QR. The big products with W go through an {@link Operator}, so a caller can run them
 * on a GPU and keep only the thin [rows×k] and [cols×k] blocks (k ≈ r + 8) on the host; {@link #dense} is the host one.
 * Every array is row-major; shapes are given as [rows×cols].
 */
public final class LowRank {
    private LowRank() {}

    /** The largest rows·cols the exact SVD accepts (its host copies take a few times 8 bytes per element). */
    public static final long EXACT_MAX_ELEMENTS = 1L << 22;

    /**
     * The largest rows·cols·min(rows, cols) the exact SVD accepts: one-sided Jacobi does about 9 times that in
     * multiply-adds per sweep, over 10–15 sweeps. At the limit (e.g. 1290×1290, or 768×3640) that is about half a
     * minute on two cores; 1024×1024 took 16 s, 768×2048 23 s.
     */
    public static final long EXACT_MAX_WORK = 1L << 31;

    /** Extra columns of the randomized SVD's test matrix beyond the rank (capped at min(rows, cols)). */
    public static final int OVERSAMPLING = 8;

    /** Dense host products go parallel from this many multiply-adds on. */
    private static final long PARALLEL_WORK = 1L << 16;

    /** A linear operator W [rows×cols] applied to blocks of vectors; lets the caller run the big products on a GPU. */
    public interface Operator {
        int rows();

        int cols();

        /** W·X for X [cols×k] row-major → [rows×k] row-major (a new array). */
        double[] times(double[] x, int k);

        /** Wᵀ·Y for Y [rows×k] row-major → [cols×k] row-major (a new array). */
        double[] transposeTimes(double[] y, int k);
    }

    /**
     * The top-{@code rank} singular triplets W ≈ U·diag(s)·Vᵀ.
     *
     * @param u  [rows×rank] orthonormal columns
     * @param s  [rank] descending, ≥ 0
     * @param vt [rank×cols] orthonormal rows (Vᵀ)
     */
    public record Svd(int rank, double[] u, double[] s, double[] vt) {
        public Svd {
            Objects.requireNonNull(u, "u");
            Objects.requireNonNull(s, "s");
            Objects.requireNonNull(vt, "vt");
            if (rank < 1 || s.length != rank || u.length % rank != 0 || vt.length % rank != 0) {
                throw new IllegalArgumentException("Svd: rank " + rank + " does not fit u[" + u.length + "], s[" + s.length
                        + "], vt[" + vt.length + "]");
            }
        }

        public int rows() { return u.length / rank; }

        public int cols() { return vt.length / rank; }
    }

    /**
     * The first {@code rank} columns of the thin QR W = Q·R, and the first {@code rank} rows of R.
     *
     * @param q [rows×rank] orthonormal columns
     * @param r [rank×cols] = Qᵀ·W; its leading [rank×rank] block is upper triangular with a diagonal ≥ 0
     */
    public record Qr(int rank, double[] q, double[] r) {
        public Qr {
            Objects.requireNonNull(q, "q");
            Objects.requireNonNull(r, "r");
            if (rank < 1 || q.length % rank != 0 || r.length % rank != 0) {
                throw new IllegalArgumentException("Qr: rank " + rank + " does not fit q[" + q.length + "], r["
                        + r.length + "]");
            }
        }

        public int rows() { return q.length / rank; }

        public int cols() { return r.length / rank; }
    }

    /**
     * The host operator of a row-major float matrix w [rows×cols]; it reads w at every product (no copy), so w must not
     * change while the operator is in use. Products run in double precision, in parallel over blocks of rows (W·X) or
     * of columns (Wᵀ·Y).
     *
     * @throws IllegalArgumentException on a non-positive size, a length that is not rows·cols, or a NaN or infinity in
     *                                  w (named with its row and column)
     */
    public static Operator dense(float[] w, int rows, int cols) {
        checkHostMatrix(w, rows, cols);
        return new DenseOperator(w, rows, cols);
    }

    /**
     * The top-{@code rank} SVD of W.
     * <ul>
     * <li>{@code powerIterations} = 0: exact — W is copied to the host (through W·E, E the unit vectors, unless it is a
     * {@link #dense} operator) and {@link #topSingularExact} runs; it throws above {@link #EXACT_MAX_ELEMENTS} or
     * {@link #EXACT_MAX_WORK}.</li>
     * <li>{@code powerIterations} = n &gt; 0: randomized SVD. With l = min(rank + {@link #OVERSAMPLING}, rows, cols)
     * and Ω [cols×l] Gaussian from {@code seed}: Q = orth(W·Ω), then n times Q = orth(W·orth(Wᵀ·Q)); then the small
     * SVD Qᵀ·W = Ũ·diag(s)·Vᵀ (by one-sided Jacobi on Wᵀ·Q [cols×l]) gives U = Q·Ũ. Costs 2n + 2 products with
     * blocks of l columns. Accurate when s_rank is well above s_(l+1); each iteration raises that ratio's power.</li>
     * </ul>
     * The same inputs and seed give the same result (the host products are deterministic whatever the thread count).
     * If W has rank below {@code rank}, the trailing s are (numerically) 0 and their singular vectors are orthonormal
     * completions (deterministic, but arbitrary directions).
     *
     * @throws IllegalArgumentException on rank &lt; 1 or &gt; min(rows, cols), powerIterations &lt; 0, an operator
     *                                  product with a wrong length or a non-finite value (a NaN or infinity in W), or
     *                                  an exact SVD over {@link #EXACT_MAX_ELEMENTS} or {@link #EXACT_MAX_WORK}
     */
    public static Svd topSingular(Operator w, int rank, int powerIterations, long seed) {
        Objects.requireNonNull(w, "operator W");
        int rows = w.rows(), cols = w.cols();
        checkShape(rows, cols);
        checkRank(rank, rows, cols, "top-r SVD");
        if (powerIterations < 0) {
            throw new IllegalArgumentException("top-r SVD: powerIterations must be ≥ 0 (0 = exact), got "
                    + powerIterations);
        }
        if (powerIterations == 0) {
            checkExactSize(rows, cols);
            double[] host = w instanceof DenseOperator d ? toDouble(d.w) : materialize(w); // [rows×cols]
            return exactSvd(host, rows, cols, rank);
        }
        return randomizedSvd(w, rows, cols, rank, powerIterations, seed);
    }

    /**
     * The exact top-{@code rank} SVD of the row-major w [rows×cols] by one-sided Jacobi (to double-precision
     * convergence: every pair of columns of W·V orthogonal to max(rows, cols)·ε), within {@link #EXACT_MAX_ELEMENTS}
     * and {@link #EXACT_MAX_WORK}. Each singular vector's sign is Jacobi's (U·diag(s)·Vᵀ is what is determined).
     *
     * @throws IllegalArgumentException on bad sizes or rank, a NaN or infinity in w (named), or too large a w (the
     *                                  message names the randomized option)
     */
    public static Svd topSingularExact(float[] w, int rows, int cols, int rank) {
        checkHostMatrix(w, rows, cols);
        checkRank(rank, rows, cols, "exact top-r SVD");
        checkExactSize(rows, cols);
        return exactSvd(toDouble(w), rows, cols, rank);
    }

    /**
     * The first {@code rank} columns of the thin QR of W: Q = orth(W[:, :rank]) by modified Gram-Schmidt with
     * re-orthogonalisation (Q's columns are the ones Gram-Schmidt gives, so R's diagonal is ≥ 0 — LAPACK may differ by
     * column signs), and R = Qᵀ·W [rank×cols]. Only W·E (E the first {@code rank} unit vectors [cols×rank]) and one
     * Wᵀ·Q go through the operator. The leading [rank×rank] block of R is computed on the host from those columns, so
     * Q·R[:, :rank] reproduces W[:, :rank] to double rounding even when the operator's products are less precise; the
     * rest of R has the operator's precision.
     * <p>A leading column that depends on the ones before it (a zero column, a repeated one; remainder ≤ rows·ε of its
     * norm) gets as its Q column a deterministic unit vector orthogonal to the others (the unit vector e_t least in
     * their span, projected off them); its R row is then still Qᵀ·W: 0 on and left of the diagonal, and the part of
     * the later columns of W along that vector to the right (as Householder QR gives), so the invariant R = Qᵀ·W holds
     * and Q·R stays the projection of W onto span(Q).
     *
     * @throws IllegalArgumentException on rank &lt; 1 or &gt; min(rows, cols), or an operator product with a wrong
     *                                  length or a non-finite value (a NaN or infinity in W)
     */
    public static Qr leadingQr(Operator w, int rank) {
        Objects.requireNonNull(w, "operator W");
        int rows = w.rows(), cols = w.cols();
        checkShape(rows, cols);
        checkRank(rank, rows, cols, "leading QR");
        double[] unit = new double[Math.multiplyExact(cols, rank)]; // [cols×rank] E
        for (int j = 0; j < rank; j++) unit[j * rank + j] = 1;
        double[] leading = times(w, unit, rank); // [rows×rank] W[:, :rank]
        double[][] leadingColumns = DenseLinearAlgebra.columns(leading, rows, rank); // [rank][rows]
        double[][] qColumns = DenseLinearAlgebra.columns(leading, rows, rank); // [rank][rows]
        boolean[] dependent = DenseLinearAlgebra.orthonormalize(qColumns);
        double[] q = DenseLinearAlgebra.rowMajor(qColumns, rows); // [rows×rank]
        double[] rt = transposeTimes(w, q, rank); // [cols×rank] Wᵀ·Q
        double[] r = new double[Math.multiplyExact(rank, cols)]; // [rank×cols] R = Qᵀ·W
        for (int j = 0; j < cols; j++) {
            for (int i = 0; i < rank; i++) r[i * cols + j] = rt[j * rank + i];
        }
        for (int j = 0; j < rank; j++) { // the leading block from the host copy of W[:, :rank]
            for (int i = 0; i < rank; i++) {
                double value = i < j ? DenseLinearAlgebra.dot(qColumns[i], leadingColumns[j]) : 0;
                if (i == j && !dependent[j]) {
                    value = Math.max(0, DenseLinearAlgebra.dot(qColumns[j], leadingColumns[j])); // > 0 in exact arithmetic
                }
                r[i * cols + j] = value;
            }
        }
        return new Qr(rank, q, r);
    }

    /** {@link #leadingQr(Operator, int)} of the row-major host matrix w [rows×cols]. */
    public static Qr leadingQr(float[] w, int rows, int cols, int rank) {
        return leadingQr(dense(w, rows, cols), rank);
    }

    // ---------------------------------------------------------------------------------------------------------------

    private static Svd exactSvd(double[] w, int rows, int cols, int rank) {
        boolean tall = rows >= cols;
        // One-sided Jacobi on the taller orientation: A = W (cols columns of length rows) or A = Wᵀ (rows columns).
        double[][] a = tall ? DenseLinearAlgebra.columns(w, rows, cols) : rowsOf(w, rows, cols); // [n][m]
        DenseLinearAlgebra.Jacobi jacobi = DenseLinearAlgebra.jacobiSvd(a);
        double[][] left = tall ? jacobi.u() : jacobi.v(); // W's U columns, each [rows]
        double[][] right = tall ? jacobi.v() : jacobi.u(); // W's V columns, each [cols]
        double[] u = new double[Math.multiplyExact(rows, rank)]; // [rows×rank]
        double[] vt = new double[Math.multiplyExact(rank, cols)]; // [rank×cols]
        for (int c = 0; c < rank; c++) {
            for (int i = 0; i < rows; i++) u[i * rank + c] = left[c][i];
            System.arraycopy(right[c], 0, vt, c * cols, cols);
        }
        return new Svd(rank, u, java.util.Arrays.copyOf(jacobi.sigma(), rank), vt);
    }

    private static Svd randomizedSvd(Operator w, int rows, int cols, int rank, int iterations, long seed) {
        int l = Math.min(rank + OVERSAMPLING, Math.min(rows, cols));
        SplittableRandom random = new SplittableRandom(seed);
        double[] omega = new double[Math.multiplyExact(cols, l)]; // [cols×l] Gaussian test matrix
        for (int i = 0; i < omega.length; i++) omega[i] = gaussian(random);
        double[] q = orthonormalize(times(w, omega, l), rows, l); // [rows×l] orth(W·Ω)
        for (int it = 0; it < iterations; it++) {
            double[] z = orthonormalize(transposeTimes(w, q, l), cols, l); // [cols×l] orth(Wᵀ·Q)
            q = orthonormalize(times(w, z, l), rows, l); // [rows×l] orth(W·Z)
        }
        double[] bt = transposeTimes(w, q, l); // [cols×l] Wᵀ·Q = (Qᵀ·W)ᵀ
        // Bᵀ = Ũb·diag(s)·Ṽbᵀ, so Qᵀ·W = Ṽb·diag(s)·Ũbᵀ and W ≈ (Q·Ṽb)·diag(s)·Ũbᵀ.
        DenseLinearAlgebra.Jacobi small = DenseLinearAlgebra.jacobiSvd(DenseLinearAlgebra.columns(bt, cols, l));
        double[] u = new double[Math.multiplyExact(rows, rank)]; // [rows×rank] Q·Ṽb[:, :rank]
        for (int i = 0; i < rows; i++) {
            for (int c = 0; c < rank; c++) {
                double[] vb = small.v()[c]; // [l] column c of Ṽb
                double sum = 0;
                for (int t = 0; t < l; t++) sum += q[i * l + t] * vb[t];
                u[i * rank + c] = sum;
            }
        }
        double[] vt = new double[Math.multiplyExact(rank, cols)]; // [rank×cols] Ũbᵀ[:rank]
        for (int c = 0; c < rank; c++) System.arraycopy(small.u()[c], 0, vt, c * cols, cols);
        return new Svd(rank, u, java.util.Arrays.copyOf(small.sigma(), rank), vt);
    }

    /** orth of a row-major [m×n] block → row-major [m×n] orthonormal columns. */
    private static double[] orthonormalize(double[] block, int m, int n) {
        double[][] cols = DenseLinearAlgebra.columns(block, m, n); // [n][m]
        DenseLinearAlgebra.orthonormalize(cols);
        return DenseLinearAlgebra.rowMajor(cols, m);
    }

    /** The rows of a row-major [rows×cols] matrix: [rows][cols] (the columns of Wᵀ). */
    private static double[][] rowsOf(double[] w, int rows, int cols) {
        double[][] out = new double[rows][]; // [rows][cols]
        for (int i = 0; i < rows; i++) out[i] = java.util.Arrays.copyOfRange(w, i * cols, (i + 1) * cols);
        return out;
    }

    /** W as a row-major double [rows×cols], through W·E in blocks of up to 256 unit vectors. */
    private static double[] materialize(Operator w) {
        int rows = w.rows(), cols = w.cols();
        double[] out = new double[Math.multiplyExact(rows, cols)]; // [rows×cols]
        for (int j0 = 0; j0 < cols; j0 += 256) {
            int k = Math.min(256, cols - j0);
            double[] unit = new double[Math.multiplyExact(cols, k)]; // [cols×k]
            for (int c = 0; c < k; c++) unit[(j0 + c) * k + c] = 1;
            double[] block = times(w, unit, k); // [rows×k] W[:, j0:j0+k]
            for (int i = 0; i < rows; i++) System.arraycopy(block, i * k, out, i * cols + j0, k);
        }
        return out;
    }

    /** W·X through the operator, checked: length rows·k and every value finite. */
    private static double[] times(Operator w, double[] x, int k) {
        return checkProduct(w.times(x, k), w.rows(), k, "W·X");
    }

    /** Wᵀ·Y through the operator, checked: length cols·k and every value finite. */
    private static double[] transposeTimes(Operator w, double[] y, int k) {
        return checkProduct(w.transposeTimes(y, k), w.cols(), k, "Wᵀ·Y");
    }

    private static double[] checkProduct(double[] product, int m, int k, String what) {
        if (product == null || product.length != (long) m * k) {
            throw new IllegalArgumentException("operator " + what + " returned " + (product == null ? "null" : product.length
                    + " values") + ", expected [" + m + "×" + k + "] = " + (long) m * k);
        }
        for (int i = 0; i < product.length; i++) {
            if (!Double.isFinite(product[i])) {
                throw new IllegalArgumentException("operator " + what + " [" + (i / k) + ", " + (i % k) + "] = " + product[i]
                        + ": W must hold only finite values (it has a NaN or infinity)");
            }
        }
        return product;
    }

    private static void checkShape(int rows, int cols) {
        if (rows < 1 || cols < 1) {
            throw new IllegalArgumentException("W must be at least 1×1, got " + rows + "×" + cols);
        }
    }

    private static void checkHostMatrix(float[] w, int rows, int cols) {
        Objects.requireNonNull(w, "W");
        checkShape(rows, cols);
        if (w.length != (long) rows * cols) {
            throw new IllegalArgumentException("W has " + w.length + " values, expected " + rows + "×" + cols + " = "
                    + (long) rows * cols);
        }
        for (int i = 0; i < w.length; i++) {
            if (!Float.isFinite(w[i])) {
                throw new IllegalArgumentException("W[" + (i / cols) + ", " + (i % cols) + "] = " + w[i]
                        + " is not finite (W is " + rows + "×" + cols + ")");
            }
        }
    }

    private static void checkRank(int rank, int rows, int cols, String what) {
        if (rank < 1 || rank > Math.min(rows, cols)) {
            throw new IllegalArgumentException(what + ": rank must be in [1, min(rows, cols) = " + Math.min(rows, cols)
                    + "] for a " + rows + "×" + cols + " W, got " + rank);
        }
    }

    private static void checkExactSize(int rows, int cols) {
        long elements = (long) rows * cols;
        if (elements > EXACT_MAX_ELEMENTS || elements * Math.min(rows, cols) > EXACT_MAX_WORK) {
            throw new IllegalArgumentException("exact SVD (powerIterations = 0) of a " + rows + "×" + cols + " W is over the"
                    + " host limits (rows·cols ≤ " + EXACT_MAX_ELEMENTS + " and rows·cols·min(rows, cols) ≤ " + EXACT_MAX_WORK
                    + "; this one: " + elements + " and " + elements * Math.min(rows, cols) + "): use the randomized SVD"
                    + " (powerIterations > 0, PEFT's pissa_niter_n, e.g. LoraInit.Pissa(4))");
        }
    }

    private static double[] toDouble(float[] w) {
        double[] out = new double[w.length]; // [n]
        for (int i = 0; i < w.length; i++) out[i] = w[i];
        return out;
    }

    /** A standard normal draw (Box–Muller, one of the pair). */
    private static double gaussian(SplittableRandom random) {
        double u1 = 1.0 - random.nextDouble(), u2 = random.nextDouble();
        return Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(2.0 * Math.PI * u2);
    }

    /** The host operator of a row-major float [rows×cols] matrix. */
    private record DenseOperator(float[] w, int rows, int cols) implements Operator {
        private static final int COLUMN_BLOCK = 64; // Wᵀ·Y: columns per task, so the task's [64×k] output stays in cache

        @Override
        public double[] times(double[] x, int k) {
            checkBlock(x, cols, k, "W·X");
            double[] out = new double[Math.multiplyExact(rows, k)]; // [rows×k]
            IntStream range = IntStream.range(0, rows);
            if ((long) rows * cols * k >= PARALLEL_WORK) range = range.parallel();
            range.forEach(i -> {
                int o = i * k, base = i * cols, j = 0;
                for (; j + 3 < cols; j += 4) { // four rows of X per pass over the output row
                    double a0 = w[base + j], a1 = w[base + j + 1], a2 = w[base + j + 2], a3 = w[base + j + 3];
                    int x0 = j * k, x1 = x0 + k, x2 = x1 + k, x3 = x2 + k;
                    for (int c = 0; c < k; c++) {
                        out[o + c] += a0 * x[x0 + c] + a1 * x[x1 + c] + a2 * x[x2 + c] + a3 * x[x3 + c];
                    }
                }
                for (; j < cols; j++) {
                    double a = w[base + j];
                    int xo = j * k;
                    for (int c = 0; c < k; c++) out[o + c] += a * x[xo + c];
                }
            });
            return out;
        }

        @Override
        public double[] transposeTimes(double[] y, int k) {
            checkBlock(y, rows, k, "Wᵀ·Y");
            double[] out = new double[Math.multiplyExact(cols, k)]; // [cols×k]
            int blocks = (cols + COLUMN_BLOCK - 1) / COLUMN_BLOCK;
            IntStream range = IntStream.range(0, blocks);
            if ((long) rows * cols * k >= PARALLEL_WORK) range = range.parallel();
            range.forEach(b -> {
                int j0 = b * COLUMN_BLOCK, j1 = Math.min(cols, j0 + COLUMN_BLOCK);
                int i = 0;
                for (; i + 3 < rows; i += 4) { // four rows of W and Y per pass over the output block
                    int y0 = i * k, y1 = y0 + k, y2 = y1 + k, y3 = y2 + k;
                    int w0 = i * cols, w1 = w0 + cols, w2 = w1 + cols, w3 = w2 + cols;
                    for (int j = j0; j < j1; j++) {
                        double a0 = w[w0 + j], a1 = w[w1 + j], a2 = w[w2 + j], a3 = w[w3 + j];
                        int o = j * k;
                        for (int c = 0; c < k; c++) {
                            out[o + c] += a0 * y[y0 + c] + a1 * y[y1 + c] + a2 * y[y2 + c] + a3 * y[y3 + c];
                        }
                    }
                }
                for (; i < rows; i++) {
                    int yo = i * k, base = i * cols;
                    for (int j = j0; j < j1; j++) {
                        double a = w[base + j];
                        int o = j * k;
                        for (int c = 0; c < k; c++) out[o + c] += a * y[yo + c];
                    }
                }
            });
            return out;
        }

        private static void checkBlock(double[] block, int height, int k, String what) {
            Objects.requireNonNull(block, what);
            if (k < 1 || block.length != (long) height * k) {
                throw new IllegalArgumentException(what + ": block of " + block.length + " values for k = " + k
                        + ", expected [" + height + "×" + k + "]");
            }
        }
    }
}
