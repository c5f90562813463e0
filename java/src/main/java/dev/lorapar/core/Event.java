package dev.lorapar.core;

import dev.lorapar.core.ffi.LpNative;

import java.lang.foreign.MemorySegment;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A marker in a stream's work ({@code lp_event}), for timing and cross-stream ordering. CPU events
 * record the host's monotonic clock. Must be closed ({@link #close()} is idempotent).
 */
public final class Event implements AutoCloseable {
    private final Device device;
    private final MemorySegment handle;
    private final AtomicBoolean closed = new AtomicBoolean();

    private Event(Device device, MemorySegment handle) {
        this.device = device;
        this.handle = handle;
    }

    /** Creates an event for streams of {@code device}. */
    public static Event create(Device device) {
        Objects.requireNonNull(device, "Event.create: device is null");
        return new Event(device, LpNative.eventCreate(device.nativeId()));
    }

    /** The device of this event. */
    public Device device() {
        return device;
    }

    /** Records this event at the current end of {@code stream}'s work (same device). */
    public void record(Stream stream) {
        Objects.requireNonNull(stream, "Event.record: stream is null");
        if (!stream.device().equals(device)) {
            throw new IllegalArgumentException("Event.record: the event is on " + device + " but the stream is on "
                    + stream.device());
        }
        LpNative.eventRecord(handle(), stream.handle());
    }

    /** Blocks until the work before the recorded point is done. */
    public void synchronize() {
        LpNative.eventSynchronize(handle());
    }

    /**
     * Milliseconds between two recorded, completed events of the same device (synchronize {@code end}
     * first on CUDA).
     */
    public static float elapsedMillis(Event start, Event end) {
        Objects.requireNonNull(start, "Event.elapsedMillis: start is null");
        Objects.requireNonNull(end, "Event.elapsedMillis: end is null");
        if (!start.device.equals(end.device)) {
            throw new IllegalArgumentException("Event.elapsedMillis: start is on " + start.device + " but end is on "
                    + end.device);
        }
        return LpNative.eventElapsedMs(start.handle(), end.handle());
    }

    /** True once {@link #close()} was called. */
    public boolean isClosed() {
        return closed.get();
    }

    /** Frees the native event; later calls do nothing. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            LpNative.eventDestroy(handle);
        }
    }

    /** The native {@code lp_event}; throws IllegalStateException when closed. */
    MemorySegment handle() {
        if (closed.get()) {
            throw new IllegalStateException("event on " + device + " is closed");
        }
        return handle;
    }

    @Override
    public String toString() {
        return "Event[" + device + (closed.get() ? ", closed]" : "]");
    }
}
