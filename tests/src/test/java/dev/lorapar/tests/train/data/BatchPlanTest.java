package dev.lorapar.tests.train.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorapar.model.TokenBatch;
import dev.lorapar.tests.support.Rng;
import dev.lorapar.train.data.Batch;
import dev.lorapar.train.data.BatchOptions;
import dev.lorapar.train.data.BatchPlan;
import dev.lorapar.train.data.DataPosition;
import dev.lorapar.train.data.EpochStats;
import dev.lorapar.train.data.Sample;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * Batching on random samples (fresh each run): every sample exactly once per epoch, arrays equal to the samples
 * with padding ignored, seeded order, bucketing reduces padding, packing keeps samples apart, resumption.
 */
class BatchPlanTest {
    private static final int MAX = 96;

    /** Every layout mode the plan has. */
    private static List<BatchOptions> modes() {
        return List.of(BatchOptions.rows(8, MAX), BatchOptions.rows(8, MAX).withBucketWindow(1),
                BatchOptions.tokens(4 * MAX, MAX).withPadToMultiple(16), BatchOptions.rows(4, MAX).withPacking(true),
                BatchOptions.tokens(3 * MAX, MAX).withPacking(true).withPadId(7));
    }

    private static List<Batch> epoch(BatchPlan plan, int epoch) {
        List<Batch> batches = new ArrayList<>();
        plan.batches(new DataPosition(epoch, 0), epoch + 1).forEachRemaining(batches::add);
        return batches;
    }

    @Test
    void everySampleOncePerEpochAndTheArraysHoldIt(TestInfo info) {
        Rng rng = Rng.forTest(info);
        List<Sample> samples = DataFixtures.randomSamples(rng, rng.between(150, 400), MAX);
        for (BatchOptions options : modes()) {
            String tag = options + " " + rng.tag();
            BatchPlan plan = BatchPlan.create(samples, options, rng.nextLong());
            for (int e = 0; e < 2; e++) {
                int[] seen = new int[samples.size()];
                List<Batch> batches = epoch(plan, e);
                assertEquals(plan.batchCount(e), batches.size(), tag);
                for (Batch batch : batches) {
                    checkBatch(plan, batch, samples, options, seen, tag);
                }
                for (int i = 0; i < seen.length; i++) {
                    assertEquals(1, seen[i], "sample " + i + " in epoch " + e + " " + tag);
                }
            }
        }
    }

    /** The batch's arrays are its samples laid out per row, then padding (pad id, target −1, its own segment). */
    private static void checkBatch(BatchPlan plan, Batch batch, List<Sample> samples, BatchOptions options, int[] seen,
                                   String tag) {
        TokenBatch arrays = batch.tokens();
        int seq = arrays.seq();
        assertTrue(seq <= options.maxLength(), tag);
        if (options.tokenBudget() > 0) {
            assertTrue((long) arrays.batch() * seq <= options.tokenBudget(), "budget " + tag);
        } else if (!options.packing()) {
            assertTrue(arrays.batch() <= options.batchRows(), tag);
        }
        assertTrue(seq % options.padToMultiple() == 0 || seq == options.maxLength(), tag);
        assertEquals(options.packing(), arrays.segments() != null, tag);
        long real = 0;
        int longestRow = 0;
        for (int r = 0; r < arrays.batch(); r++) {
            int at = 0;
            int[] row = batch.samples()[r];
            assertTrue(options.packing() || row.length == 1, tag);
            for (int s = 0; s < row.length; s++) {
                Sample sample = samples.get(row[s]);
                seen[row[s]]++;
                int end = at + sample.length();
                assertArrayEquals(sample.tokens(), Arrays.copyOfRange(arrays.tokens()[r], at, end), tag);
                assertArrayEquals(sample.targets(), Arrays.copyOfRange(arrays.targets()[r], at, end), tag);
                if (options.packing()) {
                    for (int i = at; i < end; i++) {
                        assertEquals(s, arrays.segments()[r][i], "segment of sample " + s + " " + tag);
                    }
                }
                at = end;
            }
            real += at;
            longestRow = Math.max(longestRow, at);
            for (int i = at; i < seq; i++) {
                assertEquals(options.padId(), arrays.tokens()[r][i], tag);
                assertEquals(-1, arrays.targets()[r][i], tag);
                if (options.packing()) {
                    assertEquals(row.length, arrays.segments()[r][i], "padding has its own segment " + tag);
                }
            }
        }
        assertEquals(real, batch.realTokens(), tag);
        assertEquals(Arrays.stream(batch.samples()).flatMapToInt(Arrays::stream).mapToObj(i -> samples.get(i).source())
                .toList(), plan.sources(batch), tag);
        assertTrue(seq - longestRow < options.padToMultiple(), "no all-padding columns " + tag);
    }

