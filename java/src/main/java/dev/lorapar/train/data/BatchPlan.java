package dev.lorapar.train.data;

import dev.lorapar.model.TokenBatch;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;

/**
 * The batches of every epoch over a fixed list of samples: shuffled by seed, length-bucketed, optionally packed (see
 * {@link EpochPlanner} for the procedure and {@link BatchOptions}). An epoch's layout is a function of (seed, epoch,
 * sample lengths, options) alone, so {@link #batches(DataPosition, int)} continues from any {@link DataPosition} with
 * the same batches as an uninterrupted run, without replaying the earlier ones. Every epoch holds every sample
 * exactly once (except the final batch under {@link BatchOptions#dropLast()}).
 *
 * <p>Not thread-safe (it caches the current epoch's layout).
 */
public final class BatchPlan {
    private final List<Sample> samples;
    private final BatchOptions options;
    private final long seed;
    private final EpochPlanner planner;
    private final long fingerprint;
    private int cachedEpoch = -1;
    private List<PlannedBatch> cached;

    private BatchPlan(List<Sample> samples, BatchOptions options, long seed) {
        this.samples = List.copyOf(samples);
        this.options = Objects.requireNonNull(options, "options");
        this.seed = seed;
        if (this.samples.isEmpty()) {
            throw new IllegalArgumentException("BatchPlan: no samples");
        }
        int[] lengths = new int[this.samples.size()];
        long hash = optionsHash(options, seed);
        for (int i = 0; i < lengths.length; i++) {
            Sample sample = this.samples.get(i);
            lengths[i] = sample.length();
            if (lengths[i] > options.maxLength()) {
                throw new IllegalArgumentException("BatchPlan: sample " + i + " (" + sample.source() + ") has "
                        + lengths[i] + " positions, more than maxLength " + options.maxLength()
                        + " (encode with the same maxLength)");
            }
            hash = SeededRandom.mix(hash ^ Arrays.hashCode(sample.tokens()) * 31L ^ Arrays.hashCode(sample.targets()));
        }
        this.fingerprint = hash;
        this.planner = new EpochPlanner(lengths, options);
        if (batchCount(0) == 0) {
            throw new IllegalArgumentException("BatchPlan: " + lengths.length + " samples do not fill one batch and "
                    + "dropLast is set, so every epoch would be empty");
        }
    }

    /** A hash of the options and the seed that is the same on every JVM (a record's hashCode is not specified). */
    private static long optionsHash(BatchOptions o, long seed) {
        long[] fields = {o.batchRows(), o.tokenBudget(), o.maxLength(), o.bucketWindow(), o.packing() ? 1 : 0,
                o.padId(), o.padToMultiple(), o.dropLast() ? 1 : 0, o.longestFirst() ? 1 : 0, seed};
        long hash = 0x6c6f726170617221L;
        for (long field : fields) {
            hash = SeededRandom.mix(hash ^ field);
        }
        return hash;
    }

    /** A plan over {@code samples} (indices in batches refer to this list's order). */
    public static BatchPlan create(List<Sample> samples, BatchOptions options, long seed) {
        return new BatchPlan(samples, options, seed);
    }

    public List<Sample> samples() {
        return samples;
    }

    public BatchOptions options() {
        return options;
    }

    public long seed() {
        return seed;
    }

    /**
     * A hash of the samples' tokens and targets, the options and the seed: store it with a {@link DataPosition} and
     * compare on resume, to detect a changed dataset, tokenizer or option (the position would mean other batches).
     */
    public long fingerprint() {
        return fingerprint;
    }

    /** The number of batches in {@code epoch} (it may differ between epochs with a token budget or packing). */
    public int batchCount(int epoch) {
        return layout(epoch).size();
    }

    /** Batches over the first {@code epochs} epochs, e.g. for a learning-rate schedule. */
    public long totalBatches(int epochs) {
        long total = 0;
        for (int e = 0; e < epochs; e++) {
            total += batchCount(e);
        }
        return total;
    }

