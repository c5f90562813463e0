package dev.lorapar.train.data;

/**
 * How {@link BatchPlan} groups samples into batches. Give either a fixed number of rows per batch or a token budget
 * (rows × sequence length ≤ budget, so short samples come in more rows).
 *
 * @param batchRows     rows per batch (0 when a token budget is given)
 * @param tokenBudget   the most rows × seq per batch (0 when rows are given); at least {@code maxLength}
 * @param maxLength     the longest row, in positions; every sample must fit (see {@link SampleEncoder.Options})
 * @param bucketWindow  K: samples are sorted by length within windows of K batches before being cut into batches,
 *                      so a batch holds samples of similar length (less padding); 1 = plain random batches
 * @param packing       several samples per row up to {@code maxLength}, kept apart by segment ids
 * @param padId         the token id put on padding positions (targets there are −1)
 * @param padToMultiple the batch's sequence length is rounded up to a multiple of this (capped at maxLength)
 * @param dropLast      drop each epoch's final batch when it is not full
 * @param longestFirst  put the epoch's largest batch (rows × seq) first, so that out-of-memory shows at once
 */
public record BatchOptions(int batchRows, int tokenBudget, int maxLength, int bucketWindow, boolean packing,
                           int padId, int padToMultiple, boolean dropLast, boolean longestFirst) {
    public BatchOptions {
        if ((batchRows > 0) == (tokenBudget > 0) || batchRows < 0 || tokenBudget < 0) {
            throw new IllegalArgumentException("give either batchRows or tokenBudget (> 0), not both (got "
                    + batchRows + ", " + tokenBudget + ")");
        }
        if (maxLength < 1) {
            throw new IllegalArgumentException("maxLength " + maxLength + " < 1");
        }
        if (tokenBudget > 0 && tokenBudget < maxLength) {
            throw new IllegalArgumentException("tokenBudget " + tokenBudget + " < maxLength " + maxLength
                    + ": the longest sample would not fit in a batch");
        }
        if (bucketWindow < 1) {
            throw new IllegalArgumentException("bucketWindow " + bucketWindow + " < 1");
        }
        if (padId < 0) {
            throw new IllegalArgumentException("padId " + padId + " < 0");
        }
        if (padToMultiple < 1) {
            throw new IllegalArgumentException("padToMultiple " + padToMultiple + " < 1");
        }
    }

    /** {@code batchRows} rows per batch, bucketing over windows of 32 batches, pad id 0, largest batch first. */
    public static BatchOptions rows(int batchRows, int maxLength) {
        return new BatchOptions(batchRows, 0, maxLength, 32, false, 0, 1, false, true);
    }

    /** At most {@code tokenBudget} rows × seq per batch; otherwise as {@link #rows}. */
    public static BatchOptions tokens(int tokenBudget, int maxLength) {
        return new BatchOptions(0, tokenBudget, maxLength, 32, false, 0, 1, false, true);
    }

    public BatchOptions withBucketWindow(int bucketWindow) {
        return new BatchOptions(batchRows, tokenBudget, maxLength, bucketWindow, packing, padId, padToMultiple,
                dropLast, longestFirst);
    }

    public BatchOptions withPacking(boolean packing) {
        return new BatchOptions(batchRows, tokenBudget, maxLength, bucketWindow, packing, padId, padToMultiple,
                dropLast, longestFirst);
    }

    public BatchOptions withPadId(int padId) {
        return new BatchOptions(batchRows, tokenBudget, maxLength, bucketWindow, packing, padId, padToMultiple,
                dropLast, longestFirst);
    }

    /** Rounds every batch's sequence length up to a multiple (e.g. 64 for GPU tiles; maxLength = fixed shapes). */
    public BatchOptions withPadToMultiple(int padToMultiple) {
        return new BatchOptions(batchRows, tokenBudget, maxLength, bucketWindow, packing, padId, padToMultiple,
                dropLast, longestFirst);
    }

    public BatchOptions withDropLast(boolean dropLast) {
        return new BatchOptions(batchRows, tokenBudget, maxLength, bucketWindow, packing, padId, padToMultiple,
                dropLast, longestFirst);
    }

    public BatchOptions withLongestFirst(boolean longestFirst) {
        return new BatchOptions(batchRows, tokenBudget, maxLength, bucketWindow, packing, padId, padToMultiple,
                dropLast, longestFirst);
    }

    /** The sequence length of a batch whose longest row holds {@code length} positions. */
    int seqFor(int length) {
        int rounded = (int) Math.min((long) maxLength, ((long) length + padToMultiple - 1) / padToMultiple * padToMultiple);
        return Math.max(rounded, length);
    }

    /** Rows per batch when packing (each row up to maxLength). */
    int packedRows() {
        return batchRows > 0 ? batchRows : Math.max(1, tokenBudget / maxLength);
    }
}
