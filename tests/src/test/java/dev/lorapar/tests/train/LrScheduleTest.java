package dev.lorapar.tests.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.lorapar.train.LrSchedule;
import dev.lorapar.train.LrSchedule.Kind;
import org.junit.jupiter.api.Test;

/** Warm-up, then constant / linear / cosine decay to the floor, at hand-computed points. */
class LrScheduleTest {
    @Test
    void valuesAtKnownSteps() {
        LrSchedule cos = new LrSchedule(Kind.COSINE, 1e-3, 10, 110, 0.1);
        assertEquals(1e-4, cos.lr(1), 1e-15);
        assertEquals(1e-3, cos.lr(10), 1e-15);
        assertEquals(1e-4 + 0.9e-3 * 0.5 * (1 + Math.cos(Math.PI * 0.5)), cos.lr(60), 1e-15);
        assertEquals(1e-4, cos.lr(110), 1e-15);
        assertEquals(1e-4, cos.lr(500), 1e-15, "past the end keeps the floor");
        LrSchedule lin = new LrSchedule(Kind.LINEAR, 2e-4, 0, 100, 0);
        assertEquals(2e-4 * 0.75, lin.lr(25), 1e-15);
        assertEquals(0, lin.lr(100), 1e-15);
        LrSchedule flat = LrSchedule.withWarmupRatio(Kind.CONSTANT, 5e-5, 0.03, 1000, 0);
        assertEquals(30, flat.warmupSteps());
        assertEquals(5e-5, flat.lr(31), 0);
        assertEquals(5e-5 / 30, flat.lr(1), 1e-18);
    }

    @Test
    void badSettingsAreNamed() {
        assertThrows(IllegalArgumentException.class, () -> new LrSchedule(Kind.COSINE, -1, 0, 10, 0));
        assertThrows(IllegalArgumentException.class, () -> new LrSchedule(Kind.COSINE, 1, 11, 10, 0));
        assertThrows(IllegalArgumentException.class, () -> new LrSchedule(Kind.COSINE, 1, 0, 10, 2));
        assertThrows(IllegalArgumentException.class, () -> new LrSchedule(Kind.COSINE, 1, 0, 10, 0).lr(0));
        assertThrows(IllegalArgumentException.class, () -> Kind.parse("triangle"));
        assertEquals(Kind.LINEAR, Kind.parse(" Linear "));
    }
}
