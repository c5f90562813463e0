package dev.lorapar.tests.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.core.DeviceOutOfMemoryException;
import dev.lorapar.core.Event;
import dev.lorapar.core.Lorapar;
import dev.lorapar.core.LoraparException;
import dev.lorapar.core.NativeStatus;
import dev.lorapar.core.Ops;
import dev.lorapar.core.Stream;
import dev.lorapar.core.Tensor;
import dev.lorapar.tests.support.Backends;
import dev.lorapar.tests.support.Numerics;
import dev.lorapar.tests.support.Rng;
import dev.lorapar.tests.support.TensorScope;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/** CUDA memory: out-of-memory reporting, transfers in every direction, device checks, events. */
@Tag("gpu")
class GpuMemoryTest {
    @BeforeEach
    void requireCuda() { Backends.assumeCuda(); }

    @Test
    void tenPetabytesIsDeviceOutOfMemory() {
        long asked = 10L << 50; // 10 PiB of U8
        DeviceOutOfMemoryException e = assertThrows(DeviceOutOfMemoryException.class,
                () -> Tensor.empty(Backends.gpu(), DType.U8, asked).close());
        assertEquals(NativeStatus.OUT_OF_MEMORY, e.status());
        assertEquals(asked, e.requestedBytes());
        assertEquals(Backends.gpu(), e.device());
        assertTrue(e.freeBytes() > 0 && e.freeBytes() <= e.totalBytes(), "free " + e.freeBytes() + " total " + e.totalBytes());
        String msg = e.getMessage();
        assertTrue(msg.contains(Long.toString(asked)), "message lacks the asked bytes: " + msg);
        assertTrue(msg.contains(Long.toString(e.freeBytes())) && msg.toLowerCase().contains("free"),
                "message lacks the free bytes: " + msg);
        // the device is still usable
        try (TensorScope s = new TensorScope(Backends.gpu())) {
            assertEquals(3f, s.read(s.of(DType.F32, new float[] {3f}, 1))[0]);
        }
        Lorapar.MemInfo mem = Lorapar.memInfo(Backends.gpu());
        assertTrue(mem.totalBytes() > 0 && mem.freeBytes() <= mem.totalBytes(), mem.toString());
        assertFalse(Lorapar.deviceName(Backends.gpu()).isBlank());
    }

    @Test
    void transfersEveryDirection(TestInfo info) {
        Rng rng = Rng.forTest(info);
        for (int n : new int[] {0, 1, 13, 127, 1 << 20}) {
            float[] data = rng.gaussian(n, 1);
            try (TensorScope gs = new TensorScope(Backends.gpu()); TensorScope cs = new TensorScope(Device.CPU)) {
                Tensor host = cs.of(DType.F32, data, n);
                Tensor pinned = cs.own(Tensor.pinnedHost(DType.F32, n));
                Tensor dev1 = gs.poisoned(DType.F32, n), dev2 = gs.poisoned(DType.F32, n);
                Tensor back = cs.poisoned(DType.F32, n);
                Ops.copy(gs.stream(), host, dev1);      // H2D
                Ops.copy(gs.stream(), dev1, dev2);      // D2D
                Ops.copy(gs.stream(), dev2, pinned);    // D2H into pinned
                gs.stream().synchronize();
                Ops.copy(gs.stream(), pinned, dev1);    // H2D from pinned
                Ops.copy(gs.stream(), dev1, back);      // D2H
                gs.stream().synchronize();
                Numerics.assertBitsEqual("round trip", data, cs.read(back), "n=" + n + " " + rng.tag());
                Numerics.assertBitsEqual("device readback", data, gs.read(dev2), "n=" + n + " " + rng.tag());
                Tensor bf = gs.poisoned(DType.BF16, n);
                Ops.convert(gs.stream(), dev1, bf);
                Numerics.assertBitsEqual("bf16 on cuda", Numerics.storedAs(DType.BF16, data), gs.read(bf), rng.tag());
            }
        }
    }

    @Test
    void tensorsOfAnotherDeviceAreRefused() {
        try (TensorScope gs = new TensorScope(Backends.gpu()); TensorScope cs = new TensorScope(Device.CPU)) {
            Tensor ga = gs.zeros(DType.F32, 3, 3), ca = cs.zeros(DType.F32, 3, 3), gc = gs.zeros(DType.F32, 3, 3);
            assertThrows(IllegalArgumentException.class, () -> Ops.gemm(gs.stream(), false, false, 1f, ga, ca, 0f, gc));
            assertThrows(IllegalArgumentException.class, () -> Ops.gemm(cs.stream(), false, false, 1f, ga, ga, 0f, ca));
            assertThrows(IllegalArgumentException.class, () -> Ops.fill(cs.stream(), ga, 1));
            assertThrows(IllegalArgumentException.class, () -> ga.toFloatArray(cs.stream()));
            assertThrows(IllegalArgumentException.class, () -> Ops.convert(gs.stream(), ca, gc));
        }
    }

    @Test
    void eventsTimeCudaWork() {
        try (Stream stream = Stream.create(Backends.gpu());
             Event start = Event.create(Backends.gpu()); Event end = Event.create(Backends.gpu());
             Tensor t = Tensor.zeros(stream, DType.F32, 1 << 24)) {
            start.record(stream);
            for (int i = 0; i < 10; i++) t.fill(stream, i);
            end.record(stream);
            end.synchronize();
            float ms = Event.elapsedMillis(start, end);
            assertTrue(Float.isFinite(ms) && ms >= 0, "elapsed " + ms);
            try (Event cpu = Event.create(Device.CPU)) {
                assertThrows(IllegalArgumentException.class, () -> cpu.record(stream));
            }
            float[] v = t.toFloatArray(stream);
            assertEquals(9f, v[v.length - 1]);
        }
    }

    /** A native failure on CUDA (NaN importance) is an INVALID_ARGUMENT LoraparException, as on the CPU. */
    @Test
    void nativeErrorsOnCuda() {
        try (TensorScope s = new TensorScope(Backends.gpu())) {
            Tensor imp = s.of(DType.F32, new float[] {1f, Float.NaN, 2f}, 3), out = s.poisoned(DType.U8, 3);
            LoraparException e = assertThrows(LoraparException.class, () -> Ops.selectTopMass(s.stream(), imp, 0.5, out));
            assertEquals(NativeStatus.INVALID_ARGUMENT, e.status(), e.getMessage());
            assertEquals("lp_select_top_mass", e.function());
            Tensor ok = s.of(DType.F32, new float[] {1f, 2f, 3f}, 3);
            assertEquals(1, Ops.selectTopMass(s.stream(), ok, 0.5, out));
        }
    }
}
