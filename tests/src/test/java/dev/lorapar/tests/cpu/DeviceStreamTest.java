package dev.lorapar.tests.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.core.Event;
import dev.lorapar.core.Lorapar;
import dev.lorapar.core.LoraparException;
import dev.lorapar.core.NativeStatus;
import dev.lorapar.core.Stream;
import dev.lorapar.core.Tensor;
import dev.lorapar.tests.support.Backends;
import org.junit.jupiter.api.Test;

/** The Lorapar facade, Device parsing, CPU streams and events, and asking for absent CUDA devices. */
class DeviceStreamTest {

    @Test
    void facade() {
        assertEquals(1, Lorapar.abiVersion());
        assertFalse(Lorapar.buildInfo().isBlank(), "buildInfo");
        int count = Lorapar.cudaDeviceCount();
        assertTrue(count >= 0, "cudaDeviceCount " + count);
        assertEquals(count > 0, Lorapar.cudaAvailable());
        Lorapar.MemInfo mem = Lorapar.memInfo(Device.CPU);
        assertTrue(mem.totalBytes() > 0 && mem.freeBytes() > 0 && mem.freeBytes() <= mem.totalBytes(), mem.toString());
        assertFalse(Lorapar.deviceName(Device.CPU).isBlank(), "CPU device name");
    }

    @Test
    void deviceParsing() {
        assertEquals(Device.CPU, Device.parse("cpu"));
        assertEquals(Device.cuda(0), Device.parse("cuda"));
        assertEquals(Device.cuda(1), Device.parse("cuda:1"));
        assertEquals(Device.cuda(12), Device.parse("cuda:12"));
        assertEquals("cpu", Device.CPU.toString());
        assertEquals("cuda:0", Device.cuda(0).toString());
        assertEquals(-1, Device.CPU.nativeId());
        assertEquals(3, Device.cuda(3).nativeId());
        assertFalse(Device.CPU.isCuda());
        assertTrue(Device.cuda(0).isCuda());
        for (String bad : new String[] {"gpu", "", "cuda:", "cuda:-1", "cuda:x", "cuda:1:2", "cpu:0x"}) {
            assertThrows(IllegalArgumentException.class, () -> Device.parse(bad), "\"" + bad + "\"");
        }
    }

    @Test
    void cpuStreamAndEvents() {
        Stream stream = Stream.create(Device.CPU);
        assertEquals(Device.CPU, stream.device());
        stream.synchronize();
        try (Event start = Event.create(Device.CPU); Event end = Event.create(Device.CPU)) {
            start.record(stream);
            try (Tensor t = Tensor.zeros(stream, DType.F32, 100_003)) {
                t.fill(stream, 2.0);
            }
            end.record(stream);
            end.synchronize();
            float ms = Event.elapsedMillis(start, end);
            assertTrue(Float.isFinite(ms) && ms >= 0, "elapsed " + ms);
        }
        stream.close();
        stream.close(); // idempotent
        assertThrows(IllegalStateException.class, stream::synchronize);
        assertThrows(IllegalStateException.class, () -> Tensor.zeros(stream, DType.F32, 3));
    }

    /** Every device under test (CPU, plus each CUDA device) creates streams, reports memory, fills and reads. */
    @Test
    void everyBackendServesBasics() {
        for (Device device : Backends.devices()) {
            Lorapar.MemInfo mem = Lorapar.memInfo(device);
            assertTrue(mem.totalBytes() > 0 && mem.freeBytes() <= mem.totalBytes(), device + " " + mem);
            assertFalse(Lorapar.deviceName(device).isBlank(), device + " name");
            try (Stream stream = Stream.create(device); Tensor t = Tensor.zeros(stream, DType.BF16, 4, 33)) {
                assertEquals(device, stream.device());
                assertEquals(device, t.device());
                t.fill(stream, -2.5);
                for (float v : t.toFloatArray(stream)) assertEquals(-2.5f, v, device.toString());
            }
        }
    }

    /** A CUDA ordinal that does not exist is a native NO_DEVICE error, never a crash. */
    @Test
    void absentCudaDevice() {
        Device absent = Device.cuda(Lorapar.cudaDeviceCount() + 3);
        LoraparException e = assertThrows(LoraparException.class, () -> Stream.create(absent).close());
        assertEquals(NativeStatus.NO_DEVICE, e.status(), e.getMessage());
        assertEquals("lp_stream_create", e.function());
        assertFalse(e.nativeMessage().isBlank(), "native message");
        assertTrue(e.getMessage().startsWith("lp_stream_create failed: LP_ERR_NO_DEVICE: "), e.getMessage());
        LoraparException m = assertThrows(LoraparException.class, () -> Tensor.empty(absent, DType.F32, 4).close());
        assertEquals(NativeStatus.NO_DEVICE, m.status(), m.getMessage());
    }
}
