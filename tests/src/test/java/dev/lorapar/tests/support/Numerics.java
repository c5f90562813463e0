package dev.lorapar.tests.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.lorapar.core.DType;
import dev.lorapar.tests.reference.Bf16;
import java.util.Arrays;

/** Numeric assertions and helpers shared by every suite. Every comparison checks finiteness FIRST. */
public final class Numerics {
    private Numerics() {}

    /** Odd sizes the ops are exercised with (1, small primes, just under powers of two). */
    public static final int[] ODD_SIZES = {1, 2, 3, 5, 7, 13, 31, 61, 127};

    /** Fails on the first NaN or infinity in got, naming the array, the index and the value. */
    public static void assertAllFinite(String name, float[] got, String context) {
        for (int i = 0; i < got.length; i++) {
            if (!Float.isFinite(got[i])) {
                fail(name + "[" + i + "] = " + got[i] + " is not finite (of " + got.length + " elements) " + context);
            }
        }
    }

    /** ‖got − ref‖₂ / ‖ref‖₂, or the absolute ‖got − ref‖₂ when ‖ref‖₂ = 0. */
    public static double relativeError(float[] got, double[] ref) {
        assertEquals(ref.length, got.length, "relativeError: length mismatch");
        double diff = 0, norm = 0;
        for (int i = 0; i < got.length; i++) {
            double d = got[i] - ref[i];
            diff += d * d;
            norm += ref[i] * ref[i];
        }
        return norm == 0 ? Math.sqrt(diff) : Math.sqrt(diff / norm);
    }

    public static double relativeError(float[] got, float[] ref) { return relativeError(got, toDouble(ref)); }

    /** Finite first, then ‖got − ref‖ / ‖ref‖ ≤ tolerance; the message has the worst element. */
    public static void assertClose(String name, float[] got, double[] ref, double tolerance, String context) {
        assertEquals(ref.length, got.length, name + ": length " + context);
        assertAllFinite(name, got, context);
        double err = relativeError(got, ref);
        if (!(err <= tolerance)) {
            int worst = worstIndex(got, ref);
            fail(String.format("%s: relative error %.3e > %.1e (worst [%d]: got %s, ref %s; n=%d) %s",
                    name, err, tolerance, worst, got[worst], ref[worst], got.length, context));
        }
    }

    /** The index of the largest |got[i] − ref[i]|. */
    static int worstIndex(float[] got, double[] ref) {
        int worst = 0;
        double worstDiff = -1;
        for (int i = 0; i < got.length; i++) {
            double d = Math.abs(got[i] - ref[i]);
            if (d > worstDiff) { worstDiff = d; worst = i; }
        }
        return worst;
    }

    public static void assertClose(String name, float[] got, float[] ref, double tolerance, String context) {
        assertAllFinite(name + " (reference)", ref, context);
        assertClose(name, got, toDouble(ref), tolerance, context);
    }

    /**
     * Finite first, then ‖got − ref‖ ≤ tolerance · max(‖ref‖, ‖magnitude‖ / √terms).
     * magnitude is the same computation on absolute values (|A|·|B| + |β|·|C| …) and terms the
     * number of products summed into each element. Random-sign sums of `terms` products have a norm
     * near ‖magnitude‖/√terms, so the floor only lifts the denominator when the result cancels far
     * more than chance — there rounding errors scale with the terms, not with the tiny result, and
     * a plain relative error would fail correct code. A wrong result is still off by O(‖ref‖).
     */
    public static void assertClose(String name, float[] got, double[] ref, double[] magnitude, long terms,
                                   double tolerance, String context) {
        assertEquals(ref.length, got.length, name + ": length " + context);
        assertAllFinite(name, got, context);
        double diff = 0, norm = 0, mag = 0;
        for (int i = 0; i < got.length; i++) {
            double d = got[i] - ref[i];
            diff += d * d;
            norm += ref[i] * ref[i];
            mag += magnitude[i] * magnitude[i];
        }
        double floor = Math.sqrt(mag) / Math.sqrt(Math.max(1, terms));
        double denominator = Math.max(Math.sqrt(norm), floor);
        double err = denominator == 0 ? Math.sqrt(diff) : Math.sqrt(diff) / denominator;
        if (!(err <= tolerance)) {
            int worst = worstIndex(got, ref);
            fail(String.format("%s: error %.3e > %.1e of max(‖ref‖=%.3e, ‖|terms|‖/√%d=%.3e) (worst [%d]: got %s, ref %s; n=%d) %s",
                    name, err, tolerance, Math.sqrt(norm), terms, floor, worst, got[worst], ref[worst], got.length, context));
        }
    }

