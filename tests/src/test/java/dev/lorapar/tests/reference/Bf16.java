package dev.lorapar.tests.reference;

/**
 * bf16 rounding written from its definition: keep the top 16 bits of the f32 pattern, and move one
 * bf16 step away from zero when the dropped 16 bits are more than half a step, or exactly half
 * and the kept pattern is odd (round to nearest, ties to even). NaN stays NaN.
 */
public final class Bf16 {
    private Bf16() {}

    public static float round(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) return Float.intBitsToFloat((bits & 0xFFFF0000) | 0x00400000); // quiet NaN
        int kept = bits >>> 16;       // sign, 8 exponent bits, 7 mantissa bits
        int dropped = bits & 0xFFFF;  // the 16 bits bf16 cannot hold
        boolean up = dropped > 0x8000 || (dropped == 0x8000 && (kept & 1) == 1);
        if (up) kept += 1;            // sign-magnitude: +1 moves away from zero, into Inf past the max
        return Float.intBitsToFloat(kept << 16);
    }

    /** True when f is exactly representable in bf16. */
    public static boolean exact(float f) { return (Float.floatToRawIntBits(f) & 0xFFFF) == 0; }
}
