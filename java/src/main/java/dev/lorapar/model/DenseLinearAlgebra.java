package dev.lorapar.model;

import java.util.stream.IntStream;

/**
 * The small dense sub-problems of {@link LowRank}, in double precision on the host. Matrices here are held as arrays
 * of columns ({@code double[n][m]}: n columns of length m, each contiguous), the layout Gram-Schmidt and one-sided
 * Jacobi walk; {@link #columns} and {@link #rowMajor} convert from and to the row-major arrays of the public API.
 */
final class DenseLinearAlgebra {
    private DenseLinearAlgebra() {}

    static final double EPS = Math.ulp(1.0); // 2.22e-16

    /** A Jacobi sweep goes parallel over its disjoint column pairs when m·n reaches this (below it, threads cost more). */
    private static final long PARALLEL_ELEMENTS = 1L << 15;

    /** Jacobi sweeps before giving up: it converges quadratically, in well under 20 sweeps in practice. */
    private static final int MAX_SWEEPS = 80;

    /** The n columns of a row-major [m×n] matrix: result [n][m]. */
    static double[][] columns(double[] rowMajor, int m, int n) {
        double[][] cols = new double[n][m]; // [n][m]
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) cols[j][i] = rowMajor[i * n + j];
        }
        return cols;
    }

    /** Row-major [m×n] from n columns of length m. */
    static double[] rowMajor(double[][] cols, int m) {
        int n = cols.length;
        double[] out = new double[Math.multiplyExact(m, n)]; // [m×n]
        for (int j = 0; j < n; j++) {
            double[] c = cols[j]; // [m]
            for (int i = 0; i < m; i++) out[i * n + j] = c[i];
        }
        return out;
    }

    /** x·y with four partial sums (independent add chains: the JIT does not reorder a floating-point sum). */
    static double dot(double[] x, double[] y) {
        int n = x.length, i = 0;
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (; i + 3 < n; i += 4) {
            s0 += x[i] * y[i];
            s1 += x[i + 1] * y[i + 1];
            s2 += x[i + 2] * y[i + 2];
            s3 += x[i + 3] * y[i + 3];
        }
        for (; i < n; i++) s0 += x[i] * y[i];
        return (s0 + s1) + (s2 + s3);
    }

    static double norm(double[] x) {
        return Math.sqrt(dot(x, x));
    }

    /** y ← y − c·x. */
    static void subtractScaled(double[] y, double c, double[] x) {
        for (int i = 0; i < y.length; i++) y[i] -= c * x[i];
    }

    /**
     * Modified Gram-Schmidt with re-orthogonalisation, in place: each column is projected off the orthonormal columns
     * before it twice (a third time when the second pass still removed more than half of it, Kahan–Parlett's "twice is
     * enough" test), then normalised, so a column's direction is the one Gram-Schmidt gives (positive component along
     * the original column). A column whose remainder is at rounding level (≤ m·ε of its original norm, or zero) is
     * dependent on the ones before it: it is replaced by {@link #completeOrthonormal}'s deterministic vector.
     *
     * @param cols n columns of length m, n ≤ m; overwritten with orthonormal columns
     * @return dependent[j] = true where column j was replaced
     */
    static boolean[] orthonormalize(double[][] cols) {
        int n = cols.length;
        boolean[] dependent = new boolean[n]; // [n]
        for (int j = 0; j < n; j++) {
            double[] v = cols[j]; // [m]
            double original = norm(v);
            double remaining = original;
            boolean isDependent = original == 0;
            for (int pass = 0; pass < 3 && !isDependent; pass++) {
                for (int i = 0; i < j; i++) subtractScaled(v, dot(cols[i], v), cols[i]);
                double after = norm(v);
                isDependent = after <= v.length * EPS * original;
                boolean enough = pass >= 1 && after >= 0.5 * remaining;
                remaining = after;
                if (enough) break;
            }
            if (isDependent) {
                dependent[j] = true;
                cols[j] = completeOrthonormal(cols, j, v.length);
            } else {
                double inv = 1.0 / remaining;
                for (int i = 0; i < v.length; i++) v[i] *= inv;
            }
        }
        return dependent;
    }

    /**
     * A unit vector of length m orthogonal to cols[0..count) (orthonormal, count &lt; m), chosen deterministically: the
     * unit vector e_t whose projection off their span is largest (its squared length 1 − Σ_c cols[c][t]² is at least
     * (m − count)/m), projected off twice and normalised.
     */
    static double[] completeOrthonormal(double[][] cols, int count, int m) {
        if (count >= m) {
            throw new IllegalStateException("no unit vector of length " + m + " is orthogonal to " + count
                    + " orthonormal columns");
        }
        int best = 0;
        double bestRemainder = -1;
        for (int t = 0; t < m; t++) {
            double inSpan = 0;
            for (int c = 0; c < count; c++) inSpan += cols[c][t] * cols[c][t];
            if (1 - inSpan > bestRemainder + 1e-12) {
                bestRemainder = 1 - inSpan;
                best = t;
            }
        }
        double[] v = new double[m]; // [m]
        v[best] = 1;
        for (int pass = 0; pass < 2; pass++) {
            for (int c = 0; c < count; c++) subtractScaled(v, dot(cols[c], v), cols[c]);
        }
        double inv = 1.0 / norm(v);
        for (int i = 0; i < m; i++) v[i] *= inv;
        return v;
    }

    /**
     * The SVD A = U·diag(σ)·Vᵀ of A [m×n], m ≥ n, by one-sided Jacobi (Hestenes): plane rotations applied to pairs of
     * A's columns (and accumulated in V) until every pair is orthogonal to m·ε of the product of their norms (a column
     * under ε times the largest column norm counts as zero and is not rotated); then σ_j is the norm of column j and
     * U's column j that column over σ_j. Pairs are visited in round-robin order (each round n/2 disjoint pairs, run in
     * parallel on large inputs), so the result does not depend on the thread count.
     * Numerically zero singular values (≤ max(m, n)·ε·σ_max) get U columns from {@link #completeOrthonormal}.
     *
     * @param a n columns of length m (overwritten)
     * @return σ descending, U as n columns [n][m] in that order, V as n columns [n][n] in that order
     */
    static Jacobi jacobiSvd(double[][] a) {
        int n = a.length;
        int m = n == 0 ? 0 : a[0].length;
        if (m < n) throw new IllegalArgumentException("jacobiSvd needs m ≥ n, got " + m + "×" + n);
        double[][] v = new double[n][n]; // [n][n] columns of V
        for (int j = 0; j < n; j++) v[j][j] = 1;
        double tolerance = Math.max(1, m) * EPS;
        boolean parallel = (long) m * n >= PARALLEL_ELEMENTS && n >= 4;
        int players = n + (n & 1); // round-robin with a bye when n is odd
        int[] order = new int[players]; // [players] the circle of the round-robin schedule
        for (int sweep = 0; ; sweep++) {
            if (sweep == MAX_SWEEPS) {
                throw new ArithmeticException("one-sided Jacobi SVD of a " + m + "×" + n + " matrix did not converge in "
                        + MAX_SWEEPS + " sweeps");
            }
            for (int p = 0; p < players; p++) order[p] = p;
            double largest = 0; // the largest squared column norm
            for (double[] column : a) largest = Math.max(largest, dot(column, column));
            double negligible = EPS * EPS * largest; // squared norm of a column at W's rounding level: treated as zero
            boolean rotated = false;
            for (int round = 0; round < players - 1; round++) {
                int[] pairs = new int[players]; // [players] pair k = (pairs[2k], pairs[2k+1])
                for (int k = 0; k < players / 2; k++) {
                    int x = order[k], y = order[players - 1 - k];
                    pairs[2 * k] = Math.min(x, y);
                    pairs[2 * k + 1] = Math.max(x, y);
                }
                IntStream ks = IntStream.range(0, players / 2);
                if (parallel) ks = ks.parallel();
                boolean any = ks.map(k -> rotate(a, v, pairs[2 * k], pairs[2 * k + 1], n, tolerance, negligible) ? 1 : 0)
                        .sum() > 0;
                rotated |= any;
                int last = order[players - 1]; // rotate the circle, player 0 stays
                System.arraycopy(order, 1, order, 2, players - 2);
                order[1] = last;
            }
            if (!rotated) break;
        }
        double[] sigma = new double[n]; // [n]
        Integer[] byValue = new Integer[n];
        for (int j = 0; j < n; j++) {
            sigma[j] = norm(a[j]);
            byValue[j] = j;
        }
        java.util.Arrays.sort(byValue, (p, q) -> Double.compare(sigma[q], sigma[p]));
        double[] sorted = new double[n]; // [n]
        double[][] u = new double[n][]; // [n][m]
        double[][] vSorted = new double[n][]; // [n][n]
        double zeroBelow = n == 0 ? 0 : Math.max(m, n) * EPS * sigma[byValue[0]];
        for (int j = 0; j < n; j++) {
            int from = byValue[j];
            sorted[j] = sigma[from];
            vSorted[j] = v[from];
            if (sigma[from] > zeroBelow && sigma[from] > 0) {
                double inv = 1.0 / sigma[from];
                double[] col = a[from]; // [m]
                for (int i = 0; i < m; i++) col[i] *= inv;
                u[j] = col;
            } else {
                u[j] = completeOrthonormal(u, j, m);
            }
        }
        return new Jacobi(sorted, u, vSorted);
    }

    /** σ [n] descending; u: n columns of length m; v: n columns of length n. */
    record Jacobi(double[] sigma, double[][] u, double[][] v) {}

    /**
     * Rotates columns p &lt; q of a (and of v) to orthogonality; false when they already were, or when either has a
     * squared norm ≤ negligible (no change). Without that floor, the rounding residue of a column that exactly depends on
     * another (a repeated column) can stay parallel to it: each rotation then only shrinks the residue by ε, and the
     * sweeps never end.
     */
    private static boolean rotate(double[][] a, double[][] v, int p, int q, int n, double tolerance, double negligible) {
        if (q >= n) return false; // the bye of an odd n
        double[] x = a[p], y = a[q]; // [m] each
        double alpha = 0, beta = 0, gamma = 0; // ‖x‖², ‖y‖², x·y, each in two partial sums
        double alpha1 = 0, beta1 = 0, gamma1 = 0;
        int m = x.length, i = 0;
        for (; i + 1 < m; i += 2) {
            double x0 = x[i], y0 = y[i], x1 = x[i + 1], y1 = y[i + 1];
            alpha += x0 * x0;
            beta += y0 * y0;
            gamma += x0 * y0;
            alpha1 += x1 * x1;
            beta1 += y1 * y1;
            gamma1 += x1 * y1;
        }
        if (i < m) {
            alpha += x[i] * x[i];
            beta += y[i] * y[i];
            gamma += x[i] * y[i];
        }
        alpha += alpha1;
        beta += beta1;
        gamma += gamma1;
        if (alpha <= negligible || beta <= negligible) return false;
        if (!(Math.abs(gamma) > tolerance * Math.sqrt(alpha) * Math.sqrt(beta))) return false;
        double zeta = (beta - alpha) / (2 * gamma);
        double t = Math.abs(zeta) > 1e150
                ? 0.5 / zeta
                : Math.signum(zeta) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        if (zeta == 0) t = 1;
        double c = 1 / Math.sqrt(1 + t * t), s = c * t;
        applyRotation(x, y, c, s);
        applyRotation(v[p], v[q], c, s);
        return true;
    }

    /** [x y] ← [x y]·[[c, s], [−s, c]]: x ← c·x − s·y, y ← s·x + c·y. */
    private static void applyRotation(double[] x, double[] y, double c, double s) {
        for (int i = 0; i < x.length; i++) {
            double xi = x[i], yi = y[i];
            x[i] = c * xi - s * yi;
            y[i] = s * xi + c * yi;
        }
    }
}