    @Test
    void orderIsFixedBySeedAndDiffersAcrossSeedsAndEpochs(TestInfo info) {
        Rng rng = Rng.forTest(info);
        List<Sample> samples = DataFixtures.randomSamples(rng, 200, MAX);
        for (BatchOptions options : modes()) {
            long seed = rng.nextLong();
            Function<BatchPlan, List<String>> order0 = plan -> epoch(plan, 0).stream()
                    .map(b -> Arrays.deepToString(b.samples())).toList();
            BatchPlan plan = BatchPlan.create(samples, options, seed);
            List<String> first = order0.apply(plan);
            assertEquals(first, order0.apply(BatchPlan.create(samples, options, seed)), "same seed " + rng.tag());
            assertNotEquals(first, order0.apply(BatchPlan.create(samples, options, seed + 1)), "other seed " + rng.tag());
            List<String> second = epoch(plan, 1).stream().map(b -> Arrays.deepToString(b.samples())).toList();
            assertNotEquals(first, second, "epochs differ " + rng.tag());
            assertEquals(first, order0.apply(plan), "epoch 0 again after epoch 1 " + rng.tag());
        }
    }

    @Test
    void bucketingReducesPadding(TestInfo info) {
        Rng rng = Rng.forTest(info);
        List<Sample> samples = DataFixtures.randomSamples(rng, 2000, MAX);
        long seed = rng.nextLong();
        EpochStats random = BatchPlan.create(samples, BatchOptions.rows(8, MAX).withBucketWindow(1), seed)
                .epochStats(0);
        EpochStats bucketed = BatchPlan.create(samples, BatchOptions.rows(8, MAX), seed).epochStats(0);
        EpochStats budget = BatchPlan.create(samples, BatchOptions.tokens(8 * MAX, MAX), seed).epochStats(0);
        EpochStats packed = BatchPlan.create(samples, BatchOptions.rows(8, MAX).withPacking(true), seed).epochStats(0);
        System.out.printf(Locale.ROOT, "[data] padding over 2000 samples of 1..%d: random batches %.1f%%, bucketed "
                        + "(K=32) %.1f%%, token budget %.1f%% (%d batches), packed %.1f%% (%d rows vs %d) %s%n", MAX,
                100 * random.paddingFraction(), 100 * bucketed.paddingFraction(), 100 * budget.paddingFraction(),
                budget.batches(), 100 * packed.paddingFraction(), packed.rows(), bucketed.rows(), rng.tag());
        assertEquals(random.realTokens(), bucketed.realTokens());
        assertTrue(bucketed.paddingFraction() < 0.5 * random.paddingFraction(), rng.tag());
        assertTrue(budget.paddingFraction() < 0.5 * random.paddingFraction(), rng.tag());
        assertTrue(packed.paddingFraction() < 0.05, "packed rows are nearly full " + rng.tag());
        assertTrue(budget.batches() < random.batches(), "short samples share a batch " + rng.tag());
    }

    @Test
    void packingFillsRowsAndKeepsSamplesApart(TestInfo info) {
        Rng rng = Rng.forTest(info);
        List<Sample> samples = DataFixtures.randomSamples(rng, 500, MAX);
        BatchPlan plan = BatchPlan.create(samples, BatchOptions.rows(4, MAX).withPacking(true), rng.nextLong());
        long tokens = samples.stream().mapToLong(Sample::length).sum();
        long rows = 0;
        int multi = 0;
        for (Batch batch : epoch(plan, 0)) {
            int[][] segments = batch.tokens().segments();
            for (int r = 0; r < segments.length; r++) {
                rows++;
                multi += batch.samples()[r].length > 1 ? 1 : 0;
                // every segment id is one contiguous run, ids rising 0, 1, 2, ...: no two samples share one
                int expected = 0;
                for (int i = 0; i < segments[r].length; i++) {
                    if (i > 0 && segments[r][i] != segments[r][i - 1]) {
                        expected++;
                    }
                    assertEquals(expected, segments[r][i], rng.tag());
                }
                // no target crosses into the next sample: the last position of each sample has its own target
                int at = 0;
                for (int s : batch.samples()[r]) {
                    at += samples.get(s).length();
                    assertEquals(samples.get(s).targets()[samples.get(s).length() - 1],
                            batch.tokens().targets()[r][at - 1], rng.tag());
                }
            }
        }
        long lowerBound = (tokens + MAX - 1) / MAX;
        assertTrue(rows <= lowerBound * 105 / 100 + 2, rows + " rows for " + tokens + " tokens " + rng.tag());
        assertTrue(multi > rows / 2, "most rows hold several samples " + rng.tag());
    }

