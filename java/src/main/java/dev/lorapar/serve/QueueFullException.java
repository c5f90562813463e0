package dev.lorapar.serve;

/** The engine's waiting queue is full: retry later (HTTP 503 with Retry-After). */
public final class QueueFullException extends RuntimeException {
    public QueueFullException(int capacity) {
        super("the request queue is full (" + capacity + " waiting); retry later");
    }
}
