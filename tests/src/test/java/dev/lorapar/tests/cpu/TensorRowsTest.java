package dev.lorapar.tests.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.core.Ops;
import dev.lorapar.core.Stream;
import dev.lorapar.core.Tensor;
import dev.lorapar.tests.support.Rng;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/** Tensor.rows views (offsets, shapes, bounds, lifetime) and the exact int / long transfers. */
class TensorRowsTest {
    @Test
    void rowsViewTheRightElements(TestInfo info) {
        Rng rng = Rng.forTest(info);
        try (Stream s = Stream.create(Device.CPU)) {
            for (DType dt : new DType[] {DType.F32, DType.BF16, DType.I32}) {
                float[] data = new float[7 * 5];
                for (int i = 0; i < data.length; i++) {
                    data[i] = dt == DType.F32 ? rng.nextInt(1000) / 8f : i;
                }
                try (Tensor t = Tensor.of(s, dt, data, 7, 5)) {
                    Tensor mid = t.rows(2, 3);                                  // [3×5]
                    assertArrayEquals(new long[] {3, 5}, mid.shape());
                    assertArrayEquals(java.util.Arrays.copyOfRange(data, 10, 25), mid.toFloatArray(s), dt.toString());
                    mid.view(15).rows(4, 2).fill(s, -1);                        // elements 14, 15 of the whole
                    float[] all = t.toFloatArray(s);
                    assertEquals(-1f, all[14]);
                    assertEquals(-1f, all[15]);
                    assertEquals(data[13], all[13]);
                    assertEquals(data[16], all[16]);
                    assertEquals(0, t.rows(7, 0).numel(), "an empty range at the end");
                    assertThrows(IllegalArgumentException.class, () -> t.rows(5, 3), "past the end");
                    assertThrows(IllegalArgumentException.class, () -> t.rows(-1, 1));
                    assertThrows(IllegalArgumentException.class, () -> t.view(35).view(5, 7).rows(0, 6));
                }
                assertThrows(IllegalStateException.class, () -> { // a view dies with its owner
                    Tensor owner = Tensor.zeros(s, dt, 4, 2);
                    Tensor v = owner.rows(1, 2);
                    owner.close();
                    v.toFloatArray(s);
                });
            }
        }
    }

    @Test
    void copiesAcrossRowViewsGoWhereTheyShould() {
        try (Stream s = Stream.create(Device.CPU);
             Tensor a = Tensor.of(s, DType.F32, new float[] {1, 2, 3, 4, 5, 6}, 3, 2);
             Tensor b = Tensor.zeros(s, DType.F32, 4, 2)) {
            Ops.copy(s, a.rows(1, 2), b.rows(2, 2));
            assertArrayEquals(new float[] {0, 0, 0, 0, 3, 4, 5, 6}, b.toFloatArray(s));
        }
    }

    @Test
    void intsAndLongsTravelExactly(TestInfo info) {
        Rng rng = Rng.forTest(info);
        try (Stream s = Stream.create(Device.CPU);
             Tensor i32 = Tensor.empty(Device.CPU, DType.I32, 9);
             Tensor i64 = Tensor.empty(Device.CPU, DType.I64, 9)) {
            int[] ints = new int[9];
            long[] longs = new long[9];
            for (int k = 0; k < 9; k++) {
                ints[k] = rng.nextInt(Integer.MAX_VALUE) - (1 << 30) * 2 + 7; // beyond 2^24 and negative
                longs[k] = rng.nextLong();                                     // beyond 2^53 and negative
            }
            longs[0] = Long.MIN_VALUE;
            longs[1] = -1;
            i32.copyFromInts(s, ints);
            i64.copyFromLongs(s, longs);
            assertArrayEquals(ints, i32.toIntArray(s));
            assertArrayEquals(longs, i64.toLongArray(s));
            assertThrows(IllegalArgumentException.class, () -> i32.copyFromInts(s, new int[8]), "length");
            assertThrows(IllegalArgumentException.class, () -> i32.copyFromLongs(s, longs), "dtype");
            assertThrows(IllegalArgumentException.class, () -> i64.toIntArray(s), "dtype");
            assertThrows(NullPointerException.class, () -> i64.copyFromLongs(s, null));
        }
    }
}
