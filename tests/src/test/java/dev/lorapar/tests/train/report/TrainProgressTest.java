package dev.lorapar.tests.train.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorapar.tests.support.Rng;
import dev.lorapar.train.report.ProgressReporter;
import dev.lorapar.train.report.ProgressReporter.Field;
import dev.lorapar.train.report.ProgressReporter.Mode;
import dev.lorapar.train.report.TrainProgress;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/** TrainProgress: the debiased loss average, NaN losses, windowed tokens/s, and the exact lines. */
class TrainProgressTest {

    private static ProgressReporter reporter(long total, Captured out, FakeClock clock) {
        return ProgressReporter.builder("train", total).out(out.stream).mode(Mode.PLAIN).showRate(false)
                .plainEvery(1, Duration.ZERO).clock(clock).build();
    }

    @Test
    void linesShowSmoothedAndLastLossLrTokens() {
        Captured out = new Captured();
        FakeClock clock = new FakeClock();
        try (TrainProgress tp = new TrainProgress(reporter(10, out, clock), 0.5, Duration.ofSeconds(10))) {
            clock.advanceSeconds(1);
            tp.step(1, 4.0, 1e-4, 1000);
            clock.advanceSeconds(1);
            tp.step(2, Double.NaN, 1e-4, 1000);
            clock.advanceSeconds(1);
            tp.step(3, 2.0, 5e-5, 4000);
            clock.advanceSeconds(1);
            tp.step(4, 2.0, 5e-5, 2000, Field.of("gnorm", "0.91"));
            assertEquals(8000, tp.tokens());
            assertEquals(2.0, tp.lastLoss());
        }
        String[] lines = out.text().split("\n");
        assertEquals(4, lines.length, out.text());
        assertEquals("train 1/10 (10.0%)  loss 4.0000 (last 4.0000)  lr 1.00e-04  1.00k tok/s  elapsed 0:00:01  eta 0:00:09", lines[0]);
        assertEquals("train 2/10 (20.0%)  loss 4.0000 (last NaN)  lr 1.00e-04  1.00k tok/s  elapsed 0:00:02  eta 0:00:08", lines[1]);
        // m = 0.5·(0.5·4) + 0.5·2 = 2, debiased by 1 − 0.5² → 2.6667
        assertEquals("train 3/10 (30.0%)  loss 2.6667 (last 2.0000)  lr 5.00e-05  2.00k tok/s  elapsed 0:00:03  eta 0:00:07", lines[2]);
        // m = 0.5·2 + 0.5·2 = 2, debiased by 1 − 0.5³ → 2.2857
        assertEquals("train 4/10 (40.0%)  loss 2.2857 (last 2.0000)  lr 5.00e-05  2.00k tok/s  gnorm 0.91  elapsed 0:00:04"
                + "  eta 0:00:06", lines[3]);
    }

    /** Random losses: the smoothed value is the debiased EMA of the finite ones, computed here in full. */
    @Test
    void smoothedLossIsTheDebiasedAverage(TestInfo info) {
        Rng rng = Rng.forTest(info);
        double w = 0.8 * rng.nextDouble();
        FakeClock clock = new FakeClock();
        TrainProgress tp = new TrainProgress(reporter(0, new Captured(), clock), w, Duration.ofSeconds(5));
        java.util.List<Double> finite = new java.util.ArrayList<>();
        for (int i = 1; i <= 200; i++) {
            double loss = rng.nextDouble() < 0.05 ? Double.POSITIVE_INFINITY : 10 * rng.nextDouble();
            if (Double.isFinite(loss)) finite.add(loss);
            clock.advanceMillis(100);
            tp.step(i, loss, 1e-3, 10);
            double num = 0, den = 0;
            for (int k = 0; k < finite.size(); k++) {
                double c = (1 - w) * Math.pow(w, finite.size() - 1 - k);
                num += c * finite.get(k);
                den += c;
            }
            if (finite.isEmpty()) { // no finite loss seen yet: nothing to average
                assertTrue(Double.isNaN(tp.smoothedLoss()), "step " + i + " " + rng.tag());
                continue;
            }
            assertEquals(num / den, tp.smoothedLoss(), 1e-9 * Math.max(1, num / den), "step " + i + " w " + w + " " + rng.tag());
        }
    }

    /** Tokens/s: from the last sample at or before the window's start to now. */
    @Test
    void tokensPerSecondOverTheWindow() {
        FakeClock clock = new FakeClock();
        TrainProgress tp = new TrainProgress(reporter(0, new Captured(), clock), 0.9, Duration.ofSeconds(10));
        assertTrue(Double.isNaN(tp.tokensPerSecond()));
        long cumulative = 0;
        for (int i = 1; i <= 20; i++) {
            clock.advanceSeconds(1);
            tp.step(i, 1, 1e-4, i * 100L);
            cumulative += i * 100L;
            if (i == 5) assertEquals(1500 / 5.0, tp.tokensPerSecond(), 1e-9); // from construction
        }
        // base: the sample at t = 10 s (5500 tokens), now t = 20 s (21000)
        assertEquals(21000, cumulative);
        assertEquals((21000 - 5500) / 10.0, tp.tokensPerSecond(), 1e-9);
    }

    @Test
    void weightZeroShowsTheLastLoss() {
        FakeClock clock = new FakeClock();
        TrainProgress tp = new TrainProgress(reporter(0, new Captured(), clock), 0, Duration.ofSeconds(1));
        tp.step(1, 3, 0, 0);
        tp.step(2, 1.5, 0, 0);
        assertEquals(1.5, tp.smoothedLoss());
        assertTrue(Double.isNaN(new TrainProgress(reporter(0, new Captured(), clock)).smoothedLoss()));
    }

    @Test
    void badArgumentsAreRefused() {
        FakeClock clock = new FakeClock();
        ProgressReporter r = reporter(0, new Captured(), clock);
        assertThrows(IllegalArgumentException.class, () -> new TrainProgress(r, 1.0, Duration.ofSeconds(1)));
        assertThrows(IllegalArgumentException.class, () -> new TrainProgress(r, Double.NaN, Duration.ofSeconds(1)));
        assertThrows(IllegalArgumentException.class, () -> new TrainProgress(r, 0.5, Duration.ZERO));
        TrainProgress tp = new TrainProgress(r);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> tp.step(3, 1, 1, -5));
        assertTrue(e.getMessage().contains("step 3") && e.getMessage().contains("-5"), e.getMessage());
    }
}
