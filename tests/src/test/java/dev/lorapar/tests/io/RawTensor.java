package dev.lorapar.tests.io;

import dev.lorapar.model.io.WeightType;
import dev.lorapar.tests.support.Rng;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A tensor as the test writers store it: type, shape (outermost first) and its little-endian bytes,
 * with the floats those bytes mean computed here independently of the loader (JDK conversions).
 */
record RawTensor(WeightType type, long[] shape, byte[] bytes) {
    static RawTensor random(Rng rng, WeightType type, long... shape) {
        long n = 1;
        for (long d : shape) n *= d;
        ByteBuffer b = ByteBuffer.allocate((int) n * type.bytes()).order(ByteOrder.LITTLE_ENDIAN);
        for (long i = 0; i < n; i++) {
            switch (type) {
                case F32 -> b.putFloat((float) (rng.nextDouble() * 2 - 1) * (rng.nextInt(8) == 0 ? 1e-30f : 1f));
                case F16, BF16 -> b.putShort((short) rng.nextInt(1 << 16)); // every bit pattern, Inf and NaN included
            }
        }
        return new RawTensor(type, shape, b.array());
    }

    long elementCount() {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }

    /** The values, decoded independently: F16 by Float.float16ToFloat, BF16 by shifting into the top bits. */
    float[] expectedFloats() {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[(int) elementCount()];
        for (int i = 0; i < out.length; i++) {
            out[i] = switch (type) {
                case F32 -> b.getFloat(4 * i);
                case F16 -> Float.float16ToFloat(b.getShort(2 * i));
                case BF16 -> Float.intBitsToFloat((b.getShort(2 * i) & 0xffff) << 16);
            };
        }
        return out;
    }
}
