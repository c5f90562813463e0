package dev.lorapar.train.data;

/**
 * Where a run is in its data: the next batch to train on is batch {@code batch} of epoch {@code epoch}. With the
 * same samples, {@link BatchOptions} and seed, a {@link BatchPlan} continues from a position with exactly the batches
 * an uninterrupted run would have had; a checkpoint stores {@link Batch#next()}.
 */
public record DataPosition(int epoch, int batch) {
    /** The first batch of the first epoch. */
    public static final DataPosition START = new DataPosition(0, 0);

    public DataPosition {
        if (epoch < 0 || batch < 0) {
            throw new IllegalArgumentException("DataPosition(" + epoch + ", " + batch + "): negative");
        }
    }

    @Override
    public String toString() {
        return "epoch " + epoch + " batch " + batch;
    }
}
