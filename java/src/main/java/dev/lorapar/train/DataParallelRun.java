package dev.lorapar.train;

import dev.lorapar.core.Device;
import dev.lorapar.core.Lorapar;
import dev.lorapar.dist.Collective;
import dev.lorapar.dist.LocalCollective;
import dev.lorapar.dist.NcclCollective;
import dev.lorapar.dist.RankThreads;
import java.io.IOException;
import java.time.Duration;
import java.util.List;

/**
 * {@code data_parallel} N > 1: N ranks of one SFT run as threads of this process — on the CPU over a
 * {@link LocalCollective}, on GPUs cuda:d … cuda:d+N−1 (d = the configured device) over NCCL, each thread joining
 * with the same unique id. Rank 0 reports to the listener; the outcome is rank 0's. When a rank fails, the others
 * fail with a CollectiveException and the original failure is rethrown ({@link RankThreads#run}).
 */
final class DataParallelRun {
    private DataParallelRun() {
    }

    static Duration timeout(TrainConfig c) {
        return Duration.ofMillis(Math.max(1, Math.round(c.real("dist_timeout_s") * 1000)));
    }

    static SftRun.Outcome threads(TrainConfig c, SftRun.RunListener listener, int n) throws IOException {
        Device base = RunSetup.device(c);
        Duration timeout = timeout(c);
        if (base.isCuda() && base.index() + n > Lorapar.cudaDeviceCount()) {
            throw new IllegalArgumentException("data_parallel " + n + " from " + base + " needs cuda:" + base.index()
                    + " … cuda:" + (base.index() + n - 1) + " but " + Lorapar.cudaDeviceCount() + " are usable");
        }
        List<LocalCollective> local = base.isCuda() ? null : LocalCollective.group(n, timeout);
        byte[] ncclId = base.isCuda() ? NcclCollective.newId() : null;
        try {
            return RankThreads.run(n, "lorapar-rank", rank -> {
                Device device = base.isCuda() ? Device.cuda(base.index() + rank) : Device.CPU;
                try (Collective collective = local != null ? local.get(rank)
                        : NcclCollective.join(device, n, rank, ncclId, timeout)) {
                    return SftRun.runRank(c, rank == 0 ? listener : new SftRun.RunListener() { }, collective, device);
                }
            }).get(0);
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
