package dev.lorapar.train;

import dev.lorapar.dist.DeviceRanks;
import dev.lorapar.dist.LocalCollective;
import java.io.IOException;
import java.time.Duration;

/**
 * {@code data_parallel} N > 1: N ranks of one SFT run as threads of this process ({@link DeviceRanks}) — on the CPU
 * over a {@link LocalCollective}, on GPUs cuda:d … cuda:d+N−1 (d = the configured device) over NCCL. Rank 0 reports
 * to the listener; the outcome is rank 0's. When a rank fails, the others fail with a CollectiveException and the
 * original failure is rethrown.
 */
public final class DataParallelRun {
    private DataParallelRun() {
    }

    /** The {@code dist_timeout_s} setting. */
    public static Duration timeout(TrainConfig c) {
        return Duration.ofMillis(Math.max(1, Math.round(c.real("dist_timeout_s") * 1000)));
    }

    static SftRun.Outcome threads(TrainConfig c, SftRun.RunListener listener, int n) throws IOException {
        return DeviceRanks.rankZero(RunSetup.device(c), n, timeout(c), "lorapar-sft", (collective, device) ->
                SftRun.runRank(c, collective.rank() == 0 ? listener : new SftRun.RunListener() { }, collective, device));
    }
}
