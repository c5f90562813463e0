package dev.lorapar.tests.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.core.Ops;
import dev.lorapar.core.Stream;
import dev.lorapar.core.Tensor;
import dev.lorapar.tests.support.Numerics;
import dev.lorapar.tests.support.Rng;
import dev.lorapar.tests.support.TensorScope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/** Tensor: metadata, host round trips for every dtype, alignment, lifetime, pinned host memory. */
class TensorTest {

    @Test
    void metadata() {
        try (TensorScope s = new TensorScope(Device.CPU)) {
            Tensor t = s.zeros(DType.BF16, 3, 0, 7);
            assertArrayEquals(new long[] {3, 0, 7}, t.shape());
            assertEquals(3, t.rank());
            assertEquals(7, t.dim(-1));
            assertEquals(3, t.dim(0));
            assertEquals(0, t.numel());
            assertEquals(0, t.byteSize());
            assertEquals(DType.BF16, t.dtype());
            assertEquals(Device.CPU, t.device());
            long[] shape = t.shape();
            shape[0] = 99;
            assertEquals(3, t.dim(0), "shape() must return a copy");
            Tensor scalar = s.zeros(DType.I64);
            assertEquals(0, scalar.rank());
            assertEquals(1, scalar.numel());
            assertEquals(8, scalar.byteSize());
            Tensor r8 = s.zeros(DType.U8, 1, 2, 1, 2, 1, 2, 1, 3);
            assertEquals(24, r8.numel());
            assertEquals(24, r8.byteSize());
            for (DType dt : DType.values()) assertEquals(dt.byteSize() * 35L, s.zeros(dt, 5, 7).byteSize(), dt.toString());
        }
    }

    @Test
    void dtypeCodesMatchTheHeader() {
        assertEquals(0, DType.F32.code());
        assertEquals(1, DType.BF16.code());
        assertEquals(2, DType.U8.code());
        assertEquals(3, DType.I32.code());
        assertEquals(4, DType.I64.code());
        assertEquals(4, DType.F32.byteSize());
        assertEquals(2, DType.BF16.byteSize());
        assertEquals(1, DType.U8.byteSize());
        assertEquals(4, DType.I32.byteSize());
        assertEquals(8, DType.I64.byteSize());
    }

    @Test
    void roundTripEveryDtype(TestInfo info) {
        Rng rng = Rng.forTest(info);
        for (int n : Numerics.ODD_SIZES) {
            try (TensorScope s = new TensorScope(Device.CPU)) {
                float[] f = rng.gaussian(n, 1e3);
                Numerics.assertBitsEqual("F32", f, s.read(s.of(DType.F32, f, n)), rng.tag());
                Numerics.assertBitsEqual("BF16", Numerics.storedAs(DType.BF16, f), s.read(s.of(DType.BF16, f, n)), rng.tag());
                float[] ints = new float[n];
                for (int i = 0; i < n; i++) ints[i] = rng.between(0, 255);
                Numerics.assertBitsEqual("U8", ints, s.read(s.of(DType.U8, ints, n)), rng.tag());
                for (int i = 0; i < n; i++) ints[i] = rng.between(-(1 << 24), 1 << 24);
                Numerics.assertBitsEqual("I32", ints, s.read(s.of(DType.I32, ints, n)), rng.tag());
                Numerics.assertBitsEqual("I64", ints, s.read(s.of(DType.I64, ints, n)), rng.tag());
                byte[] raw = new byte[n];
                for (int i = 0; i < n; i++) raw[i] = (byte) rng.nextInt(256);
                assertArrayEquals(raw, s.bytes(s.mask(raw, n)), rng.tag());
                Tensor z = s.zeros(DType.F32, n);
                z.copyFrom(s.stream(), f);
                Numerics.assertBitsEqual("copyFrom", f, s.read(z), rng.tag());
            }
        }
    }

    @Test
    void cpuBuffersAre64ByteAligned() {
        try (TensorScope s = new TensorScope(Device.CPU)) {
            for (long n : new long[] {0, 1, 3, 13, 127, 4099}) {
                for (DType dt : DType.values()) {
                    Tensor t = s.own(Tensor.empty(Device.CPU, dt, n));
                    assertEquals(0, t.address() % 64, dt + "[" + n + "] at 0x" + Long.toHexString(t.address()));
                }
            }
        }
    }

