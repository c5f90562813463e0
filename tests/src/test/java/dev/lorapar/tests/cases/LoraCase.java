package dev.lorapar.tests.cases;

import static org.junit.jupiter.api.Assertions.fail;

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
 * One masked-LoRA problem: x [m×k], a [r×k], b [n×r], w [n×k], masks [r×k] / [n×r] (null = absent),
 * plus the backward's inputs u [m×r], dy [m×n] and prior dx0 [m×k], da0 [r×k], db0 [n×r]. linearBeta is
 * the beta of loraLinearForward; loraLinearBackward takes its betaDx per call.
 * Float inputs are rounded to dtype up front, so tensors hold exactly these values.
 */
public final class LoraCase {
    public final int m, k, n, r;
    public final float scale, linearBeta;
    public final DType dtype;
    public final MaskMode mode;
    public final byte[] maskA, maskB;     // [r×k], [n×r] u8 or null
    public final float[] x, a, b, w, y0;  // [m×k], [r×k], [n×r], [n×k], [m×n]
    public final float[] u, dy, dx0;      // [m×r], [m×n], [m×k]
    public final float[] da0, db0;        // [r×k], [n×r] f32: random on active entries, 0 on masked ones

    public LoraCase(Rng rng, int m, int k, int n, int r, DType dtype, MaskMode mode,
                    Rng.MaskKind kindA, Rng.MaskKind kindB, float linearBeta) {
        this.m = m; this.k = k; this.n = n; this.r = r;
        this.dtype = dtype; this.mode = mode;
        this.scale = (float) (0.5 + 8 * rng.nextDouble());
        this.linearBeta = linearBeta;
        this.maskA = kindA == null ? null : rng.mask(r * k, kindA);
        this.maskB = kindB == null ? null : rng.mask(n * r, kindB);
        this.x = Numerics.storedAs(dtype, rng.uniform(m * k, -1, 1));
        this.a = Numerics.storedAs(dtype, rng.uniform(r * k, -1, 1));
        this.b = Numerics.storedAs(dtype, rng.uniform(n * r, -1, 1));
        this.w = Numerics.storedAs(dtype, rng.uniform(n * k, -1, 1));
        this.y0 = Numerics.storedAs(dtype, rng.uniform(m * n, -1, 1));
        this.u = Numerics.storedAs(dtype, rng.uniform(m * r, -1, 1));
        this.dy = Numerics.storedAs(dtype, rng.uniform(m * n, -1, 1));
        this.dx0 = Numerics.storedAs(dtype, rng.uniform(m * k, -1, 1));
        this.da0 = zeroMasked(rng.uniform(r * k, -1, 1), maskA);
        this.db0 = zeroMasked(rng.uniform(n * r, -1, 1), maskB);
    }

    static float[] zeroMasked(float[] v, byte[] mask) {
        for (int i = 0; i < v.length; i++) if (!Numerics.active(mask, i)) v[i] = 0f;
        return v;
    }

    boolean forwardMasked() { return mode == MaskMode.FORWARD; }

    /** u [m×r] and y [m×n] read back after loraForward. */
    public record ForwardOut(float[] u, float[] y) {}

    /** g [m×r], dx [m×k], da [r×k], db [n×r] read back after a backward (null when not passed). */
    public record BackwardOut(float[] g, float[] dx, float[] da, float[] db) {}

    /** loraForward with u poisoned and y = y0. */
    public ForwardOut runForward(Device device) {
        try (TensorScope s = new TensorScope(device)) {
            Tensor tu = s.poisoned(dtype, m, r), ty = s.of(dtype, y0, m, n);
            Ops.loraForward(s.stream(), scale, s.of(dtype, x, m, k), s.of(dtype, a, r, k), s.mask(maskA, r, k),
                    s.of(dtype, b, n, r), s.mask(maskB, n, r), mode, tu, ty);
            return new ForwardOut(s.read(tu), s.read(ty));
        }
    }

    public LoraRef.Forward refForward() {
        return LoraRef.forward(m, k, n, r, scale, x, a, maskA, b, maskB, forwardMasked(), y0);
    }

    /** loraLinearForward with u poisoned; y = y0, or poisoned when linearBeta == 0. */
    public ForwardOut runLinearForward(Device device) {
        try (TensorScope s = new TensorScope(device)) {
            Tensor tu = s.poisoned(dtype, m, r);
            Tensor ty = linearBeta == 0 ? s.poisoned(dtype, m, n) : s.of(dtype, y0, m, n);
            Ops.loraLinearForward(s.stream(), scale, s.of(dtype, x, m, k), s.of(dtype, w, n, k), linearBeta,
                    s.of(dtype, a, r, k), s.mask(maskA, r, k), s.of(dtype, b, n, r), s.mask(maskB, n, r), mode, tu, ty);
            return new ForwardOut(s.read(tu), s.read(ty));
        }
    }

    public LoraRef.Forward refLinearForward() {
        return LoraRef.linearForward(m, k, n, r, scale, x, w, linearBeta, a, maskA, b, maskB, forwardMasked(), y0);
    }

