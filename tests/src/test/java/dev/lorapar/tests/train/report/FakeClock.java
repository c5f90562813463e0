package dev.lorapar.tests.train.report;

import java.util.function.LongSupplier;

/** A nanosecond clock the test moves by hand; starts at an arbitrary non-zero time. */
final class FakeClock implements LongSupplier {
    private long nanos = 7_000_000_000_123L;

    void advanceSeconds(double seconds) {
        nanos += Math.round(seconds * 1e9);
    }

    void advanceMillis(long millis) {
        nanos += millis * 1_000_000L;
    }

    @Override
    public long getAsLong() {
        return nanos;
    }
}
