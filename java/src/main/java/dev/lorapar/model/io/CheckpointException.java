package dev.lorapar.model.io;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * A checkpoint file that cannot be loaded: malformed, truncated, inconsistent with its config, or of a
 * kind lorapar does not support. The message always starts with the file name, then the tensor when one
 * is concerned, e.g. {@code "model.safetensors: tensor model.layers.3.mlp.up_proj.weight: data_offsets
 * [10, 20] run past the end of the data (12 bytes)"}.
 */
public class CheckpointException extends RuntimeException {
    @java.io.Serial
    private static final long serialVersionUID = 1L;
    private final transient Path file;
    private final String tensor;

    /** An error about the whole file (no tensor concerned). */
    public CheckpointException(Path file, String message) {
        this(file, null, message, null);
    }

    /** An error about one tensor of the file; {@code tensor} may be null. */
    public CheckpointException(Path file, String tensor, String message) {
        this(file, tensor, message, null);
    }

    /** An error with its cause (an I/O or JSON error); {@code tensor} may be null. */
    public CheckpointException(Path file, String tensor, String message, Throwable cause) {
        super(compose(file, tensor, message), cause);
        this.file = Objects.requireNonNull(file, "file");
        this.tensor = tensor;
    }

    private static String compose(Path file, String tensor, String message) {
        Path name = file == null ? null : file.getFileName();
        String where = name == null ? String.valueOf(file) : name.toString();
        return tensor == null ? where + ": " + message : where + ": tensor " + tensor + ": " + message;
    }

    /** The file that could not be loaded. */
    public Path file() {
        return file;
    }

    /** The tensor concerned, when the error is about one. */
    public Optional<String> tensor() {
        return Optional.ofNullable(tensor);
    }
}
