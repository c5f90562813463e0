package dev.lorapar.tokenizer;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A tokenizer file that cannot be loaded: truncated, malformed, inconsistent, or of a kind lorapar does
 * not support. The message always starts with the file name, e.g. {@code "tokenizer.bin: token 31999
 * declares 12 bytes but only 3 remain (file truncated?)"}.
 */
public class TokenizerFormatException extends RuntimeException {
    private final Path file;

    /** An error about {@code file}. */
    public TokenizerFormatException(Path file, String message) {
        this(file, message, null);
    }

    /** An error about {@code file} with its cause (an I/O or JSON error). */
    public TokenizerFormatException(Path file, String message, Throwable cause) {
        super(describe(file) + ": " + message, cause);
        this.file = Objects.requireNonNull(file, "file");
    }

    private static String describe(Path file) {
        Path name = file == null ? null : file.getFileName();
        return name == null ? String.valueOf(file) : name.toString();
    }

    /** The file that could not be loaded. */
    public Path file() {
        return file;
    }
}