    @Test
    void closeIsIdempotentAndUseAfterCloseIsRefused() {
        try (Stream stream = Stream.create(Device.CPU)) {
            Tensor t = Tensor.zeros(stream, DType.F32, 4);
            Tensor other = Tensor.zeros(stream, DType.F32, 4);
            Tensor mask = Tensor.zeros(stream, DType.U8, 4);
            try {
                assertFalse(t.isClosed());
                t.close();
                assertTrue(t.isClosed());
                t.close();
                assertTrue(t.isClosed());
                assertArrayEquals(new long[] {4}, t.shape(), "metadata stays readable after close");
                assertThrows(IllegalStateException.class, t::address);
                assertThrows(IllegalStateException.class, () -> t.toFloatArray(stream));
                assertThrows(IllegalStateException.class, () -> t.copyFrom(stream, new float[4]));
                assertThrows(IllegalStateException.class, () -> t.fill(stream, 1.0));
                assertThrows(IllegalStateException.class, () -> Ops.copy(stream, other, t));
                assertThrows(IllegalStateException.class, () -> Ops.maskApply(stream, t, mask));
            } finally {
                other.close();
                mask.close();
            }
        }
    }

    @Test
    void invalidConstructionIsRefused() {
        try (TensorScope s = new TensorScope(Device.CPU)) {
            assertThrows(IllegalArgumentException.class, () -> Tensor.of(s.stream(), DType.F32, new float[5], 2, 3));
            assertThrows(IllegalArgumentException.class, () -> Tensor.of(s.stream(), DType.U8, new float[] {256}, 1));
            assertThrows(IllegalArgumentException.class, () -> Tensor.of(s.stream(), DType.U8, new float[] {-1}, 1));
            assertThrows(IllegalArgumentException.class, () -> Tensor.of(s.stream(), DType.I32, new float[] {0.5f}, 1));
            assertThrows(IllegalArgumentException.class, () -> Tensor.of(s.stream(), DType.I32, new float[] {Float.NaN}, 1));
            assertThrows(IllegalArgumentException.class, () -> Tensor.of(s.stream(), DType.I64, new float[] {Float.POSITIVE_INFINITY}, 1));
            assertThrows(IllegalArgumentException.class, () -> Tensor.ofBytes(s.stream(), new byte[3], 4));
            assertThrows(IllegalArgumentException.class, () -> Tensor.empty(Device.CPU, DType.F32, 2, -1));
            assertThrows(IllegalArgumentException.class, () -> Tensor.empty(Device.CPU, DType.F32, 1, 1, 1, 1, 1, 1, 1, 1, 1));
            assertThrows(IllegalArgumentException.class, () -> Tensor.empty(Device.CPU, DType.F32, Long.MAX_VALUE, 4));
            Tensor f = s.zeros(DType.F32, 3);
            assertThrows(IllegalArgumentException.class, () -> f.toByteArray(s.stream()));
            assertThrows(IllegalArgumentException.class, () -> f.copyFrom(s.stream(), new float[4]));
        }
    }

    @Test
    void pinnedHostTensor(TestInfo info) {
        Rng rng = Rng.forTest(info);
        try (TensorScope s = new TensorScope(Device.CPU)) {
            Tensor p = s.own(Tensor.pinnedHost(DType.F32, 13, 5));
            assertEquals(Device.CPU, p.device());
            assertEquals(65, p.numel());
            float[] data = rng.gaussian(65, 1);
            p.copyFrom(s.stream(), data);
            Numerics.assertBitsEqual("pinned", data, s.read(p), rng.tag());
            Tensor dst = s.poisoned(DType.F32, 65);
            Ops.copy(s.stream(), p, dst);
            Numerics.assertBitsEqual("pinned → plain", data, s.read(dst), rng.tag());
            p.close();
            assertThrows(IllegalStateException.class, () -> p.toFloatArray(s.stream()));
        }
    }

    /** Many allocate / free cycles of odd sizes: frees go through lp_free without corrupting the heap. */
    @Test
    void manyAllocationsAndFrees() {
        try (Stream stream = Stream.create(Device.CPU)) {
            for (int i = 0; i < 2000; i++) {
                try (Tensor t = Tensor.zeros(stream, DType.values()[i % 5], 1 + (i * 7919L) % 1021)) {
                    float[] v = t.toFloatArray(stream);
                    if (v[v.length - 1] != 0f) throw new AssertionError("zeros not zero at iteration " + i);
                }
            }
        }
    }
}
