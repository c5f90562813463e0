package dev.lorapar.bench.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** DataParallelBench's smoke configuration on the CPU: 1 and 2 ranks over a LocalCollective, the same loss. */
class DataParallelBenchSmokeTest {
    @Test
    void smokeRunsOneAndTwoRanks() throws Exception {
        var one = DataParallelBench.measure(smokeConfig(), 1, 2, 16, 2, false, true);
        var two = DataParallelBench.measure(smokeConfig(), 2, 2, 16, 2, false, true);
        assertEquals(2, two.ranks());
        assertTrue(one.tokensPerSecond() > 0 && two.tokensPerSecond() > 0);
        assertTrue(Double.isFinite(two.loss()) && two.loss() > 0, "loss " + two.loss());
    }

    private static dev.lorapar.model.LlamaConfig smokeConfig() {
        return new dev.lorapar.model.LlamaConfig(64, 172, 2, 4, 4, 512, 256, 1e-5, 10000, false,
                dev.lorapar.model.RopeStyle.ROTATE_HALF);
    }
}
