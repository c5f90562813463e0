package dev.lorapar.train;

/** A loss or gradient norm that is NaN or infinite: the run stops here, naming the step and the micro-batch. */
public final class NonFiniteLossException extends RuntimeException {
    private final long step;
    private final int microBatch;

    public NonFiniteLossException(long step, int microBatch, double value) {
        super(microBatch >= 0
                ? "loss is " + value + " at optimizer step " + step + ", micro-batch " + microBatch
                        + " (no weight was updated in this step)"
                : "gradient norm is " + value + " at optimizer step " + step + " (no weight was updated)");
        this.step = step;
        this.microBatch = microBatch;
    }

    public long step() {
        return step;
    }

    /** The micro-batch within the step, or −1 when the gradient norm was the problem. */
    public int microBatch() {
        return microBatch;
    }
}
