package dev.lorapar.core;

import java.util.Locale;
import java.util.Objects;

/**
 * An allocation ({@link Tensor#empty}, {@link Tensor#pinnedHost}, ...) failed with
 * {@code LP_ERR_OUT_OF_MEMORY}. Carries what was asked and what the device reported free at the
 * time of the failure (-1 when that could not be queried).
 */
public class DeviceOutOfMemoryException extends LoraparException {
    private static final long serialVersionUID = 1L;

    private final long requestedBytes;
    private final long freeBytes;
    private final long totalBytes;
    private final Device device;

    /**
     * @param function       the allocating C function, e.g. {@code "lp_malloc"}
     * @param nativeMessage  its {@code lp_last_error()} text
     * @param device         the device asked for
     * @param requestedBytes bytes asked
     * @param freeBytes      free bytes reported by {@code lp_mem_info} after the failure, -1 if unknown
     * @param totalBytes     total bytes reported by {@code lp_mem_info}, -1 if unknown
     */
    public DeviceOutOfMemoryException(String function, String nativeMessage, Device device,
                                      long requestedBytes, long freeBytes, long totalBytes) {
        super(function, NativeStatus.OUT_OF_MEMORY.code(), nativeMessage,
                message(function, nativeMessage, device, requestedBytes, freeBytes, totalBytes));
        this.device = Objects.requireNonNull(device, "device");
        this.requestedBytes = requestedBytes;
        this.freeBytes = freeBytes;
        this.totalBytes = totalBytes;
    }

    private static String message(String function, String nativeMessage, Device device,
                                  long requested, long free, long total) {
        String memory = free < 0
                ? "free memory unknown"
                : describe(free) + " free of " + describe(total);
        String text = "asked " + describe(requested) + " on " + device + ", " + memory;
        if (nativeMessage != null && !nativeMessage.isEmpty()) {
            text += " (" + nativeMessage + ")";
        }
        return defaultMessage(function, NativeStatus.OUT_OF_MEMORY.code(), text);
    }

    /** "1.50 GiB (1610612736 bytes)". */
    static String describe(long bytes) {
        if (bytes < 0) {
            return "unknown";
        }
        String[] units = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
        double v = bytes;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return u == 0 ? bytes + " bytes" : String.format(Locale.ROOT, "%.2f %s (%d bytes)", v, units[u], bytes);
    }

    /** Bytes the failed allocation asked for. */
    public long requestedBytes() {
        return requestedBytes;
    }

    /** Free bytes of the device right after the failure, -1 if unknown. */
    public long freeBytes() {
        return freeBytes;
    }

    /** Total bytes of the device, -1 if unknown. */
    public long totalBytes() {
        return totalBytes;
    }

    /** The device the allocation was for. */
    public Device device() {
        return device;
    }
}
