package dev.lorapar.tests.dist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.core.Stream;
import dev.lorapar.core.Tensor;
import dev.lorapar.dist.ActivePacking;
import dev.lorapar.dist.LocalCollective;
import dev.lorapar.dist.RankThreads;
import dev.lorapar.tests.support.Rng;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/** Packing a masked stage's active elements: exact round trip, and a packed all-reduce equals the full one there. */
class ActivePackingTest {
    @Test
    void packThenUnpackIsExactAndZeroesInactive(TestInfo info) {
        Rng rng = Rng.forTest(info);
        int[] sizes = {1, 7, 61, 13};
        List<byte[]> masks = new ArrayList<>();
        List<float[]> values = new ArrayList<>();
        long[] lens = new long[sizes.length];
        int active = 0;
        for (int t = 0; t < sizes.length; t++) {
            byte[] m = t == 2 ? null : new byte[sizes[t]];
            if (m != null) {
                for (int i = 0; i < m.length; i++) {
                    m[i] = (byte) (rng.nextInt(3) == 0 ? 1 + rng.nextInt(5) : 0);
                    active += m[i] != 0 ? 1 : 0;
                }
            } else {
                active += sizes[t];
            }
            masks.add(m);
            values.add(rng.gaussian(sizes[t], 1));
            lens[t] = sizes[t];
        }
        ActivePacking p = ActivePacking.of(masks, lens);
        assertEquals(active, p.activeCount());
        assertEquals(82, p.totalCount());
        float[] packed = p.pack(values);
        List<float[]> back = new ArrayList<>();
        for (int s : sizes) {
            back.add(rng.gaussian(s, 1)); // garbage to be overwritten
        }
        p.unpack(packed, back);
        int k = 0;
        for (int t = 0; t < sizes.length; t++) {
            for (int i = 0; i < sizes[t]; i++) {
                boolean on = masks.get(t) == null || masks.get(t)[i] != 0;
                assertEquals(Float.floatToRawIntBits(on ? values.get(t)[i] : 0f),
                        Float.floatToRawIntBits(back.get(t)[i]), "tensor " + t + " element " + i);
                if (on) {
                    assertEquals(Float.floatToRawIntBits(values.get(t)[i]), Float.floatToRawIntBits(packed[k++]));
                }
            }
        }
        assertThrows(IllegalArgumentException.class, () -> ActivePacking.of(List.of(new byte[3]), new long[] {4}));
        int tooLong = active + 1;
        assertThrows(IllegalArgumentException.class, () -> p.unpack(new float[tooLong], back));
    }

    @Test
    void packedAllReduceEqualsTheFullSumOnActiveElements(TestInfo info) {
        Rng rng = Rng.forTest(info);
        int n = 3;
        int[] sizes = {31, 5};
        byte[][] masks = {rng.mask(31, Rng.MaskKind.RANDOM), rng.mask(5, Rng.MaskKind.RANDOM)};
        float[][][] grads = new float[n][sizes.length][];
        for (int r = 0; r < n; r++) {
            for (int t = 0; t < sizes.length; t++) {
                grads[r][t] = rng.gaussian(sizes[t], 1);
            }
        }
        List<LocalCollective> group = LocalCollective.group(n, Duration.ofSeconds(20));
        var results = RankThreads.runAll(n, "test", r -> {
            try (Stream s = Stream.create(Device.CPU);
                 Tensor g0 = Tensor.of(s, DType.F32, grads[r][0], 31); // [31] F32
                 Tensor g1 = Tensor.of(s, DType.F32, grads[r][1], 5);  // [5] F32
                 Tensor m0 = Tensor.ofBytes(s, masks[0], 31);          // [31] U8
                 Tensor m1 = Tensor.ofBytes(s, masks[1], 5)) {         // [5] U8
                ActivePacking p = ActivePacking.of(s, List.of(g0, g1), List.of(m0, m1));
                p.allReduceSum(group.get(r), s, List.of(g0, g1));
                return new float[][] {g0.toFloatArray(s), g1.toFloatArray(s)};
            }
        });
        for (int r = 0; r < n; r++) {
            assertNull(results.get(r).failure());
            for (int t = 0; t < sizes.length; t++) {
                float[] expected = new float[sizes[t]];
                for (int i = 0; i < sizes[t]; i++) {
                    if (masks[t][i] != 0) {
                        expected[i] = grads[0][t][i];
                        for (int q = 1; q < n; q++) {
                            expected[i] += grads[q][t][i];
                        }
                    }
                }
                assertArrayEquals(expected, results.get(r).value()[t], "rank " + r + " tensor " + t);
            }
        }
    }
}
