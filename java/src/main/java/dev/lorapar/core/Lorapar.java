package dev.lorapar.core;

import dev.lorapar.core.ffi.LpNative;
import dev.lorapar.core.ffi.NativeLibrary;

import java.util.Objects;

/**
 * Library-wide facts: ABI version, build description, devices. The first call loads the native
 * library (see {@link NativeLibrary} for where it is looked for); failures throw
 * {@link NativeLibraryException}.
 */
public final class Lorapar {
    private Lorapar() {
    }

    /**
     * Free and total memory of a device, in bytes.
     *
     * @param freeBytes  bytes currently free (CPU: physical memory available)
     * @param totalBytes bytes in total (CPU: physical memory)
     */
    public record MemInfo(long freeBytes, long totalBytes) {
    }

    /** {@code lp_abi_version()} of the loaded library (1). */
    public static int abiVersion() {
        return LpNative.abiVersion();
    }

    /** The native build description: backends compiled in, CUDA archs, compiler. */
    public static String buildInfo() {
        return LpNative.buildInfo();
    }

    /** The file the native library was loaded from. */
    public static String libraryPath() {
        return NativeLibrary.loadedFrom();
    }

    /** Number of usable CUDA devices (0 when CUDA is not built in or no driver / GPU is present). */
    public static int cudaDeviceCount() {
        return LpNative.cudaDeviceCount();
    }

    /** True when at least one CUDA device is usable. */
    public static boolean cudaAvailable() {
        return cudaDeviceCount() > 0;
    }

    /** Free and total bytes of {@code device}. */
    public static MemInfo memInfo(Device device) {
        Objects.requireNonNull(device, "Lorapar.memInfo: device is null");
        long[] freeTotal = LpNative.memInfo(device.nativeId());
        return new MemInfo(freeTotal[0], freeTotal[1]);
    }

    /** A human-readable name of {@code device} (CPU model or GPU name). */
    public static String deviceName(Device device) {
        Objects.requireNonNull(device, "Lorapar.deviceName: device is null");
        return LpNative.deviceName(device.nativeId());
    }
}
