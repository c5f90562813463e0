package dev.lorapar.core;

/** Host-side bfloat16 conversions (the upper 16 bits of an IEEE binary32). */
public final class BFloat16 {
    private BFloat16() {
    }

    /**
     * Rounds a float to bfloat16, round-to-nearest-even; ±Inf stay infinite, NaN stays NaN (quieted,
     * sign kept), values beyond the bf16 range round to ±Inf.
     *
     * @return the 16 bf16 bits
     */
    public static short fromFloat(float value) {
        int bits = Float.floatToRawIntBits(value);
        if ((bits & 0x7fffffff) > 0x7f800000) {
            // NaN: keep sign and top payload bits, force the quiet bit so truncation cannot make Inf.
            return (short) ((bits >>> 16) | 0x0040);
        }
        int lsb = (bits >>> 16) & 1;
        int rounded = bits + 0x7fff + lsb;
        return (short) (rounded >>> 16);
    }

    /** Widens bfloat16 bits to the float they represent (exact). */
    public static float toFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xffff) << 16);
    }
}
