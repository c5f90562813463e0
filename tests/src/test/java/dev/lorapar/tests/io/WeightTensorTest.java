package dev.lorapar.tests.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorapar.model.io.Float16;
import dev.lorapar.model.io.WeightTensor;
import dev.lorapar.model.io.WeightType;
import dev.lorapar.tests.support.Rng;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/** f16 → f32 over every bit pattern, and WeightTensor's conversions and bounds. */
class WeightTensorTest {
    @Test
    void float16ToFloatIsExactForAll65536Patterns() {
        for (int h = 0; h < 1 << 16; h++) {
            float expected = Float.float16ToFloat((short) h); // the JDK's own conversion, an independent oracle
            float got = Float16.toFloat((short) h);
            assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(got),
                    "half 0x" + Integer.toHexString(h));
        }
        // spot values written out: the smallest subnormal, the largest subnormal, the smallest normal, max, -0, Inf
        assertEquals(0x1p-24f, Float16.toFloat((short) 0x0001));
        assertEquals(0x3ffp-24f, Float16.toFloat((short) 0x03ff));
        assertEquals(0x1p-14f, Float16.toFloat((short) 0x0400));
        assertEquals(65504f, Float16.toFloat((short) 0x7bff));
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(Float16.toFloat((short) 0x8000)));
        assertEquals(Float.NEGATIVE_INFINITY, Float16.toFloat((short) 0xfc00));
        assertTrue(Float.isNaN(Float16.toFloat((short) 0x7e00)));
    }

    @Test
    void readFloatsConvertsEveryTypeAndChecksBounds(TestInfo info) {
        Rng rng = Rng.forTest(info);
        for (WeightType type : WeightType.values()) {
            RawTensor raw = RawTensor.random(rng, type, 5, 7);
            WeightTensor t = new WeightTensor("w", type, raw.shape(), MemorySegment.ofArray(raw.bytes()));
            float[] expected = raw.expectedFloats();
            assertArrayEquals(bits(expected), bits(t.toFloats()), type + " " + rng.tag());
            float[] part = new float[10];
            t.readFloats(part, 3, 11, 6);
            for (int i = 0; i < 6; i++) {
                assertEquals(Float.floatToRawIntBits(expected[11 + i]), Float.floatToRawIntBits(part[3 + i]), type + " " + rng.tag());
            }
            assertEquals(35, t.elementCount());
            assertThrows(IndexOutOfBoundsException.class, () -> t.readFloats(new float[10], 0, 30, 6));
            assertThrows(IndexOutOfBoundsException.class, () -> t.readFloats(new float[10], 0, -1, 1));
            assertThrows(IndexOutOfBoundsException.class, () -> t.readFloats(new float[4], 1, 0, 4));
            assertTrue(t.data().isReadOnly());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new WeightTensor("x", WeightType.F16, new long[] {3, 3}, MemorySegment.ofArray(new byte[17])));
        assertTrue(e.getMessage().contains("x") && e.getMessage().contains("18"), e.getMessage());
    }

    static int[] bits(float[] values) {
        int[] out = new int[values.length];
        for (int i = 0; i < values.length; i++) out[i] = Float.floatToRawIntBits(values[i]);
        return out;
    }
}
