package dev.lorapar.train.checkpoint;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * One checkpoint file, without the atomic protocol of {@link CheckpointStore}: write a state to a path, read
 * and verify one back (for tools that inspect or convert a given file). The format is in
 * {@code package-info.java}.
 */
public final class CheckpointFile {
    /** The file extension of checkpoints. */
    public static final String EXTENSION = ".lpck";

    private CheckpointFile() {
    }

    /**
     * Writes {@code state} to {@code file} (created or replaced in place, NOT atomically) and forces it to the
     * disk; returns the file size in bytes. Streams: memory use is one 1 MiB buffer beyond the state itself.
     */
    public static long write(Path file, TrainingState state, WriteProgress progress) throws IOException {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(state, "state");
        return CheckpointWriter.write(file, state, progress == null ? WriteProgress.NONE : progress);
    }

    /**
     * Reads and verifies {@code file}: every checksum, the declared against the real size. Throws
     * {@link CorruptCheckpointException} naming the first fault; other IOExceptions when it cannot be read.
     */
    public static TrainingState read(Path file) throws IOException {
        Objects.requireNonNull(file, "file");
        return CheckpointReader.read(file);
    }
}
