package dev.lorapar.tests.cases;

import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.core.Ops;
import dev.lorapar.core.Tensor;
import dev.lorapar.tests.support.Numerics;
import dev.lorapar.tests.support.Rng;
import dev.lorapar.tests.support.TensorScope;

/**
 * One {@code Ops.swigluLoraDown} problem: gate, up [rows×hidden], adapters a[i] [r×hidden]; and the same through the
 * unfused calls ({@code swigluForward}, then {@code gemm} out·a[i]ᵀ per projection).
 */
public final class SwigluLoraCase {
    public final int rows, hidden, r, count;
    public final DType dtype;
    public final float[] gate, up;  // [rows×hidden]
    public final float[][] a;       // [i] [r×hidden]

    /** out [rows×hidden] and u[i] [rows×r] as read back. */
    public record Out(float[] out, float[][] u) {
    }

    public SwigluLoraCase(Rng rng, int rows, int hidden, int count, int r, DType dtype) {
        this.rows = rows; this.hidden = hidden; this.r = r; this.count = count; this.dtype = dtype;
        this.gate = Numerics.storedAs(dtype, rng.uniform(rows * hidden, -4, 4));
        this.up = Numerics.storedAs(dtype, rng.uniform(rows * hidden, -2, 2));
        a = new float[count][];
        for (int i = 0; i < count; i++) a[i] = Numerics.storedAs(dtype, rng.uniform(r * hidden, -1, 1));
    }

    public Out runFused(Device device) {
        try (TensorScope s = new TensorScope(device)) {
            Tensor out = s.poisoned(dtype, rows, hidden);
            Tensor[] ta = new Tensor[count], tu = new Tensor[count];
            for (int i = 0; i < count; i++) {
                ta[i] = s.of(dtype, a[i], r, hidden);
                tu[i] = s.poisoned(dtype, rows, r);
            }
            Ops.swigluLoraDown(s.stream(), s.of(dtype, gate, rows, hidden), s.of(dtype, up, rows, hidden), out, ta, tu);
            return read(s, out, tu);
        }
    }

    public Out runUnfused(Device device) {
        try (TensorScope s = new TensorScope(device)) {
            Tensor out = s.poisoned(dtype, rows, hidden);
            Ops.swigluForward(s.stream(), s.of(dtype, gate, rows, hidden), s.of(dtype, up, rows, hidden), out);
            Tensor[] tu = new Tensor[count];
            for (int i = 0; i < count; i++) {
                tu[i] = s.poisoned(dtype, rows, r);
                Ops.gemm(s.stream(), false, true, 1f, out, s.of(dtype, a[i], r, hidden), 0f, tu[i]);
            }
            return read(s, out, tu);
        }
    }

    private Out read(TensorScope s, Tensor out, Tensor[] tu) {
        float[][] u = new float[count][];
        for (int i = 0; i < count; i++) u[i] = s.read(tu[i]);
        return new Out(s.read(out), u);
    }

    /** got against the double reference (other == null) or other; u judged from got's own (rounded) out. */
    public void check(Out got, Out other, String ctx) {
        double tolerance = dtype == DType.BF16 ? 1e-2 : 1e-5;
        double[] outRef = new double[rows * hidden], outMag = new double[rows * hidden];
        for (int i = 0; i < outRef.length; i++) {
            double z = gate[i];
            outRef[i] = z / (1 + Math.exp(-z)) * up[i];
            outMag[i] = Math.abs(outRef[i]);
        }
        String at = this + " " + ctx;
        LoraCase.compareWith("out", got.out(), outRef, other == null ? null : other.out(), outMag, 1, tolerance, at);
        for (int p = 0; p < count; p++) {
            double[] uRef = new double[rows * r], uMag = new double[rows * r];
            for (int i = 0; i < rows; i++)
                for (int j = 0; j < r; j++)
                    for (int k = 0; k < hidden; k++) {
                        double t = (double) got.out()[i * hidden + k] * a[p][j * hidden + k];
                        uRef[i * r + j] += t;
                        uMag[i * r + j] += Math.abs(t);
                    }
            LoraCase.compareWith("u", got.u()[p], uRef, other == null ? null : other.u()[p], uMag, hidden, tolerance,
                    at + " projection " + p);
        }
    }

    @Override
    public String toString() {
        return String.format("swigluLoraDown(rows=%d hidden=%d count=%d r=%d %s)", rows, hidden, count, r, dtype);
    }
}