    /** The position after {@code position}: the next batch, or the first of the next epoch. */
    public DataPosition advance(DataPosition position) {
        check(position);
        return position.batch() + 1 < batchCount(position.epoch())
                ? new DataPosition(position.epoch(), position.batch() + 1)
                : new DataPosition(position.epoch() + 1, 0);
    }

    /** The batch at {@code position}. */
    public Batch batch(DataPosition position) {
        check(position);
        return materialize(position, layout(position.epoch()).get(position.batch()));
    }

    /** The batches from {@code from} (inclusive) up to the start of epoch {@code endEpoch} (exclusive). */
    public Iterator<Batch> batches(DataPosition from, int endEpoch) {
        check(from);
        return new Iterator<>() {
            private DataPosition next = from;

            @Override
            public boolean hasNext() {
                return next.epoch() < endEpoch;
            }

            @Override
            public Batch next() {
                if (!hasNext()) {
                    throw new NoSuchElementException("epoch " + endEpoch + " reached");
                }
                Batch batch = batch(next);
                next = batch.next();
                return batch;
            }
        };
    }

    /** Where the samples of {@code batch} come from, row by row (for messages naming a bad batch). */
    public List<SourceLine> sources(Batch batch) {
        List<SourceLine> sources = new java.util.ArrayList<>();
        for (int[] row : batch.samples()) {
            for (int sample : row) {
                sources.add(samples.get(sample).source());
            }
        }
        return sources;
    }

    /** How {@code epoch} fills its batches (without building them). */
    public EpochStats epochStats(int epoch) {
        long rows = 0, slots = 0, real = 0;
        List<PlannedBatch> batches = layout(epoch);
        for (PlannedBatch batch : batches) {
            rows += batch.rows().length;
            slots += batch.slots();
            for (int[] row : batch.rows()) {
                for (int sample : row) {
                    real += samples.get(sample).length();
                }
            }
        }
        return new EpochStats(batches.size(), rows, slots, real);
    }

    private void check(DataPosition position) {
        Objects.requireNonNull(position, "position");
        int count = batchCount(position.epoch());
        if (position.batch() >= count) {
            throw new IllegalArgumentException("BatchPlan: " + position + " is past the epoch's " + count
                    + " batches (was the checkpoint made with other data or options? fingerprint " + fingerprint + ")");
        }
    }

    private List<PlannedBatch> layout(int epoch) {
        if (epoch < 0) {
            throw new IllegalArgumentException("epoch " + epoch + " < 0");
        }
        if (epoch != cachedEpoch) {
            cached = planner.plan(SeededRandom.derive(seed, SeededRandom.EPOCH_ORDER, epoch));
            cachedEpoch = epoch;
        }
        return cached;
    }

    private Batch materialize(DataPosition position, PlannedBatch planned) {
        int rows = planned.rows().length, seq = planned.seq();
        int[][] tokens = new int[rows][seq], targets = new int[rows][seq];
        int[][] segments = options.packing() ? new int[rows][seq] : null;
        long real = 0, withLoss = 0;
        for (int r = 0; r < rows; r++) {
            int at = 0;
            int[] row = planned.rows()[r];
            for (int s = 0; s < row.length; s++) {
                Sample sample = samples.get(row[s]);
                int length = sample.length();
                System.arraycopy(sample.tokens(), 0, tokens[r], at, length);
                System.arraycopy(sample.targets(), 0, targets[r], at, length);
                if (segments != null) {
                    Arrays.fill(segments[r], at, at + length, s);
                }
                at += length;
                withLoss += sample.targetCount();
            }
            real += at;
            Arrays.fill(tokens[r], at, seq, options.padId());
            Arrays.fill(targets[r], at, seq, -1);
            if (segments != null) {
                Arrays.fill(segments[r], at, seq, row.length);  // padding: its own segment
            }
        }
        int[][] sampleRows = new int[rows][];
        for (int r = 0; r < rows; r++) {
            sampleRows[r] = planned.rows()[r].clone();
        }
        return new Batch(position, advance(position), new TokenBatch(tokens, targets, null, segments), sampleRows,
                real, withLoss);
    }
}