    @Test
    void resumingFromAPositionGivesTheSameRemainingBatches(TestInfo info) {
        Rng rng = Rng.forTest(info);
        List<Sample> samples = DataFixtures.randomSamples(rng, 300, MAX);
        for (BatchOptions options : modes()) {
            long seed = rng.nextLong();
            BatchPlan plan = BatchPlan.create(samples, options, seed);
            List<Batch> uninterrupted = new ArrayList<>();
            plan.batches(DataPosition.START, 3).forEachRemaining(uninterrupted::add);
            assertEquals(plan.totalBatches(3), uninterrupted.size());
            int cut = rng.nextInt(uninterrupted.size());
            DataPosition saved = uninterrupted.get(cut).next();   // what a checkpoint after batch `cut` stores
            BatchPlan restarted = BatchPlan.create(samples, options, seed);  // a new process
            assertEquals(plan.fingerprint(), restarted.fingerprint());
            Iterator<Batch> resumed = restarted.batches(saved, 3);
            for (int i = cut + 1; i < uninterrupted.size(); i++) {
                Batch expected = uninterrupted.get(i), actual = resumed.next();
                assertEquals(expected.position(), actual.position(), rng.tag());
                assertTrue(Arrays.deepEquals(expected.samples(), actual.samples()), rng.tag());
                assertTrue(Arrays.deepEquals(expected.tokens().tokens(), actual.tokens().tokens()), rng.tag());
                assertTrue(Arrays.deepEquals(expected.tokens().targets(), actual.tokens().targets()), rng.tag());
            }
            assertFalse(resumed.hasNext(), rng.tag());
        }
    }

    @Test
    void positionsAdvanceAcrossEpochs(TestInfo info) {
        Rng rng = Rng.forTest(info);
        BatchPlan plan = BatchPlan.create(DataFixtures.randomSamples(rng, 50, MAX), BatchOptions.rows(8, MAX), 1);
        int count = plan.batchCount(0);
        assertEquals(7, count, "50 samples in rows of 8");
        assertEquals(new DataPosition(0, 1), plan.advance(DataPosition.START));
        assertEquals(new DataPosition(1, 0), plan.advance(new DataPosition(0, count - 1)));
        assertEquals(new DataPosition(1, 0), plan.batch(new DataPosition(0, count - 1)).next());
        IllegalArgumentException past = assertThrows(IllegalArgumentException.class,
                () -> plan.batch(new DataPosition(0, count)));
        assertTrue(past.getMessage().contains("past the epoch"), past.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new DataPosition(-1, 0));
    }

    @Test
    void largestBatchFirstAndDropLast(TestInfo info) {
        Rng rng = Rng.forTest(info);
        List<Sample> samples = DataFixtures.randomSamples(rng, 50, MAX);
        BatchPlan plan = BatchPlan.create(samples, BatchOptions.rows(8, MAX), rng.nextLong());
        List<Batch> batches = epoch(plan, 0);
        long firstSlots = (long) batches.getFirst().tokens().batch() * batches.getFirst().tokens().seq();
        assertTrue(batches.stream().allMatch(b -> (long) b.tokens().batch() * b.tokens().seq() <= firstSlots));
        BatchPlan dropping = BatchPlan.create(samples, BatchOptions.rows(8, MAX).withDropLast(true), rng.nextLong());
        List<Batch> full = epoch(dropping, 0);
        assertEquals(6, full.size());
        assertTrue(full.stream().allMatch(b -> b.tokens().batch() == 8));
        assertThrows(IllegalArgumentException.class, () -> BatchPlan.create(samples.subList(0, 5),
                BatchOptions.rows(8, MAX).withDropLast(true), 1));
    }

    @Test
    void fixedShapesAndBadInput(TestInfo info) {
        Rng rng = Rng.forTest(info);
        List<Sample> samples = DataFixtures.randomSamples(rng, 40, MAX);
        BatchPlan fixed = BatchPlan.create(samples, BatchOptions.rows(4, MAX).withPadToMultiple(MAX), 3);
        assertTrue(epoch(fixed, 0).stream().allMatch(b -> b.tokens().seq() == MAX));
        assertNull(epoch(fixed, 0).getFirst().tokens().segments());
        IllegalArgumentException tooLong = assertThrows(IllegalArgumentException.class,
                () -> BatchPlan.create(samples, BatchOptions.rows(4, MAX / 2), 3));
        assertTrue(tooLong.getMessage().contains("more than maxLength"), tooLong.getMessage());
        assertThrows(IllegalArgumentException.class, () -> BatchPlan.create(List.of(), BatchOptions.rows(4, MAX), 3));
        assertThrows(IllegalArgumentException.class, () -> new BatchOptions(4, 100, MAX, 1, false, 0, 1, false, true));
        assertThrows(IllegalArgumentException.class, () -> BatchOptions.tokens(MAX - 1, MAX));
        assertNotEquals(fixed.fingerprint(), BatchPlan.create(samples, BatchOptions.rows(4, MAX), 3).fingerprint());
        assertNotEquals(fixed.fingerprint(), BatchPlan.create(samples.subList(1, 40),
                BatchOptions.rows(4, MAX).withPadToMultiple(MAX), 3).fingerprint());
    }
}
