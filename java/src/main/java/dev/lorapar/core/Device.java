package dev.lorapar.core;

import java.util.Locale;
import java.util.Objects;

/**
 * Where a buffer lives and an op runs: the host CPU, or one CUDA device by ordinal.
 *
 * <p>The CPU device has index 0 ({@code new Device(Kind.CPU, -1)} is accepted and normalised to
 * index 0, so it equals {@link #CPU}). CUDA indices are ≥ 0; whether the device exists is checked
 * by the native library when it is used.
 *
 * @param kind  CPU or CUDA
 * @param index 0 for the CPU, the CUDA ordinal otherwise
 */
public record Device(Kind kind, int index) implements java.io.Serializable {

    /** The two kinds of device. */
    public enum Kind {
        /** The host CPU (native backend in C + OpenMP). */
        CPU,
        /** A CUDA GPU. */
        CUDA
    }

    /** The host CPU. */
    public static final Device CPU = new Device(Kind.CPU, 0);

    /**
     * Validates the components.
     *
     * @throws NullPointerException     if kind is null
     * @throws IllegalArgumentException if a CUDA index is negative or a CPU index is not 0 or -1
     */
    public Device {
        Objects.requireNonNull(kind, "kind");
        if (kind == Kind.CPU) {
            if (index != 0 && index != -1) {
                throw new IllegalArgumentException("Device: the CPU has index 0, got " + index);
            }
            index = 0;
        } else if (index < 0) {
            throw new IllegalArgumentException("Device: CUDA index must be >= 0, got " + index);
        }
    }

    /** CUDA device {@code index} (≥ 0). */
    public static Device cuda(int index) {
        return new Device(Kind.CUDA, index);
    }

    /**
     * Parses {@code "cpu"}, {@code "cuda"} (= cuda:0) or {@code "cuda:N"} (case-insensitive, surrounding
     * blanks ignored).
     *
     * @throws IllegalArgumentException for any other text
     * @throws NullPointerException     if text is null
     */
    public static Device parse(String text) {
        Objects.requireNonNull(text, "text");
        String t = text.strip().toLowerCase(Locale.ROOT);
        if (t.equals("cpu")) {
            return CPU;
        }
        if (t.equals("cuda")) {
            return cuda(0);
        }
        if (t.startsWith("cuda:")) {
            String digits = t.substring("cuda:".length());
            if (!digits.isEmpty() && digits.length() <= 9 && digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
                return cuda(Integer.parseInt(digits));
            }
        }
        throw new IllegalArgumentException("Device.parse: \"" + text + "\" is not a device (expected cpu, cuda or cuda:N)");
    }

    /** The native device id: -1 ({@code LP_DEVICE_CPU}) for the CPU, else the CUDA ordinal. */
    public int nativeId() {
        return kind == Kind.CPU ? -1 : index;
    }

    /** True for a CUDA device. */
    public boolean isCuda() {
        return kind == Kind.CUDA;
    }

    /** {@code "cpu"} or {@code "cuda:N"}. */
    @Override
    public String toString() {
        return kind == Kind.CPU ? "cpu" : "cuda:" + index;
    }
}
