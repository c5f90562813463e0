package dev.lorapar.bench.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * DataParallelBench's smoke configuration on the CPU: 1 and 2 ranks over a LocalCollective; the gradient sum overlapped
 * and after the backward, with and without stage masks, give the same loss (the same sums in rank order).
 */
class DataParallelBenchSmokeTest {
    @Test
    void smokeRunsOneAndTwoRanks() throws Exception {
        var one = DataParallelBench.measure(smokeConfig(), 1, 2, 16, 2, false, true, true, 0);
        var two = DataParallelBench.measure(smokeConfig(), 2, 2, 16, 2, false, true, true, 0);
        assertEquals(2, two.ranks());
        assertEquals("overlap", two.sum());
        assertTrue(one.tokensPerSecond() > 0 && two.tokensPerSecond() > 0);
        assertTrue(Double.isFinite(two.loss()) && two.loss() > 0, "loss " + two.loss());
        var after = DataParallelBench.measure(smokeConfig(), 2, 2, 16, 2, false, true, false, 0);
        assertEquals(two.loss(), after.loss());
        var maskedOn = DataParallelBench.measure(smokeConfig(), 2, 2, 16, 2, false, true, true, 0.4);
        var maskedOff = DataParallelBench.measure(smokeConfig(), 2, 2, 16, 2, false, true, false, 0.4);
        assertEquals(maskedOff.loss(), maskedOn.loss());
    }

    private static dev.lorapar.model.LlamaConfig smokeConfig() {
        return new dev.lorapar.model.LlamaConfig(64, 172, 2, 4, 4, 512, 256, 1e-5, 10000, false,
                dev.lorapar.model.RopeStyle.ROTATE_HALF);
    }
}
