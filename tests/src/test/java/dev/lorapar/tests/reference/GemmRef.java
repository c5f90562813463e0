package dev.lorapar.tests.reference;

/** Strided-batch GEMM in double: C[b] = alpha·op(A[b])·op(B[b]) + beta·C[b], row-major, contiguous. */
public final class GemmRef {
    private GemmRef() {}

    /**
     * a: batch × ([m×k], or [k×m] when transA), b: batch × ([k×n], or [n×k] when transB),
     * c: batch × [m×n] (not read when beta == 0). Returns batch × [m×n].
     */
    public static double[] gemm(boolean transA, boolean transB, int m, int n, int k, int batch,
                                double alpha, float[] a, float[] b, double beta, float[] c) {
        double[] out = new double[batch * m * n]; // batch × [m×n]
        for (int bt = 0; bt < batch; bt++) {
            int offA = bt * m * k, offB = bt * k * n, offC = bt * m * n;
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double sum = 0;
                    for (int p = 0; p < k; p++) {
                        double av = transA ? a[offA + p * m + i] : a[offA + i * k + p]; // op(A)[i][p]
                        double bv = transB ? b[offB + j * k + p] : b[offB + p * n + j]; // op(B)[p][j]
                        sum += av * bv;
                    }
                    double prior = beta == 0 ? 0 : beta * c[offC + i * n + j];
                    out[offC + i * n + j] = alpha * sum + prior;
                }
            }
        }
        return out;
    }
}
