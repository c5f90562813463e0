package dev.lorapar.train.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;

/**
 * The batches of one epoch, from the sample lengths, the options and a seeded generator only:
 * <ol>
 *   <li>the samples in a random order;</li>
 *   <li>cut into windows of about K batches (K × rows samples; with a token budget or packing, K × budget tokens);</li>
 *   <li>within a window, sorted by length (longest first) and cut into batches — or, packing, put into rows by
 *       best-fit decreasing and the rows, shuffled, cut into batches. A window's last batch, when not full, goes back
 *       into the next window;</li>
 *   <li>the batches of the epoch shuffled, the largest moved first if asked.</li>
 * </ol>
 */
final class EpochPlanner {
    private final int[] lengths;
    private final BatchOptions options;

    EpochPlanner(int[] lengths, BatchOptions options) {
        this.lengths = lengths;
        this.options = options;
    }

    List<PlannedBatch> plan(SeededRandom random) {
        int[] order = random.permutation(lengths.length);
        List<PlannedBatch> batches = new ArrayList<>();
        IntBuffer window = new IntBuffer();
        int next = 0;
        while (next < order.length || window.size > 0) {
            long windowTokens = 0;
            for (int i = 0; i < window.size; i++) {
                windowTokens += lengths[window.values[i]];
            }
            boolean took = false;
            while (next < order.length && (!took || !windowFull(window.size, windowTokens))) {
                window.add(order[next]);
                windowTokens += lengths[order[next]];
                next++;
                took = true;
            }
            boolean lastWindow = next == order.length;
            List<PlannedBatch> cut = options.packing() ? pack(window.toArray(), random) : bucket(window.toArray());
            window.size = 0;
            PlannedBatch tail = cut.getLast();
            if (!lastWindow && !tail.complete()) {
                cut.removeLast();
                for (int[] row : tail.rows()) {
                    for (int sample : row) {
                        window.add(sample);
                    }
                }
            } else if (lastWindow && options.dropLast() && !tail.complete()) {
                cut.removeLast();
            }
            batches.addAll(cut);
        }
        random.shuffle(batches);
        if (options.longestFirst() && !batches.isEmpty()) {
            int largest = 0;
            for (int b = 1; b < batches.size(); b++) {
                if (batches.get(b).slots() > batches.get(largest).slots()) {
                    largest = b;
                }
            }
            batches.addFirst(batches.remove(largest));
        }
        return batches;
    }

    private boolean windowFull(int samples, long tokens) {
        int k = options.bucketWindow();
        if (options.packing()) {
            return tokens >= (long) k * options.packedRows() * options.maxLength();
        }
        return options.batchRows() > 0 ? samples >= (long) k * options.batchRows()
                : tokens >= (long) k * options.tokenBudget();
    }

    /** Sorted longest first (ties in window order), cut into batches of rows or within the token budget. */
    private List<PlannedBatch> bucket(int[] window) {
        int[] sorted = sortedByLengthDescending(window);
        List<PlannedBatch> batches = new ArrayList<>();
        int from = 0;
        while (from < sorted.length) {
            int seq = options.seqFor(lengths[sorted[from]]);
            int count;
            boolean complete;
            if (options.batchRows() > 0) {
                count = Math.min(options.batchRows(), sorted.length - from);
                complete = count == options.batchRows();
            } else {
                int fit = Math.max(1, options.tokenBudget() / seq);
                count = Math.min(fit, sorted.length - from);
                complete = count == fit;
            }
            int[][] rows = new int[count][];
            for (int r = 0; r < count; r++) {
                rows[r] = new int[] {sorted[from + r]};
            }
            batches.add(new PlannedBatch(rows, seq, complete));
            from += count;
        }
        return batches;
    }

    /** Best-fit decreasing into rows of maxLength positions; the rows shuffled and cut into batches. */
    private List<PlannedBatch> pack(int[] window, SeededRandom random) {
        int[] sorted = sortedByLengthDescending(window);
        List<IntBuffer> rows = new ArrayList<>();
        List<Integer> fill = new ArrayList<>();
        TreeMap<Integer, ArrayList<Integer>> byRoom = new TreeMap<>();  // room left → rows with that room
        for (int sample : sorted) {
            int length = lengths[sample];
            Integer room = byRoom.ceilingKey(length);
            int row;
            if (room == null) {
                row = rows.size();
                rows.add(new IntBuffer());
                fill.add(0);
            } else {
                ArrayList<Integer> withRoom = byRoom.get(room);
                row = withRoom.removeLast();
                if (withRoom.isEmpty()) {
                    byRoom.remove(room);
                }
            }
            rows.get(row).add(sample);
            fill.set(row, fill.get(row) + length);
            int left = options.maxLength() - fill.get(row);
            if (left > 0) {
                byRoom.computeIfAbsent(left, k -> new ArrayList<>()).add(row);
            }
        }
        int[] rowOrder = random.permutation(rows.size());
        int perBatch = options.packedRows();
        List<PlannedBatch> batches = new ArrayList<>();
        for (int from = 0; from < rowOrder.length; from += perBatch) {
            int count = Math.min(perBatch, rowOrder.length - from);
            int[][] batchRows = new int[count][];
            int longest = 0;
            for (int r = 0; r < count; r++) {
                batchRows[r] = rows.get(rowOrder[from + r]).toArray();
                longest = Math.max(longest, fill.get(rowOrder[from + r]));
            }
            batches.add(new PlannedBatch(batchRows, options.seqFor(longest), count == perBatch));
        }
        return batches;
    }

    private int[] sortedByLengthDescending(int[] window) {
        long[] keys = new long[window.length];
        for (int i = 0; i < window.length; i++) {
            keys[i] = ((long) (Integer.MAX_VALUE - lengths[window[i]]) << 32) | i;
        }
        Arrays.sort(keys);
        int[] sorted = new int[window.length];
        for (int i = 0; i < window.length; i++) {
            sorted[i] = window[(int) keys[i]];
        }
        return sorted;
    }

    /** A growable int array. */
    private static final class IntBuffer {
        int[] values = new int[16];
        int size;

        void add(int value) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = value;
        }

        int[] toArray() {
            return Arrays.copyOf(values, size);
        }
    }
}
