package dev.lorapar.bench.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The arithmetic behind the reported numbers: medians, sector counting, targets, rotation. */
class AccountingTest {
    @Test
    void medianOfOddAndEvenSampleCounts() {
        Stats odd = Stats.of(new double[] {5, 1, 3}, 4);
        assertEquals(3.0, odd.medianMillis());
        assertEquals(1.0, odd.minMillis());
        assertEquals(4, odd.callsPerSample());
        assertEquals(2.5, Stats.of(new double[] {4, 1, 2, 3}, 1).medianMillis());
    }

    @Test
    void activeSectorsCountWholeSectorsAndThePartialTail() {
        byte[] mask = new byte[20]; // f32: sectors [0,8) [8,16) [16,20); bf16: [0,16) [16,20)
        assertEquals(0, OptimizerSection.activeSectorBytes(mask, 4));
        mask[9] = 1;
        assertEquals(32, OptimizerSection.activeSectorBytes(mask, 4));
        assertEquals(32, OptimizerSection.activeSectorBytes(mask, 2));
        mask[19] = 1;
        assertEquals(32 + 16, OptimizerSection.activeSectorBytes(mask, 4));
        assertEquals(32 + 8, OptimizerSection.activeSectorBytes(mask, 2));
        // mask bytes + 7 f32 arrays + 1 bf16 array
        assertEquals(20 + 7 * 48 + 40, OptimizerSection.maskedTouchedBytes(new byte[][] {mask}));
    }

    @Test
    void checksSayPassMissOrNotApplicable() {
        assertEquals("PASS", Check.ratioAtMost(1.05, 1.08).result());
        assertEquals("MISS", Check.ratioAtMost(1.09, 1.08).result());
        assertEquals("PASS", Check.percentAtLeast(80, 75, "copy").result());
        assertEquals("MISS", Check.percentAtLeast(70, 75, "copy").result());
        assertEquals("PASS", Check.millisBelow(49.9, 50).result());
        assertEquals("MISS", Check.millisBelow(50, 50).result());
        assertEquals("PASS", Check.deltaWithin(-1.9, 2).result());
        assertEquals("MISS", Check.deltaWithin(2.1, 2).result());
        assertEquals("n/a", Check.ratioAtMost(Double.NaN, 1.08).result());
    }

    @Test
    void rotationExceedsTwiceTheCacheWithAtLeastTwoSets() {
        BenchConfig full = BenchConfig.full();
        assertEquals(2, full.rotationSets(1L << 30));
        assertEquals(4, full.rotationSets(30L << 20));
        assertEquals(64, full.rotationSets(1));
    }
}
