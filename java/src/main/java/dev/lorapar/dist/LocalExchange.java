package dev.lorapar.dist;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The meeting point of the ranks of one {@link LocalCollective} group: each collective call is one exchange in which
 * every rank deposits its contribution and gets back all of them, in rank order. An exchange completes when the last
 * rank arrives; it fails — for every rank, at once — when the ranks name different calls, when a rank aborts or
 * leaves, or when a rank has waited longer than the timeout (the message lists the ranks that did not arrive).
 */
final class LocalExchange {
    private final int worldSize;
    private final Duration timeout;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Object[] slots;       // this generation's contributions, null = not arrived
    private final String[] calls;       // what each arrived rank called
    private int arrived;
    private long generation;            // exchanges completed
    private Object[] published;         // the contributions of generation - 1, for the ranks still waking up
    private String broken;              // why the group is unusable; null while healthy

    LocalExchange(int worldSize, Duration timeout) {
        this.worldSize = worldSize;
        this.timeout = timeout;
        this.slots = new Object[worldSize];
        this.calls = new String[worldSize];
    }

    Duration timeout() {
        return timeout;
    }

    /** Deposits {@code contribution} (not null) for {@code rank}; returns every rank's, indexed by rank. */
    Object[] exchange(int rank, String call, Object contribution) {
        long deadline = System.nanoTime() + timeout.toNanos();
        lock.lock();
        try {
            if (broken != null) {
                throw new CollectiveException(rank, call, broken);
            }
            slots[rank] = contribution;
            calls[rank] = call;
            arrived++;
            long mine = generation;
            if (arrived == worldSize) {
                for (int r = 0; r < worldSize; r++) {
                    if (!calls[r].equals(call)) {
                        fail("the ranks called different operations: rank " + r + " " + calls[r] + ", rank " + rank
                                + " " + call);
                        throw new CollectiveException(rank, call, broken);
                    }
                }
                published = slots.clone();
                java.util.Arrays.fill(slots, null);
                java.util.Arrays.fill(calls, null);
                arrived = 0;
                generation++;
                changed.signalAll();
                return published;
            }
            while (true) {
                if (generation != mine) {
                    return published;
                }
                if (broken != null) {
                    throw new CollectiveException(rank, call, broken);
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    fail("timed out after " + timeout.toMillis() / 1000.0 + " s waiting for rank(s) " + missing()
                            + " (dead, hung or failed)");
                    throw new CollectiveException(rank, call, broken);
                }
                changed.awaitNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(200)));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail("rank " + rank + " was interrupted in " + call);
            throw new CollectiveException(rank, call, broken, e);
        } finally {
            lock.unlock();
        }
    }

    /** Makes every pending and later exchange fail with {@code reason} (the first reason wins). */
    void fail(String reason) {
        lock.lock();
        try {
            if (broken == null) {
                broken = reason;
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private List<Integer> missing() {
        List<Integer> out = new ArrayList<>();
        for (int r = 0; r < worldSize; r++) {
            if (slots[r] == null) {
                out.add(r);
            }
        }
        return out;
    }
}
