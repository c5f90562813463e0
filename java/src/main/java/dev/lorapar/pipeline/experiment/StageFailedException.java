package dev.lorapar.pipeline.experiment;

/** A stage of {@code lorapar run} failed; {@link #status()} is the exit status its command returned. */
public final class StageFailedException extends RuntimeException {
    private final int status;

    public StageFailedException(String message, int status) {
        super(message);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
