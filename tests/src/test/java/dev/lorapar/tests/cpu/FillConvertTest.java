package dev.lorapar.tests.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.core.Ops;
import dev.lorapar.core.Tensor;
import dev.lorapar.tests.reference.Bf16;
import dev.lorapar.tests.support.Numerics;
import dev.lorapar.tests.support.Rng;
import dev.lorapar.tests.support.Rng.MaskKind;
import dev.lorapar.tests.support.TensorScope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/** fill, convert (native f32 ⇄ bf16, round to nearest even), copy and maskApply on the CPU. */
class FillConvertTest {
    /** Sizes around SIMD widths and an odd large one, to reach vector tails. */
    static final int[] SIZES = {0, 1, 2, 3, 5, 7, 13, 31, 61, 127, 4099};

    @Test
    void fillEveryDtype() {
        Object[][] cases = {{DType.F32, -1.25e-3}, {DType.F32, Double.NaN}, {DType.F32, Double.NEGATIVE_INFINITY},
                {DType.BF16, 3.0}, {DType.BF16, 1.00390625 /* 1 + 2^-8: ties to even → 1 */}, {DType.BF16, Double.NaN},
                {DType.U8, 0.0}, {DType.U8, 171.0}, {DType.U8, 255.0},
                {DType.I32, -123456.0}, {DType.I32, 7.0}, {DType.I64, 1099511627776.0 /* 2^40 */}, {DType.I64, -3.0}};
        for (int n : SIZES) {
            try (TensorScope s = new TensorScope(Device.CPU)) {
                for (Object[] c : cases) {
                    DType dt = (DType) c[0];
                    double value = (double) c[1];
                    Tensor t = s.own(Tensor.empty(Device.CPU, dt, n));
                    Ops.fill(s.stream(), t, value);
                    float expected = dt == DType.BF16 ? Bf16.round((float) value) : (float) value;
                    float[] got = s.read(t);
                    for (int i = 0; i < n; i++) {
                        boolean ok = Float.isNaN(expected) ? Float.isNaN(got[i]) : got[i] == expected;
                        if (!ok) fail("fill " + dt + " " + value + ": [" + i + "] = " + got[i] + ", expected " + expected + " (n=" + n + ")");
                    }
                    if (dt == DType.U8) {
                        byte[] raw = s.bytes(t);
                        for (int i = 0; i < n; i++) assertEquals((byte) value, raw[i], "U8 byte " + i);
                    }
                    t.fill(s.stream(), dt == DType.U8 || dt == DType.I32 || dt == DType.I64 ? 1.0 : 0.5);
                    for (float v : s.read(t)) assertEquals(dt == DType.U8 || dt == DType.I32 || dt == DType.I64 ? 1f : 0.5f, v);
                }
            }
        }
    }

    /** Values a U8 / I32 fill cannot hold are refused before any write (Java check or the native one). */
    @Test
    void fillOutOfRangeIsRefused() {
        try (TensorScope s = new TensorScope(Device.CPU)) {
            Tensor u8 = s.zeros(DType.U8, 5), i32 = s.zeros(DType.I32, 5);
            for (double bad : new double[] {256, -1, 0.5, Double.NaN}) {
                ValidationTest.assertRefused(() -> Ops.fill(s.stream(), u8, bad), "fill U8 " + bad);
            }
            ValidationTest.assertRefused(() -> Ops.fill(s.stream(), i32, 1.5), "fill I32 1.5");
            ValidationTest.assertRefused(() -> Ops.fill(s.stream(), i32, 3e9), "fill I32 3e9");
            for (float v : s.read(u8)) assertEquals(0f, v, "U8 changed by a refused fill");
        }
    }

