package dev.lorapar.core;

/** The {@code lp_status} codes of {@code lorapar.h} (0..8), plus {@link #UNKNOWN} for any other value. */
public enum NativeStatus {
    /** {@code LP_OK} (0). */
    OK(0, "LP_OK"),
    /** {@code LP_ERR_INVALID_ARGUMENT} (1): a null pointer, a negative size, a bad enum, a device mismatch. */
    INVALID_ARGUMENT(1, "LP_ERR_INVALID_ARGUMENT"),
    /** {@code LP_ERR_OUT_OF_MEMORY} (2): a host or device allocation failed. */
    OUT_OF_MEMORY(2, "LP_ERR_OUT_OF_MEMORY"),
    /** {@code LP_ERR_CUDA} (3): a CUDA runtime error. */
    CUDA(3, "LP_ERR_CUDA"),
    /** {@code LP_ERR_CUBLAS} (4): a cuBLAS / cuBLASLt error. */
    CUBLAS(4, "LP_ERR_CUBLAS"),
    /** {@code LP_ERR_UNSUPPORTED} (5): a dtype / mode combination this backend does not implement. */
    UNSUPPORTED(5, "LP_ERR_UNSUPPORTED"),
    /** {@code LP_ERR_NO_DEVICE} (6): CUDA asked for but not built in, no driver, or a bad ordinal. */
    NO_DEVICE(6, "LP_ERR_NO_DEVICE"),
    /** {@code LP_ERR_INTERNAL} (7): an invariant of the library itself failed. */
    INTERNAL(7, "LP_ERR_INTERNAL"),
    /** {@code LP_ERR_COLLECTIVE} (8): NCCL missing or failed, a peer failed, or a collective timed out. */
    COLLECTIVE(8, "LP_ERR_COLLECTIVE"),
    /** A status code outside 0..8 (code -1 here; the raw value is in the exception message). */
    UNKNOWN(-1, "LP_ERR_UNKNOWN");

    private final int code;
    private final String cName;

    NativeStatus(int code, String cName) {
        this.code = code;
        this.cName = cName;
    }

    /** The native code, or -1 for {@link #UNKNOWN}. */
    public int code() {
        return code;
    }

    /** The C name, e.g. {@code "LP_ERR_CUDA"}. */
    public String cName() {
        return cName;
    }

    /** The status for a native code; {@link #UNKNOWN} for codes outside 0..8. */
    public static NativeStatus fromCode(int code) {
        for (NativeStatus s : values()) {
            if (s.code == code && s != UNKNOWN) {
                return s;
            }
        }
        return UNKNOWN;
    }
}
