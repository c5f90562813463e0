package dev.lorapar.core;

/**
 * The native library {@code liblorapar.so} could not be loaded (or a symbol of {@code lorapar.h} is
 * missing from it). The message lists every place tried and what the dynamic loader said for each.
 */
public class NativeLibraryException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message every place tried and why each failed */
    public NativeLibraryException(String message) {
        super(message);
    }
}