    /** Native f32 → bf16 matches the round-to-nearest-even definition bit for bit, specials included. */
    @Test
    void convertF32ToBf16RoundsToNearestEven(TestInfo info) {
        Rng rng = Rng.forTest(info);
        float[] special = {0f, -0f, 1f, -1f, 1.00390625f /* tie → 1 */, 1.01171875f /* tie → up */,
                Float.intBitsToFloat(0x3F808001) /* just above tie */, Float.intBitsToFloat(0x3F807FFF) /* just below */,
                Float.MIN_VALUE, Float.MIN_NORMAL, Float.intBitsToFloat(0x00018000) /* subnormal tie */,
                Float.intBitsToFloat(0x007FFFFF), Float.MAX_VALUE /* rounds to +Inf */, -Float.MAX_VALUE,
                Float.intBitsToFloat(0x7F7F7FFF) /* stays finite */, Float.intBitsToFloat(0x7F7F8000) /* tie → Inf */,
                Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
        float[] random = rng.uniform(4099, -1e4f, 1e4f);
        for (int i = 0; i < random.length; i += 3) random[i] = Float.intBitsToFloat((int) rng.nextLong());
        for (int i = 0; i < random.length; i++) if (Float.isNaN(random[i])) random[i] = 1f;
        for (float[] data : new float[][] {special, random}) {
            try (TensorScope s = new TensorScope(Device.CPU)) {
                Tensor src = s.of(DType.F32, data, data.length), dst = s.poisoned(DType.BF16, data.length);
                Ops.convert(s.stream(), src, dst);
                float[] got = s.read(dst);
                float[] expected = new float[data.length];
                for (int i = 0; i < data.length; i++) expected[i] = Bf16.round(data[i]);
                Numerics.assertBitsEqual("bf16(x) by lp_convert", expected, got, rng.tag());
                Numerics.assertBitsEqual("bf16(x) by Tensor.of", expected, s.read(s.of(DType.BF16, data, data.length)), rng.tag());
            }
        }
    }

    @Test
    void convertNaNStaysNaN() {
        float[] nans = {Float.NaN, -Float.NaN, Float.intBitsToFloat(0x7F800001) /* signalling, low payload */,
                Float.intBitsToFloat(0xFFFFFFFF), Float.intBitsToFloat(0x7FFFFFFF)};
        try (TensorScope s = new TensorScope(Device.CPU)) {
            Tensor src = s.own(Tensor.empty(Device.CPU, DType.F32, nans.length));
            src.copyFrom(s.stream(), nans);
            Tensor dst = s.zeros(DType.BF16, nans.length);
            Ops.convert(s.stream(), src, dst);
            float[] got = s.read(dst);
            for (int i = 0; i < nans.length; i++) {
                assertTrue(Float.isNaN(got[i]), "bf16 of NaN bits 0x" + Integer.toHexString(Float.floatToRawIntBits(nans[i]))
                        + " became " + got[i] + " (truncation without a NaN check gives Inf or -0)");
            }
        }
    }

    /** bf16 → f32 is exact; same-dtype converts and copies are bit copies. */
    @Test
    void convertBackAndSameDtype(TestInfo info) {
        Rng rng = Rng.forTest(info);
        for (int n : SIZES) {
            float[] data = Numerics.storedAs(DType.BF16, rng.gaussian(n, 100));
            try (TensorScope s = new TensorScope(Device.CPU)) {
                Tensor bf = s.of(DType.BF16, data, n), f = s.poisoned(DType.F32, n), bf2 = s.poisoned(DType.BF16, n);
                Ops.convert(s.stream(), bf, f);
                Numerics.assertBitsEqual("f32(bf16)", data, s.read(f), rng.tag());
                Ops.convert(s.stream(), bf, bf2);
                Numerics.assertBitsEqual("bf16 → bf16", data, s.read(bf2), rng.tag());
                Tensor f2 = s.poisoned(DType.F32, n);
                Ops.copy(s.stream(), f, f2);
                Numerics.assertBitsEqual("copy f32", data, s.read(f2), rng.tag());
                Tensor f3 = s.poisoned(DType.F32, 1, n);
                Ops.convert(s.stream(), f2, f3);
                Numerics.assertBitsEqual("f32 → f32 (other shape, same numel)", data, s.read(f3), rng.tag());
            }
        }
    }

    @Test
    void copyBetweenCpuTensorsOfEveryDtype(TestInfo info) {
        Rng rng = Rng.forTest(info);
        try (TensorScope s = new TensorScope(Device.CPU)) {
            byte[] bytes = rng.mask(127, MaskKind.RANDOM);
            Tensor u8 = s.mask(bytes, 127), u8b = s.poisoned(DType.U8, 127);
            Ops.copy(s.stream(), u8, u8b);
            assertArrayEquals(bytes, s.bytes(u8b), rng.tag());
            float[] ints = new float[61];
            for (int i = 0; i < ints.length; i++) ints[i] = rng.between(-1000000, 1000000);
            for (DType dt : new DType[] {DType.I32, DType.I64}) {
                Tensor a = s.of(dt, ints, 61), b = s.zeros(dt, 61);
                Ops.copy(s.stream(), a, b);
                Numerics.assertBitsEqual("copy " + dt, ints, s.read(b), rng.tag());
            }
            Tensor pinned = s.own(Tensor.pinnedHost(DType.F32, 61));
            Ops.copy(s.stream(), s.of(DType.F32, ints, 61), pinned);
            Numerics.assertBitsEqual("copy into pinned host", ints, s.read(pinned), rng.tag());
        }
    }

    @Test
    void maskApplyZeroesExactlyTheMaskedEntries(TestInfo info) {
        Rng rng = Rng.forTest(info);
        for (DType dt : new DType[] {DType.F32, DType.BF16}) {
            for (int n : SIZES) {
                for (MaskKind kind : MaskKind.values()) {
                    float[] data = Numerics.storedAs(dt, rng.uniform(n, -2, 2));
                    byte[] mask = rng.mask(n, kind);
                    try (TensorScope s = new TensorScope(Device.CPU)) {
                        Tensor x = s.of(dt, data, n);
                        Ops.maskApply(s.stream(), x, s.mask(mask, n));
                        float[] got = s.read(x);
                        for (int i = 0; i < n; i++) {
                            // masked: numerically 0 (a multiply may leave −0); active: untouched bits
                            boolean ok = mask[i] == 0 ? got[i] == 0f
                                    : Float.floatToRawIntBits(got[i]) == Float.floatToRawIntBits(data[i]);
                            if (!ok) fail("maskApply " + dt + " " + kind + " [" + i + "] mask=" + (mask[i] & 0xFF)
                                    + ": " + data[i] + " → " + got[i] + " (n=" + n + ") " + rng.tag());
                        }
                    }
                }
            }
        }
    }

    @Test
    void convertRefusesIntegerPairs() {
        try (TensorScope s = new TensorScope(Device.CPU)) {
            Tensor f = s.zeros(DType.F32, 3), i = s.zeros(DType.I32, 3);
            assertThrows(IllegalArgumentException.class, () -> Ops.convert(s.stream(), f, i));
        }
    }
}
