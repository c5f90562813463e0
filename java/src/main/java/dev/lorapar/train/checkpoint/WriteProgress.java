package dev.lorapar.train.checkpoint;

/**
 * Told after every block of a checkpoint reaches the file (every ≤ 1 MiB and at the end of every array), so a
 * trainer can show the progress of a large save (a 7B run's masters and moments are ≈ 0.5 GB). It runs on the
 * saving thread: a slow listener slows the save (tests use that to land a kill in the middle of a write).
 */
@FunctionalInterface
public interface WriteProgress {
    /** Listens to nothing. */
    WriteProgress NONE = (written, total) -> { };

    /**
     * @param bytesWritten bytes of the file written so far (handed to the OS, not yet forced to the disk)
     * @param totalBytes   the size the finished file will have
     */
    void written(long bytesWritten, long totalBytes);
}