    /** da [r×k] / db [n×r] output: null when not passed, the prior (accumulate) or poisoned (overwrite). */
    static Tensor gradOutput(TensorScope s, boolean with, boolean accumulate, float[] prior, int rows, int cols) {
        if (!with) return null;
        return accumulate ? s.of(DType.F32, prior, rows, cols) : s.poisoned(DType.F32, rows, cols);
    }

    static BackwardOut read(TensorScope s, Tensor g, Tensor dx, Tensor da, Tensor db) {
        return new BackwardOut(s.read(g), dx == null ? null : s.read(dx), da == null ? null : s.read(da),
                db == null ? null : s.read(db));
    }

    /**
     * loraBackward with g poisoned, dx = dx0, and da / db poisoned (overwrite) or = da0 / db0
     * (accumulate). withDx / withDa / withDb false pass null for that output.
     */
    public BackwardOut runBackward(Device device, boolean accumulate, boolean withDx, boolean withDa, boolean withDb) {
        try (TensorScope s = new TensorScope(device)) {
            Tensor tg = s.poisoned(dtype, m, r);
            Tensor tdx = withDx ? s.of(dtype, dx0, m, k) : null;
            Tensor tda = gradOutput(s, withDa, accumulate, da0, r, k);
            Tensor tdb = gradOutput(s, withDb, accumulate, db0, n, r);
            Ops.loraBackward(s.stream(), scale, s.of(dtype, x, m, k), s.of(dtype, a, r, k), s.mask(maskA, r, k),
                    s.of(dtype, b, n, r), s.mask(maskB, n, r), mode, s.of(dtype, u, m, r), s.of(dtype, dy, m, n),
                    tg, tdx, tda, tdb, accumulate);
            return read(s, tg, tdx, tda, tdb);
        }
    }

    /**
     * loraLinearBackward with g poisoned; dx = dx0, or poisoned (NaN) when betaDx == 0 (it must not be
     * read); da / db as in {@link #runBackward}. withDx / withDa / withDb false pass null.
     */
    public BackwardOut runLinearBackward(Device device, float betaDx, boolean accumulate, boolean withDx,
                                         boolean withDa, boolean withDb) {
        try (TensorScope s = new TensorScope(device)) {
            Tensor tg = s.poisoned(dtype, m, r);
            Tensor tdx = !withDx ? null : betaDx == 0 ? s.poisoned(dtype, m, k) : s.of(dtype, dx0, m, k);
            Tensor tda = gradOutput(s, withDa, accumulate, da0, r, k);
            Tensor tdb = gradOutput(s, withDb, accumulate, db0, n, r);
            Ops.loraLinearBackward(s.stream(), scale, s.of(dtype, x, m, k), s.of(dtype, w, n, k), s.of(dtype, a, r, k),
                    s.mask(maskA, r, k), s.of(dtype, b, n, r), s.mask(maskB, n, r), mode, s.of(dtype, u, m, r),
                    s.of(dtype, dy, m, n), tg, betaDx, tdx, tda, tdb, accumulate);
            return read(s, tg, tdx, tda, tdb);
        }
    }

    public LoraRef.Backward refBackward(boolean accumulate) {
        return LoraRef.backward(m, k, n, r, scale, x, a, maskA, b, maskB, forwardMasked(), u, dy, dx0,
                accumulate ? da0 : null, accumulate ? db0 : null);
    }

    /** dy·w and |dy|·|w| of this case's fixed inputs, computed once: at LLaMA shapes each is ~1e9 terms. */
    private double[] dyW, dyWMagnitude; // [m×k]

    private double[] dyW() {
        if (dyW == null) dyW = LoraRef.dyTimesW(m, k, n, dy, w);
        return dyW;
    }

    private double[] dyWMagnitude() {
        if (dyWMagnitude == null) dyWMagnitude = LoraRef.dyTimesW(m, k, n, abs(dy), abs(w));
        return dyWMagnitude;
    }

    public LoraRef.Backward refLinearBackward(float betaDx, boolean accumulate) {
        return LoraRef.linearBackward(m, k, n, r, scale, x, dyW(), a, maskA, b, maskB, forwardMasked(), u, dy, betaDx,
                dx0, accumulate ? da0 : null, accumulate ? db0 : null);
    }

    /** bf16 storage of u / y / g / dx adds bf16 roundings (2^-9 each) on top of fp32 accumulation. */
    public double tolerance() { return dtype == DType.BF16 ? 1e-2 : 1e-5; }

    static float[] abs(float[] v) { return Numerics.absFloat(v); }

    /** The forward on absolute values: the scale of rounding errors in u and y. */
    LoraRef.Forward magForward() {
        return LoraRef.forward(m, k, n, r, Math.abs(scale), abs(x), abs(a), maskA, abs(b), maskB, forwardMasked(), abs(y0));
    }

    LoraRef.Forward magLinearForward() {
        return LoraRef.linearForward(m, k, n, r, Math.abs(scale), abs(x), abs(w), Math.abs(linearBeta), abs(a), maskA,
                abs(b), maskB, forwardMasked(), abs(y0));
    }

