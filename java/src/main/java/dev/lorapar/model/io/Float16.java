package dev.lorapar.model.io;

/** IEEE 754 binary16 → binary32 widening, exact for every one of the 65,536 bit patterns. */
public final class Float16 {
    private Float16() {
    }

    /**
     * The float that the half-precision bits represent. Normals and subnormals convert exactly (a
     * binary32 holds every binary16 value), ±0 and ±Inf keep their sign, and NaNs stay NaN with their
     * sign and their 10 payload bits moved to the top of the binary32 mantissa, quieted (the quiet bit
     * set, as x86 F16C, CUDA and {@code Float.float16ToFloat} do).
     */
    public static float toFloat(short half) {
        int h = half & 0xffff;
        int sign = (h & 0x8000) << 16;
        int exponent = (h >>> 10) & 0x1f;
        int mantissa = h & 0x3ff;
        if (exponent == 0x1f) {
            if (mantissa == 0) return Float.intBitsToFloat(sign | 0x7f800000); // ±Inf
            return Float.intBitsToFloat(sign | 0x7fc00000 | (mantissa << 13)); // NaN, quieted
        }
        if (exponent != 0) { // normal: re-bias the exponent from 15 to 127
            return Float.intBitsToFloat(sign | ((exponent + (127 - 15)) << 23) | (mantissa << 13));
        }
        if (mantissa == 0) return Float.intBitsToFloat(sign); // ±0
        // subnormal: value = mantissa · 2^-24; shift the leading 1 up to bit 10 (the implicit bit)
        int shift = Integer.numberOfLeadingZeros(mantissa) - 21;
        int normalized = (mantissa << shift) & 0x3ff;
        int exponent32 = 127 - 14 - shift; // 2^(-14 - shift) is the weight of bit 10 after the shift
        return Float.intBitsToFloat(sign | (exponent32 << 23) | (normalized << 13));
    }
}
