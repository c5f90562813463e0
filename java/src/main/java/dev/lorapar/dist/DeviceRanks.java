package dev.lorapar.dist;

import dev.lorapar.core.Device;
import dev.lorapar.core.Lorapar;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;

/**
 * The ranks of one job and their devices, in two launch modes. {@link #run}: N ranks as threads of this process
 * ({@link RankThreads}), each with its device and its handle on one group: on the CPU every rank on
 * {@link Device#CPU} over a {@link LocalCollective}; from a GPU {@code cuda:d} the ranks on cuda:d … cuda:d+N−1 over
 * NCCL, each thread joining with the same unique id. {@link #process}: this process is one rank of a multi-process
 * run ({@link LaunchEnv}), on cuda:local_rank over NCCL. A rank whose body fails aborts the group (the others stop
 * with a {@link CollectiveException} instead of waiting for the timeout) and the original failure is rethrown. The
 * collective is closed when the body returns.
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
                return guarded(collective, device, body);
            }
        });
    }

    /** {@link #run}, rank 0's value, checked exceptions other than {@code IOException} wrapped. */
    public static <T> T rankZero(Device base, int n, Duration timeout, String what, Body<T> body) throws IOException {
        return unchecked(() -> run(base, n, timeout, what, body).get(0));
    }

    /**
     * This process as rank {@code env.rank()} of a multi-process run ({@code env.distributed()}): first the checks
     * that need nothing else ({@code threads} &gt; 1 ranks as threads together with a world size &gt; 1; a local rank
     * without a CUDA device: IllegalArgumentException, nothing started), then the rendezvous at rank 0 and NCCL
     * ({@link NcclCollective#connect}), then {@code body} on cuda:local_rank; a failing body aborts the group.
     * Returns this rank's value; checked exceptions other than {@code IOException} are wrapped.
     */
    public static <T> T process(LaunchEnv env, int threads, Duration timeout, Body<T> body) throws IOException {
        Objects.requireNonNull(body, "body");
        check(env, threads);
        return unchecked(() -> {
            Device device = Device.cuda(env.localRank());
            try (Collective collective = NcclCollective.connect(env, timeout)) {
                return guarded(collective, device, body);
            }
        });
    }

    /**
     * The settings of a multi-process run that can be checked before any connection: not both ranks as threads
     * ({@code threads} &gt; 1) and a world size &gt; 1, and a CUDA device for the local rank.
     */
    public static void check(LaunchEnv env, int threads) {
        if (threads > 1) {
            throw new IllegalArgumentException("data_parallel " + threads + " with world_size " + env.worldSize()
                    + ": use one (threads of one process, or one process per GPU)");
        }
        if (env.localRank() >= Lorapar.cudaDeviceCount()) {
            throw new IllegalArgumentException("world_size " + env.worldSize() + ": a multi-process run puts each "
                    + "process on a GPU over NCCL, but local rank " + env.localRank() + " has no CUDA device ("
                    + Lorapar.cudaDeviceCount() + " usable); on the CPU use data_parallel N instead");
        }
    }

    /** {@code body} on {@code device}; a failure aborts {@code collective} (the other ranks stop) and is rethrown. */
    private static <T> T guarded(Collective collective, Device device, Body<T> body) throws Exception {
        try {
            return body.run(collective, device);
        } catch (Exception | Error e) {
            collective.abort(e);
            throw e;
        }
    }

    private static <T> T unchecked(Callable<T> work) throws IOException {
        try {
            return work.call();
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
