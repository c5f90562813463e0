package dev.lorapar.tests.cases;

import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.core.Ops;
import dev.lorapar.core.Tensor;
import dev.lorapar.tests.reference.GemmRef;
import dev.lorapar.tests.support.Numerics;
import dev.lorapar.tests.support.Rng;
import dev.lorapar.tests.support.TensorScope;

/**
 * One GEMM problem with its inputs (already rounded to their dtypes, so the tensors hold exactly
 * these values): C = alpha·op(A)·op(B) + beta·C, 2-D or 3-D strided batch. When beta == 0 the
 * initial C is NaN (the ABI says C is not read then). sharedA: a 2-D A used by every matrix of a 3-D B and C.
 */
public record GemmCase(boolean transA, boolean transB, int m, int n, int k, int batch, boolean threeD,
                       float alpha, float beta, DType abType, DType cType,
                       float[] a, float[] b, float[] c0, boolean sharedA) {

    public static GemmCase random(Rng rng, boolean transA, boolean transB, int m, int n, int k, int batch,
                                  boolean threeD, float alpha, float beta, DType abType, DType cType) {
        float[] a = Numerics.storedAs(abType, rng.uniform(batch * m * k, -1, 1)); // batch × [m×k] or [k×m]
        float[] b = Numerics.storedAs(abType, rng.uniform(batch * k * n, -1, 1)); // batch × [k×n] or [n×k]
        float[] c0 = beta == 0 ? Numerics.nan(batch * m * n)                     // batch × [m×n]
                : Numerics.storedAs(cType, rng.uniform(batch * m * n, -1, 1));
        return new GemmCase(transA, transB, m, n, k, batch, threeD, alpha, beta, abType, cType, a, b, c0, false);
    }

    /** A 3-D problem whose A [m×k] (or [k×m]) is one matrix shared by the batch (batch stride 0). */
    public static GemmCase randomSharedA(Rng rng, boolean transA, boolean transB, int m, int n, int k, int batch,
                                         float alpha, float beta, DType abType, DType cType) {
        GemmCase full = random(rng, transA, transB, m, n, k, batch, true, alpha, beta, abType, cType);
        float[] a = java.util.Arrays.copyOf(full.a, m * k);
        return new GemmCase(transA, transB, m, n, k, batch, true, alpha, beta, abType, cType, a, full.b, full.c0,
                true);
    }

    /** A as the reference reads it: batch × [m×k] (the shared matrix repeated). */
    float[] batchedA() {
        if (!sharedA) return a;
        float[] out = new float[batch * m * k];
        for (int i = 0; i < batch; i++) System.arraycopy(a, 0, out, i * m * k, m * k);
        return out;
    }

    long[] shape(int rows, int cols) { return threeD ? new long[] {batch, rows, cols} : new long[] {rows, cols}; }

    public long[] aShape() {
        if (sharedA) return transA ? new long[] {k, m} : new long[] {m, k};
        return transA ? shape(k, m) : shape(m, k);
    }

    public long[] bShape() { return transB ? shape(n, k) : shape(k, n); }

    public long[] cShape() { return shape(m, n); }

    /** C after the call on device (C read back as floats). */
    public float[] run(Device device) {
        try (TensorScope s = new TensorScope(device)) {
            Tensor ta = s.of(abType, a, aShape()), tb = s.of(abType, b, bShape()), tc = s.of(cType, c0, cShape());
            Ops.gemm(s.stream(), transA, transB, alpha, ta, tb, beta, tc);
            return s.read(tc);
        }
    }

    public double[] reference() { return GemmRef.gemm(transA, transB, m, n, k, batch, alpha, batchedA(), b, beta, c0); }

    /** |alpha|·|op(A)|·|op(B)| + |beta|·|C|: the scale rounding errors are relative to. */
    public double[] magnitude() {
        return GemmRef.gemm(transA, transB, m, n, k, batch, Math.abs(alpha), Numerics.absFloat(batchedA()), Numerics.absFloat(b),
                Math.abs(beta), Numerics.absFloat(c0));
    }

    /** Products summed into each element of C. */
    public long terms() { return k + (beta != 0 ? 1 : 0); }

    /** got (C read back) against the double reference. */
    public void check(String name, float[] got, String context) {
        Numerics.assertClose(name, got, reference(), magnitude(), terms(), tolerance(), this + " " + context);
    }

    /** got against another backend's C (already checked finite by the caller). */
    public void compare(String name, float[] got, float[] other, String context) {
        Numerics.assertAllFinite(name + " (other backend)", other, context);
        Numerics.assertClose(name, got, Numerics.toDouble(other), magnitude(), terms(), tolerance(), this + " " + context);
    }

    /**
     * Tolerance against the double reference. The inputs are exactly the stored values and the ABI
     * promises fp32 accumulation, so F32 output is held to 1e-5 whatever abType is. fp32 summation
     * error random-walks as u·√k relative (u = 6e-8): 1e-5 leaves > 5× margin up to k = 1024; above
     * that the bound grows with √(k/1024). A BF16 C adds one bf16 rounding (≤ 2^-9 relative): 1e-2.
     */
    public double tolerance() {
        if (cType == DType.BF16) return 1e-2;
        return 1e-5 * Math.max(1.0, Math.sqrt(k / 1024.0));
    }

    @Override
    public String toString() {
        return String.format("gemm(tA=%b tB=%b m=%d n=%d k=%d batch=%d%s alpha=%s beta=%s ab=%s c=%s)",
                transA, transB, m, n, k, batch, sharedA ? " 3-D, shared A" : threeD ? " 3-D" : "", alpha, beta,
                abType, cType);
    }
}
