package dev.lorapar.train;

import dev.lorapar.core.Device;
import dev.lorapar.core.Lorapar;
import dev.lorapar.dist.Collective;
import dev.lorapar.dist.CollectiveException;
import dev.lorapar.dist.LocalCollective;
import dev.lorapar.dist.NcclCollective;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code data_parallel} N > 1: N ranks of one SFT run as threads of this process — on the CPU over a
 * {@link LocalCollective}, on GPUs cuda:d … cuda:d+N−1 (d = the configured device) over NCCL, each thread joining
 * with the same unique id. Rank 0 reports to the listener; the outcome is rank 0's. When a rank fails, the others
 * fail with {@link CollectiveException} and the original failure is rethrown.
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
        SftRun.Outcome[] outcomes = new SftRun.Outcome[n];
        Throwable[] failures = new Throwable[n];
        List<Thread> threads = new ArrayList<>();
        for (int r = 0; r < n; r++) {
            final int rank = r;
            Thread t = Thread.ofPlatform().name("lorapar-rank-" + r).start(() -> {
                Device device = base.isCuda() ? Device.cuda(base.index() + rank) : Device.CPU;
                try (Collective collective = local != null ? local.get(rank)
                        : NcclCollective.join(device, n, rank, ncclId, timeout)) {
                    outcomes[rank] = SftRun.runRank(c, rank == 0 ? listener : new SftRun.RunListener() { },
                            collective, device);
                } catch (Throwable e) {
                    failures[rank] = e;
                    if (local != null) {
                        local.get(rank).abort(e);
                    }
                }
            });
            threads.add(t);
        }
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the data-parallel ranks", e);
            }
        }
        rethrowFirstCause(failures);
        return outcomes[0];
    }

    /** The first failure that is not a consequence of another rank's (CollectiveException), else the first one. */
    private static void rethrowFirstCause(Throwable[] failures) throws IOException {
        Throwable first = null;
        for (Throwable f : failures) {
            if (f != null && (first == null || (first instanceof CollectiveException
                    && !(f instanceof CollectiveException)))) {
                first = f;
            }
        }
        if (first == null) {
            return;
        }
        for (Throwable f : failures) {
            if (f != null && f != first) {
                first.addSuppressed(f);
            }
        }
        switch (first) {
            case IOException e -> throw e;
            case RuntimeException e -> throw e;
            case Error e -> throw e;
            default -> throw new UncheckedIOException(new IOException(first));
        }
    }
}
