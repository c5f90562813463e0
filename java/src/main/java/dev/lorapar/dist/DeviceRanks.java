package dev.lorapar.dist;

import dev.lorapar.core.Device;
import dev.lorapar.core.Lorapar;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * N ranks of one job as threads of this process ({@link RankThreads}), each with its device and its handle on one
 * group: on the CPU every rank on {@link Device#CPU} over a {@link LocalCollective}; from a GPU {@code cuda:d} the
 * ranks on cuda:d … cuda:d+N−1 over NCCL, each thread joining with the same unique id. A rank whose body fails aborts
 * the group (the others stop with a {@link CollectiveException} instead of waiting for the timeout), and
 * {@link RankThreads#run} rethrows the original failure. The collective is closed when the body returns.
 */
public final class DeviceRanks {
    /** The work of one rank on its device. */
    @FunctionalInterface
    public interface Body<T> {
        T run(Collective collective, Device device) throws Exception;
    }

    private DeviceRanks() {
    }

    /** Every rank's value, index = rank. {@code what} names the threads and the setting in messages. */
    public static <T> List<T> run(Device base, int n, Duration timeout, String what, Body<T> body) throws Exception {
        Objects.requireNonNull(body, "body");
        if (n < 1) {
            throw new IllegalArgumentException(what + ": data_parallel must be ≥ 1, got " + n);
        }
        if (base.isCuda() && base.index() + n > Lorapar.cudaDeviceCount()) {
            throw new IllegalArgumentException(what + ": data_parallel " + n + " from " + base + " needs cuda:"
                    + base.index() + " … cuda:" + (base.index() + n - 1) + " but " + Lorapar.cudaDeviceCount()
                    + " are usable");
        }
        List<LocalCollective> local = base.isCuda() ? null : LocalCollective.group(n, timeout);
        byte[] ncclId = base.isCuda() ? NcclCollective.newId() : null;
        return RankThreads.run(n, what + "-rank", rank -> {
            Device device = base.isCuda() ? Device.cuda(base.index() + rank) : Device.CPU;
            try (Collective collective = local != null ? local.get(rank)
                    : NcclCollective.join(device, n, rank, ncclId, timeout)) {
                try {
                    return body.run(collective, device);
                } catch (Exception | Error e) {
                    collective.abort(e);
                    throw e;
                }
            }
        });
    }

    /** {@link #run}, rank 0's value, checked exceptions other than {@code IOException} wrapped. */
    public static <T> T rankZero(Device base, int n, Duration timeout, String what, Body<T> body)
            throws java.io.IOException {
        try {
            return run(base, n, timeout, what, body).get(0);
        } catch (java.io.IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