    LoraRef.Backward magBackward(boolean accumulate) {
        return LoraRef.backward(m, k, n, r, Math.abs(scale), abs(x), abs(a), maskA, abs(b), maskB, forwardMasked(),
                abs(u), abs(dy), abs(dx0), accumulate ? abs(da0) : null, accumulate ? abs(db0) : null);
    }

    LoraRef.Backward magLinearBackward(float betaDx, boolean accumulate) {
        return LoraRef.linearBackward(m, k, n, r, Math.abs(scale), abs(x), dyWMagnitude(), abs(a), maskA, abs(b), maskB,
                forwardMasked(), abs(u), abs(dy), Math.abs(betaDx), abs(dx0), accumulate ? abs(da0) : null,
                accumulate ? abs(db0) : null);
    }

    /** other == null: compare with the double reference; else with another backend's outputs. */
    void compare(String name, float[] got, double[] ref, float[] other, double[] mag, long terms, String ctx) {
        compareWith(name, got, ref, other, mag, terms, tolerance(), this + " " + ctx);
    }

    /** got against ref (other == null) or against another backend's finite outputs, within tolerance of mag. */
    static void compareWith(String name, float[] got, double[] ref, float[] other, double[] mag, long terms,
                            double tolerance, String ctx) {
        if (other != null) {
            Numerics.assertAllFinite(name + " (other backend)", other, ctx);
            ref = Numerics.toDouble(other);
        }
        Numerics.assertClose(name, got, ref, mag, terms, tolerance, ctx);
    }

    /** u and y of a loraForward, against the reference (other == null) or another backend. */
    public void checkForward(ForwardOut got, ForwardOut other, String ctx) {
        LoraRef.Forward ref = refForward(), mag = magForward();
        compare("u", got.u(), ref.u(), other == null ? null : other.u(), mag.u(), k, ctx);
        compare("y", got.y(), ref.y(), other == null ? null : other.y(), mag.y(), (long) k * r + 1, ctx);
    }

    public void checkLinearForward(ForwardOut got, ForwardOut other, String ctx) {
        LoraRef.Forward ref = refLinearForward(), mag = magLinearForward();
        compare("u (linear)", got.u(), ref.u(), other == null ? null : other.u(), mag.u(), k, ctx);
        compare("y (linear)", got.y(), ref.y(), other == null ? null : other.y(), mag.y(),
                k + (long) k * r + (linearBeta != 0 ? 1 : 0), ctx);
    }

    /**
     * g (when dx or da needed it: g is caller scratch), dx, da, db of a loraBackward; masked da / db
     * entries must be exactly 0 (lorapar.h).
     */
    public void checkBackward(BackwardOut got, BackwardOut other, boolean accumulate, String ctx) {
        checkBackwardOutputs(got, other, refBackward(accumulate), magBackward(accumulate), (long) n * r + 1,
                accumulate, "accumulate=" + accumulate + " " + ctx);
    }

    /** As {@link #checkBackward} for a loraLinearBackward: dx also holds dy·w (+ betaDx·dx0). */
    public void checkLinearBackward(BackwardOut got, BackwardOut other, float betaDx, boolean accumulate, String ctx) {
        long dxTerms = n + (long) n * r + (betaDx != 0 ? 1 : 0);
        checkBackwardOutputs(got, other, refLinearBackward(betaDx, accumulate), magLinearBackward(betaDx, accumulate),
                dxTerms, accumulate, "linear betaDx=" + betaDx + " accumulate=" + accumulate + " " + ctx);
    }

    void checkBackwardOutputs(BackwardOut got, BackwardOut other, LoraRef.Backward ref, LoraRef.Backward mag,
                              long dxTerms, boolean accumulate, String c) {
        int acc = accumulate ? 1 : 0;
        if (got.dx() != null || got.da() != null) compare("g", got.g(), ref.g(), other == null ? null : other.g(), mag.g(), n, c);
        if (got.dx() != null) compare("dx", got.dx(), ref.dx(), other == null ? null : other.dx(), mag.dx(), dxTerms, c);
        if (got.da() != null) {
            compare("da", got.da(), ref.da(), other == null ? null : other.da(), mag.da(), (long) n * m + acc, c);
            assertMaskedZero("da", got.da(), maskA, c);
        }
        if (got.db() != null) {
            compare("db", got.db(), ref.db(), other == null ? null : other.db(), mag.db(), m + acc, c);
            assertMaskedZero("db", got.db(), maskB, c);
        }
    }

    void assertMaskedZero(String name, float[] got, byte[] mask, String ctx) {
        if (mask == null) return;
        for (int i = 0; i < got.length; i++) {
            if (mask[i] == 0 && got[i] != 0f) {
                fail(name + "[" + i + "] = " + got[i] + " but masked: must be exactly 0 "
                        + this + " " + ctx);
            }
        }
    }

    @Override
    public String toString() {
        return String.format("lora(m=%d k=%d n=%d r=%d %s %s maskA=%s maskB=%s scale=%s beta=%s)", m, k, n, r, dtype,
                mode, maskA == null ? "null" : "u8", maskB == null ? "null" : "u8", scale, linearBeta);
    }
}
