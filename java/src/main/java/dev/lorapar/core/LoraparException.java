package dev.lorapar.core;

import java.util.Objects;

/**
 * A native lorapar function returned a non-zero {@code lp_status}. The message has the form
 * {@code "lp_gemm failed: LP_ERR_CUDA: <native message>"}, where the native message is the
 * thread's {@code lp_last_error()} right after the failing call.
 */
public class LoraparException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String function;
    private final NativeStatus status;
    private final int statusCode;
    private final String nativeMessage;

    /**
     * @param function      the C function that failed, e.g. {@code "lp_gemm"}
     * @param statusCode    the raw {@code lp_status} it returned (non-zero)
     * @param nativeMessage its {@code lp_last_error()} text ("" when none)
     */
    public LoraparException(String function, int statusCode, String nativeMessage) {
        this(function, statusCode, nativeMessage, defaultMessage(function, statusCode, nativeMessage));
    }

    /** For subclasses that compose a more specific message; {@code message} is used as is. */
    protected LoraparException(String function, int statusCode, String nativeMessage, String message) {
        super(message);
        this.function = Objects.requireNonNull(function, "function");
        this.statusCode = statusCode;
        this.status = NativeStatus.fromCode(statusCode);
        this.nativeMessage = nativeMessage == null ? "" : nativeMessage;
    }

    /** The standard message: {@code "<function> failed: <LP_ERR_X>: <native message>"}. */
    protected static String defaultMessage(String function, int statusCode, String nativeMessage) {
        NativeStatus s = NativeStatus.fromCode(statusCode);
        String name = s == NativeStatus.UNKNOWN ? "LP_ERR_UNKNOWN(" + statusCode + ")" : s.cName();
        String text = nativeMessage == null || nativeMessage.isEmpty() ? "(no message from the library)" : nativeMessage;
        return function + " failed: " + name + ": " + text;
    }

    /** The C function that failed, e.g. {@code "lp_gemm"}. */
    public String function() {
        return function;
    }

    /** The status it returned. */
    public NativeStatus status() {
        return status;
    }

    /** The raw status code (useful when {@link #status()} is {@link NativeStatus#UNKNOWN}). */
    public int statusCode() {
        return statusCode;
    }

    /** The native {@code lp_last_error()} text ("" when the library gave none). */
    public String nativeMessage() {
        return nativeMessage;
    }
}
