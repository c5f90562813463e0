package dev.lorapar.train.data;

/**
 * A batch before its arrays are filled: per row, the indices of its samples (one per row unless packing), and the
 * sequence length every row is padded to.
 *
 * @param rows     sample indices [rows][samples in the row]
 * @param seq      positions per row
 * @param complete false for a batch that could have taken more samples (a window's or the epoch's last)
 */
record PlannedBatch(int[][] rows, int seq, boolean complete) {
    long slots() {
        return (long) rows.length * seq;
    }
}
