package dev.lorapar.tests.cases;

import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.core.MaskMode;
import dev.lorapar.core.Ops;
import dev.lorapar.core.Tensor;
import dev.lorapar.tests.reference.LoraRef;
import dev.lorapar.tests.support.Numerics;
import dev.lorapar.tests.support.Rng;
import dev.lorapar.tests.support.TensorScope;

/**
 * One {@code Ops.loraForwardGroup} problem: projections i < count of one input x [m×k] with adapters a[i] [r×k],
 * b[i] [n[i]×r] (masks optional), y0[i] [m×n[i]] the base outputs the LoRA terms add onto; one rank and scale.
 */
public final class LoraGroupCase {
    public final int m, k, r, count;
    public final int[] n;
    public final float scale;
    public final DType dtype;
    public final MaskMode mode;
    public final float[] x;                 // [m×k]
    public final float[][] a, b, y0;        // [i] [r×k], [n_i×r], [m×n_i]
    public final byte[][] maskA, maskB;     // [i] [r×k], [n_i×r] u8 or null

    public LoraGroupCase(Rng rng, int m, int k, int[] n, int r, DType dtype, MaskMode mode, Rng.MaskKind kind) {
        this.m = m; this.k = k; this.n = n.clone(); this.r = r; this.count = n.length;
        this.dtype = dtype; this.mode = mode;
        this.scale = (float) (0.5 + 8 * rng.nextDouble());
        this.x = Numerics.storedAs(dtype, rng.uniform(m * k, -1, 1));
        a = new float[count][]; b = new float[count][]; y0 = new float[count][];
        maskA = new byte[count][]; maskB = new byte[count][];
        for (int i = 0; i < count; i++) {
            a[i] = Numerics.storedAs(dtype, rng.uniform(r * k, -1, 1));
            b[i] = Numerics.storedAs(dtype, rng.uniform(n[i] * r, -1, 1));
            y0[i] = Numerics.storedAs(dtype, rng.uniform(m * n[i], -1, 1));
            // projection 0 unmasked when masks are asked for: a group mixes masked and unmasked projections
            maskA[i] = kind == null || i == 0 ? null : rng.mask(r * k, kind);
            maskB[i] = kind == null || i == 0 ? null : rng.mask(n[i] * r, kind);
        }
    }

    /** u[i] and y[i] read back: [i][0] = u [m×r], [i][1] = y [m×n_i]. */
    public float[][][] runGroup(Device device) {
        try (TensorScope s = new TensorScope(device)) {
            Tensor tx = s.of(dtype, x, m, k);
            Tensor[] ta = new Tensor[count], tb = new Tensor[count], tma = new Tensor[count], tmb = new Tensor[count],
                    tu = new Tensor[count], ty = new Tensor[count];
            for (int i = 0; i < count; i++) {
                ta[i] = s.of(dtype, a[i], r, k);
                tb[i] = s.of(dtype, b[i], n[i], r);
                tma[i] = s.mask(maskA[i], r, k);
                tmb[i] = s.mask(maskB[i], n[i], r);
                tu[i] = s.poisoned(dtype, m, r);
                ty[i] = s.of(dtype, y0[i], m, n[i]);
            }
            Ops.loraForwardGroup(s.stream(), scale, tx, ta, tma, tb, tmb, mode, tu, ty);
            float[][][] out = new float[count][][];
            for (int i = 0; i < count; i++) out[i] = new float[][] {s.read(tu[i]), s.read(ty[i])};
            return out;
        }
    }

    /** Each projection by itself through {@code Ops.loraForward}: [i][0] = u, [i][1] = y. */
    public float[][][] runOneByOne(Device device) {
        float[][][] out = new float[count][][];
        for (int i = 0; i < count; i++) {
            try (TensorScope s = new TensorScope(device)) {
                Tensor tu = s.poisoned(dtype, m, r), ty = s.of(dtype, y0[i], m, n[i]);
                Ops.loraForward(s.stream(), scale, s.of(dtype, x, m, k), s.of(dtype, a[i], r, k),
                        s.mask(maskA[i], r, k), s.of(dtype, b[i], n[i], r), s.mask(maskB[i], n[i], r), mode, tu, ty);
                out[i] = new float[][] {s.read(tu), s.read(ty)};
            }
        }
        return out;
    }

    /** got against the double reference, or against other (another run's outputs) when it is not null. */
    public void check(float[][][] got, float[][][] other, String ctx) {
        boolean masked = mode == MaskMode.FORWARD;
        double tolerance = dtype == DType.BF16 ? 1e-2 : 1e-5;
        for (int i = 0; i < count; i++) {
            LoraRef.Forward ref = LoraRef.forward(m, k, n[i], r, scale, x, a[i], maskA[i], b[i], maskB[i], masked, y0[i]);
            LoraRef.Forward mag = LoraRef.forward(m, k, n[i], r, Math.abs(scale), Numerics.absFloat(x),
                    Numerics.absFloat(a[i]), maskA[i], Numerics.absFloat(b[i]), maskB[i], masked,
                    Numerics.absFloat(y0[i]));
            String at = this + " projection " + i + " " + ctx;
            LoraCase.compareWith("u", got[i][0], ref.u(), other == null ? null : other[i][0], mag.u(), k, tolerance,
                    at);
            LoraCase.compareWith("y", got[i][1], ref.y(), other == null ? null : other[i][1], mag.y(),
                    (long) k * r + 1, tolerance, at);
        }
    }

    @Override
    public String toString() {
        return String.format("loraForwardGroup(m=%d k=%d n=%s r=%d %s %s)", m, k, java.util.Arrays.toString(n), r,
                dtype, mode);
    }
}
