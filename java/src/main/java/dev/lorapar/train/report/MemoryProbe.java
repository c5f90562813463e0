package dev.lorapar.train.report;

import dev.lorapar.core.Device;
import dev.lorapar.core.Lorapar;
import java.util.Objects;

/**
 * Where a progress line reads device memory from. Called only when a line is drawn; a probe that
 * throws makes the line show "mem ?" instead of failing the work it reports on.
 */
@FunctionalInterface
public interface MemoryProbe {

    /** Bytes in use and in total; either is -1 when unknown. */
    record MemoryUse(long usedBytes, long totalBytes) {
    }

    MemoryUse read();

    /** Used = total − free of {@code device}, as {@code lp_mem_info} reports it. */
    static MemoryProbe of(Device device) {
        Objects.requireNonNull(device, "MemoryProbe.of: device is null");
        return () -> {
            Lorapar.MemInfo info = Lorapar.memInfo(device);
            return new MemoryUse(info.totalBytes() - info.freeBytes(), info.totalBytes());
        };
    }
}
