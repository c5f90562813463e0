package dev.lorapar.dist;

import dev.lorapar.core.Stream;
import dev.lorapar.core.Tensor;
import java.time.Duration;
import java.util.List;

/**
 * One rank's handle on a group of {@link #worldSize()} ranks that run the same sequence of collective calls.
 * Every call blocks until all ranks made it (or fails): the results are complete when it returns (device tensors
 * included: the stream has finished the operation). Sums are the same bits on every rank. A call that cannot
 * complete within {@link #timeout()} — a rank died, failed or called something else — throws
 * {@link CollectiveException} naming the rank and the call, and the collective is unusable afterwards.
 */
public interface Collective extends AutoCloseable {
    /** This rank, 0 ≤ rank < worldSize. */
    int rank();

    int worldSize();

    /** The longest any call waits for the other ranks. */
    Duration timeout();

    /** In place: {@code t} [n] F32 (any shape) becomes the element-wise sum of every rank's {@code t}. */
    void allReduceSum(Stream stream, Tensor t);

    /**
     * Each tensor of {@code ts} (F32, same list on every rank) summed in place over the ranks, as one operation
     * (implementations fuse them; the default sums them one by one).
     */
    default void allReduceSum(Stream stream, List<Tensor> ts) {
        for (Tensor t : ts) {
            allReduceSum(stream, t);
        }
    }

    /** A sum started by {@link #allReduceSumStart}: complete once {@link #await()} returned. */
    @FunctionalInterface
    interface Pending {
        /** Waits (at most the collective's timeout) until the sum is in the tensors; throws as the blocking call. */
        void await();
    }

    /**
     * Starts the in-place sum of {@code ts} (F32, same list on every rank) on {@code stream} and returns without
     * waiting where the implementation can (NCCL: queued on the stream; the host goes on issuing other work, e.g. the
     * rest of a backward pass on another stream); the tensors must not be used until {@link Pending#await()}
     * returned. Calls are matched across ranks in issue order, like the blocking ones. Default: the blocking sum.
     */
    default Pending allReduceSumStart(Stream stream, List<Tensor> ts) {
        allReduceSum(stream, ts);
        return () -> { };
    }

    /** In place: every element becomes its sum over the ranks (summed in double, same bits on every rank). */
    void allReduceSum(double[] values);

    /** In place: every element becomes its sum over the ranks. */
    void allReduceSum(long[] values);

    /** In place: every rank's {@code t} (same shape and dtype everywhere) gets rank 0's bytes. */
    void broadcast(Stream stream, Tensor t);

    /** Returns when every rank has called it. */
    void barrier();

    /**
     * Marks this rank as failed with {@code cause}: the other ranks' pending and later calls throw
     * {@link CollectiveException} promptly instead of waiting for the timeout. Safe to call more than once.
     */
    void abort(Throwable cause);

    /** Leaves the group; a rank still waiting for this one fails. Idempotent. */
    @Override
    void close();

    /** A sum of one long per rank (e.g. the tokens of an optimizer step). */
    default long sum(long value) {
        long[] v = {value};
        allReduceSum(v);
        return v[0];
    }

    /**
     * Throws {@link IllegalStateException} on a rank whose {@code value} is not every rank's (it is when the sum is
     * worldSize × value on every rank); {@code what} names it, e.g. the step a resumed run starts at.
     */
    default void requireSame(long value, String what) {
        if (sum(value) != worldSize() * value) {
            throw new IllegalStateException("rank " + rank() + ": " + what + " is " + value + " but the ranks disagree");
        }
    }

    /** A sum of one double per rank (e.g. a loss sum). */
    default double sum(double value) {
        double[] v = {value};
        allReduceSum(v);
        return v[0];
    }
}
