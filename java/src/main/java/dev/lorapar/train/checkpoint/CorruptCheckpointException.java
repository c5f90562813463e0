package dev.lorapar.train.checkpoint;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A checkpoint file that fails verification: too short, wrong magic, unsupported version, bad header, a checksum
 * that does not match (header, an array, the whole file), truncated or with bytes past its declared end. The
 * message starts with the file name, e.g. {@code "ckpt-40.lpck: array 'lora.A' (F32[4096]): checksum mismatch
 * (stored 1a2b3c4d, computed 99aa0011)"}; {@link #reason()} is the part after the name.
 */
public final class CorruptCheckpointException extends IOException {
    @java.io.Serial
    private static final long serialVersionUID = 1L;
    private final transient Path file;
    private final String reason;

    public CorruptCheckpointException(Path file, String reason) {
        super(name(file) + ": " + reason);
        this.file = Objects.requireNonNull(file, "file");
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    private static String name(Path file) {
        Path n = file == null ? null : file.getFileName();
        return n == null ? String.valueOf(file) : n.toString();
    }

    /** The file that failed verification. */
    public Path file() {
        return file;
    }

    /** What is wrong with it, without the file name. */
    public String reason() {
        return reason;
    }
}
