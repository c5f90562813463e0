package dev.lorapar.dist;

/**
 * A collective operation could not complete on this rank: a peer failed or left, the ranks disagreed on the
 * operation, or the call ran past its timeout. The message names this rank, the call and the reason; after it the
 * collective is unusable (every later call throws too).
 */
public final class CollectiveException extends RuntimeException {
    private final int rank;
    private final String call;

    public CollectiveException(int rank, String call, String reason) {
        this(rank, call, reason, null);
    }

    public CollectiveException(int rank, String call, String reason, Throwable cause) {
        super("rank " + rank + ", " + call + ": " + reason, cause);
        this.rank = rank;
        this.call = call;
    }

    /** The rank that threw. */
    public int rank() {
        return rank;
    }

    /** The call that failed, e.g. {@code allReduceSum(F32 [4096])}. */
    public String call() {
        return call;
    }
}
