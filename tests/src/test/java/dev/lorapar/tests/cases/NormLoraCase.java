package dev.lorapar.tests.cases;

import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.core.MaskMode;
import dev.lorapar.core.Ops;
import dev.lorapar.core.Tensor;
import dev.lorapar.tests.support.Numerics;
import dev.lorapar.tests.support.Rng;
import dev.lorapar.tests.support.TensorScope;

/**
 * One decode-step group through {@code Ops.rmsnormLoraDown} + {@code Ops.loraUpGroup}: x [rows×dim], norm weight
 * w [dim], adapters a[i] [r×dim], b[i] [n[i]×r], base outputs y0[i] [rows×n[i]] the up projections add onto; and the
 * same group through the unfused calls ({@code rmsnormForward} + {@code loraForwardGroup}).
 */
public final class NormLoraCase {
    public final int rows, dim, r, count;
    public final int[] n;
    public final float eps, scale;
    public final DType dtype;
    public final float[] x, w;              // [rows×dim], [dim]
    public final float[][] a, b, y0;        // [i] [r×dim], [n_i×r], [rows×n_i]

    /** h [rows×dim], rstd [rows], u[i] [rows×r], y[i] [rows×n_i] as read back. */
    public record Out(float[] h, float[] rstd, float[][] u, float[][] y) {
    }

    public NormLoraCase(Rng rng, int rows, int dim, int[] n, int r, DType dtype) {
        this.rows = rows; this.dim = dim; this.n = n.clone(); this.r = r; this.count = n.length; this.dtype = dtype;
        this.eps = 1e-5f;
        this.scale = (float) (0.5 + 8 * rng.nextDouble());
        this.x = Numerics.storedAs(dtype, rng.uniform(rows * dim, -2, 2));
        this.w = Numerics.storedAs(dtype, rng.uniform(dim, 0.5f, 1.5f));
        a = new float[count][]; b = new float[count][]; y0 = new float[count][];
        for (int i = 0; i < count; i++) {
            a[i] = Numerics.storedAs(dtype, rng.uniform(r * dim, -1, 1));
            b[i] = Numerics.storedAs(dtype, rng.uniform(n[i] * r, -1, 1));
            y0[i] = Numerics.storedAs(dtype, rng.uniform(rows * n[i], -1, 1));
        }
    }

    /** rmsnormLoraDown, then loraUpGroup (count ≥ 1), every output poisoned before the call. */
    public Out runFused(Device device) {
        try (TensorScope s = new TensorScope(device)) {
            Tensor th = s.poisoned(dtype, rows, dim), trstd = s.poisoned(DType.F32, rows);
            Tensor[] ta = new Tensor[count], tb = new Tensor[count], tu = new Tensor[count], ty = new Tensor[count];
            for (int i = 0; i < count; i++) {
                ta[i] = s.of(dtype, a[i], r, dim);
                tb[i] = s.of(dtype, b[i], n[i], r);
                tu[i] = s.poisoned(dtype, rows, r);
                ty[i] = s.of(dtype, y0[i], rows, n[i]);
            }
            Ops.rmsnormLoraDown(s.stream(), eps, s.of(dtype, x, rows, dim), s.of(dtype, w, dim), th, trstd, ta, tu);
            if (count > 0) Ops.loraUpGroup(s.stream(), scale, tu, tb, ty);
            return read(s, th, trstd, tu, ty);
        }
    }

    /** rmsnormForward, then loraForwardGroup without masks (count ≥ 1). */
    public Out runUnfused(Device device) {
        try (TensorScope s = new TensorScope(device)) {
            Tensor th = s.poisoned(dtype, rows, dim), trstd = s.poisoned(DType.F32, rows);
            Tensor[] ta = new Tensor[count], tb = new Tensor[count], tu = new Tensor[count], ty = new Tensor[count];
            for (int i = 0; i < count; i++) {
                ta[i] = s.of(dtype, a[i], r, dim);
                tb[i] = s.of(dtype, b[i], n[i], r);
                tu[i] = s.poisoned(dtype, rows, r);
                ty[i] = s.of(dtype, y0[i], rows, n[i]);
            }
            Ops.rmsnormForward(s.stream(), eps, s.of(dtype, x, rows, dim), s.of(dtype, w, dim), th, trstd);
            Ops.loraForwardGroup(s.stream(), scale, th, ta, null, tb, null, MaskMode.GRADIENT, tu, ty);
            return read(s, th, trstd, tu, ty);
        }
    }