    public static double[] abs(float[] v) {
        double[] out = new double[v.length]; // [n]
        for (int i = 0; i < v.length; i++) out[i] = Math.abs(v[i]);
        return out;
    }

    public static float[] absFloat(float[] v) {
        float[] out = new float[v.length]; // [n]
        for (int i = 0; i < v.length; i++) out[i] = Math.abs(v[i]);
        return out;
    }

    /** Raw-bit equality (NaN payloads and signed zeros included); fails at the first difference. */
    public static void assertBitsEqual(String name, float[] expected, float[] got, String context) {
        assertEquals(expected.length, got.length, name + ": length " + context);
        for (int i = 0; i < got.length; i++) {
            int e = Float.floatToRawIntBits(expected[i]), g = Float.floatToRawIntBits(got[i]);
            if (e != g) {
                fail(String.format("%s[%d]: bits 0x%08x (%s) expected, got 0x%08x (%s) %s",
                        name, i, e, expected[i], g, got[i], context));
            }
        }
    }

    /** Every byte of a U8 output was written with 0 or 1 (the 0xAB poison is gone). */
    public static void assertMaskWritten(String name, byte[] got, String context) {
        for (int i = 0; i < got.length; i++) {
            if (got[i] != 0 && got[i] != 1) {
                fail(String.format("%s[%d] = 0x%02x: not written as 0/1 (poison was 0x%02x) %s",
                        name, i, got[i] & 0xFF, POISON_BYTE & 0xFF, context));
            }
        }
    }

    /** Exact equality of two 0/1 masks; the message lists the first differing indices. */
    public static void assertMaskEquals(String name, byte[] expected, byte[] got, String context) {
        assertEquals(expected.length, got.length, name + ": length " + context);
        StringBuilder diffs = new StringBuilder();
        int count = 0;
        for (int i = 0; i < got.length; i++) {
            if (expected[i] != got[i]) {
                if (count < 8) diffs.append(String.format(" [%d] expected %d got %d;", i, expected[i], got[i] & 0xFF));
                count++;
            }
        }
        if (count > 0) fail(name + ": " + count + " of " + got.length + " entries differ:" + diffs + " " + context);
    }

    public static final byte POISON_BYTE = (byte) 0xAB;

    /** n NaNs: the poison written into every float output before a call. */
    public static float[] nan(int n) {
        float[] out = new float[n]; // [n]
        Arrays.fill(out, Float.NaN);
        return out;
    }

    /** n bytes of 0xAB: the poison written into every U8 output before a call. */
    public static byte[] poisonBytes(int n) {
        byte[] out = new byte[n]; // [n]
        Arrays.fill(out, POISON_BYTE);
        return out;
    }

    /** The values a tensor of dtype holds after storing data (bf16: round to nearest even). */
    public static float[] storedAs(DType dtype, float[] data) {
        if (dtype != DType.BF16) return data.clone();
        float[] out = new float[data.length]; // [n]
        for (int i = 0; i < data.length; i++) out[i] = Bf16.round(data[i]);
        return out;
    }

    public static double[] toDouble(float[] v) {
        double[] out = new double[v.length]; // [n]
        for (int i = 0; i < v.length; i++) out[i] = v[i];
        return out;
    }

    /** Product of dims as an int (test sizes are small). */
    public static int numel(long... shape) {
        long n = 1;
        for (long d : shape) n *= d;
        return Math.toIntExact(n);
    }

    public static boolean active(byte[] mask, int i) { return mask == null || mask[i] != 0; }
}
