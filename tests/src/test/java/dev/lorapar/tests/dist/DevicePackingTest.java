package dev.lorapar.tests.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.core.Stream;
import dev.lorapar.core.Tensor;
import dev.lorapar.dist.ActivePacking;
import dev.lorapar.dist.DevicePacking;
import dev.lorapar.tests.support.Backends;
import dev.lorapar.tests.support.Rng;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The device packing against the host one ({@link ActivePacking#pack} / {@link ActivePacking#unpack}, the reference):
 * the same packed bits, and unpack writes every active element from the buffer and 0 at every inactive one (targets
 * poisoned with NaN first). Masks: none (all active), empty, full, random; odd sizes. On the CPU and, when present,
 * on CUDA.
 */
class DevicePackingTest {
    @Test
    void matchesTheHostPackingOnTheCpu(TestInfo info) {
        check(Device.CPU, Rng.forTest(info));
    }

    @Test
    @Tag("gpu")
    void matchesTheHostPackingOnCuda(TestInfo info) {
        Backends.assumeCuda();
        check(Backends.gpu(), Rng.forTest(info));
    }

    @Test
    void rejectsTensorsOfAnotherShape(TestInfo info) {
        try (Stream s = Stream.create(Device.CPU)) {
            ActivePacking layout = ActivePacking.of(List.of(new byte[] {1, 0, 1}), new long[] {3});
            try (DevicePacking p = DevicePacking.of(s, layout); Tensor wrong = Tensor.zeros(s, DType.F32, 4)) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.pack(s, List.of(wrong)));
                assertEquals(true, e.getMessage().contains("3 elements"), e.getMessage());
            }
        }
    }

    private static void check(Device device, Rng rng) {
        int[] sizes = {1, 7, 61, 13, 127, 5};
        List<byte[]> masks = new ArrayList<>();
        List<float[]> values = new ArrayList<>();
        long[] lens = new long[sizes.length];
        for (int t = 0; t < sizes.length; t++) {
            byte[] m = new byte[sizes[t]];
            for (int i = 0; i < m.length; i++) {
                m[i] = switch (t) {
                    case 1 -> 0;                    // empty mask: nothing active
                    case 3 -> 1;                    // full mask
                    default -> (byte) (rng.nextInt(3) == 0 ? 1 + rng.nextInt(5) : 0);
                };
            }
            masks.add(t == 2 ? null : m);           // null: every element active
            values.add(rng.gaussian(sizes[t], 1));
            lens[t] = sizes[t];
        }
        ActivePacking layout = ActivePacking.of(masks, lens);
        float[] expectedPacked = layout.pack(values);
        List<float[]> expectedBack = new ArrayList<>();
        for (int s : sizes) {
            expectedBack.add(new float[s]);
        }
        layout.unpack(expectedPacked, expectedBack);
        try (Stream s = Stream.create(device); DevicePacking p = DevicePacking.of(s, layout)) {
            List<Tensor> tensors = new ArrayList<>();
            try {
                for (int t = 0; t < sizes.length; t++) {
                    tensors.add(Tensor.of(s, DType.F32, values.get(t), sizes[t]));
                }
                p.packed().fill(s, Float.NaN);
                p.pack(s, tensors);
                assertBits(expectedPacked, p.packed().toFloatArray(s), "packed");
                for (Tensor t : tensors) {
                    t.fill(s, Float.NaN); // every element must be written by unpack
                }
                p.unpack(s, tensors);
                for (int t = 0; t < sizes.length; t++) {
                    assertBits(expectedBack.get(t), tensors.get(t).toFloatArray(s), "tensor " + t);
                }
            } finally {
                tensors.forEach(Tensor::close);
            }
        }
    }

    private static void assertBits(float[] expected, float[] got, String what) {
        assertEquals(expected.length, got.length, what);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(got[i]), what + " element " + i);
        }
    }
}
