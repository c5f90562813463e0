package dev.lorapar.tests.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.lorapar.core.Device;
import dev.lorapar.core.Lorapar;
import dev.lorapar.core.LoraparException;
import dev.lorapar.core.NativeStatus;
import dev.lorapar.core.NcclComm;
import dev.lorapar.core.ffi.NcclNative;
import dev.lorapar.dist.CollectiveException;
import dev.lorapar.dist.NcclCollective;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The lp_nccl_* ABI where no GPU is usable: the public entry points validate their arguments first (bad rank, CPU
 * device, bad timeout), and a build without the CUDA backend answers "built without the CUDA backend" instead of
 * touching NCCL.
 */
class NcclAbiTest {
    private static final byte[] ID = new byte[NcclNative.UNIQUE_ID_BYTES];

    @Test
    void argumentsAreValidatedBeforeAnyBackend() {
        LoraparException rank = assertThrows(LoraparException.class, () -> NcclNative.commInit(0, 2, 2, ID, 1.0));
        assertEquals(NativeStatus.INVALID_ARGUMENT, rank.status());
        assertTrue(rank.getMessage().contains("rank 2 is outside [0, world_size 2)"), rank.getMessage());
        LoraparException cpu = assertThrows(LoraparException.class, () -> NcclNative.commInit(-1, 1, 0, ID, 1.0));
        assertEquals(NativeStatus.UNSUPPORTED, cpu.status());
        assertTrue(cpu.getMessage().contains("NCCL needs a CUDA device"), cpu.getMessage());
        LoraparException timeout = assertThrows(LoraparException.class, () -> NcclNative.commInit(0, 1, 0, ID, 0));
        assertTrue(timeout.getMessage().contains("timeout_s must be positive"), timeout.getMessage());
        LoraparException nan = assertThrows(LoraparException.class,
                () -> NcclNative.commInit(0, 1, 0, ID, Double.NaN));
        assertEquals(NativeStatus.INVALID_ARGUMENT, nan.status());
        assertThrows(IllegalArgumentException.class, () -> NcclComm.init(Device.CPU, 1, 0, ID, 1.0));
        assertThrows(IllegalArgumentException.class, () -> NcclComm.init(Device.cuda(0), 1, 0, new byte[5], 1.0));
        NcclNative.commDestroy(java.lang.foreign.MemorySegment.NULL); // NULL is a no-op
    }

    @Test
    void withoutTheCudaBackendEveryCallSaysSo() {
        assumeFalse(Lorapar.buildInfo().contains("backends: cpu, cuda"), "the CUDA backend is built in");
        LoraparException v = assertThrows(LoraparException.class, NcclComm::version);
        assertEquals(NativeStatus.NO_DEVICE, v.status());
        assertTrue(v.getMessage().contains("built without the CUDA backend"), v.getMessage());
        assertThrows(LoraparException.class, NcclComm::uniqueId);
        CollectiveException join = assertThrows(CollectiveException.class,
                () -> NcclCollective.join(Device.cuda(0), 1, 0, ID, Duration.ofSeconds(1)));
        assertTrue(join.getMessage().contains("rank 0, NCCL init on cuda:0"), join.getMessage());
    }
}