    private Out read(TensorScope s, Tensor th, Tensor trstd, Tensor[] tu, Tensor[] ty) {
        float[][] u = new float[count][], y = new float[count][];
        for (int i = 0; i < count; i++) {
            u[i] = s.read(tu[i]);
            y[i] = s.read(ty[i]);
        }
        return new Out(s.read(th), s.read(trstd), u, y);
    }

    /**
     * got against the double reference (other == null) or against other: h and rstd from x, w; u[i] = h·a[i]ᵀ and
     * y[i] = y0[i] + scale·u[i]·b[i]ᵀ from got's own (rounded) h and u, so each stage is judged on its own.
     */
    public void check(Out got, Out other, String ctx) {
        double tolerance = dtype == DType.BF16 ? 1e-2 : 1e-5;
        double[] hRef = new double[rows * dim], rstdRef = new double[rows], hMag = new double[rows * dim];
        for (int i = 0; i < rows; i++) {
            double ss = 0;
            for (int j = 0; j < dim; j++) ss += (double) x[i * dim + j] * x[i * dim + j];
            rstdRef[i] = 1.0 / Math.sqrt(ss / dim + eps);
            for (int j = 0; j < dim; j++) {
                hRef[i * dim + j] = x[i * dim + j] * rstdRef[i] * w[j];
                hMag[i * dim + j] = Math.abs(hRef[i * dim + j]);
            }
        }
        String at = this + " " + ctx;
        LoraCase.compareWith("h", got.h(), hRef, other == null ? null : other.h(), hMag, 1, tolerance, at);
        LoraCase.compareWith("rstd", got.rstd(), rstdRef, other == null ? null : other.rstd(), rstdRef, 1,
                tolerance, at);
        for (int p = 0; p < count; p++) {
            double[] uRef = new double[rows * r], uMag = new double[rows * r];
            for (int i = 0; i < rows; i++)
                for (int j = 0; j < r; j++)
                    for (int k = 0; k < dim; k++) {
                        double t = (double) got.h()[i * dim + k] * a[p][j * dim + k];
                        uRef[i * r + j] += t;
                        uMag[i * r + j] += Math.abs(t);
                    }
            double[] yRef = new double[rows * n[p]], yMag = new double[rows * n[p]];
            for (int i = 0; i < rows; i++)
                for (int c = 0; c < n[p]; c++) {
                    double sum = 0, mag = 0;
                    for (int j = 0; j < r; j++) {
                        double t = (double) got.u()[p][i * r + j] * b[p][c * r + j];
                        sum += t;
                        mag += Math.abs(t);
                    }
                    yRef[i * n[p] + c] = y0[p][i * n[p] + c] + scale * sum;
                    yMag[i * n[p] + c] = Math.abs(y0[p][i * n[p] + c]) + Math.abs(scale) * mag;
                }
            String item = at + " projection " + p;
            LoraCase.compareWith("u", got.u()[p], uRef, other == null ? null : other.u()[p], uMag, dim, tolerance,
                    item);
            LoraCase.compareWith("y", got.y()[p], yRef, other == null ? null : other.y()[p], yMag, r + 1L, tolerance,
                    item);
        }
    }

    @Override
    public String toString() {
        return String.format("rmsnormLoraDown + loraUpGroup(rows=%d dim=%d n=%s r=%d %s)", rows, dim,
                java.util.Arrays.toString(n), r, dtype);
    }
}
