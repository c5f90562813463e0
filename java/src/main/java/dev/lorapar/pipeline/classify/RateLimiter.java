package dev.lorapar.pipeline.classify;

/**
 * At most {@code perSecond} starts per second, evenly spaced: each {@link #acquire()} takes the next free slot
 * (1/perSecond after the previous one) and sleeps until it. perSecond ≤ 0 means no limit. Thread-safe.
 */
final class RateLimiter {
    private final long intervalNanos;
    private long nextFree;

    RateLimiter(double perSecond) {
        this.intervalNanos = perSecond > 0 ? (long) (1e9 / perSecond) : 0;
        this.nextFree = System.nanoTime();
    }

    void acquire() throws InterruptedException {
        if (intervalNanos == 0) return;
        long slot;
        synchronized (this) {
            long now = System.nanoTime();
            slot = Math.max(now, nextFree);
            nextFree = slot + intervalNanos;
        }
        long wait = slot - System.nanoTime();
        if (wait > 0) Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
    }
}
