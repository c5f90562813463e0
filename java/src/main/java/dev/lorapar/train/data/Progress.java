package dev.lorapar.train.data;

/** Receives progress of long work (called from worker threads, at most about a hundred times per run). */
@FunctionalInterface
public interface Progress {
    /** Nothing reported. */
    Progress NONE = (done, total) -> { };

    /** {@code done} of {@code total} items are finished. */
    void update(long done, long total);
}
