package dev.lorapar.pipeline.classify;

import java.util.List;

/**
 * One voter. {@link #key()} identifies what it would answer (kind, endpoint, model, prompt variant, thresholds): the
 * journal reuses a vote only for the same item and the same key. {@link #concurrency()} calls may run at once.
 */
public interface Teacher {
    /** The teacher's name in reports (unique within a run). */
    String name();

    /** What determines its answers, as text (hashed into the journal key). */
    String key();

    int concurrency();

    /**
     * One call: the raw answer to {@code item}; {@code history} holds the earlier raw answers of this item (empty on
     * the first attempt; then the retry prompt follows them).
     *
     * @throws TeacherException when the call failed for good (after the teacher's own retries)
     */
    String ask(Item item, List<String> history) throws TeacherException, InterruptedException;

    /** A failed call: the message says what happened (timeout, HTTP status, connection refused …). */
    final class TeacherException extends Exception {
        public TeacherException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
