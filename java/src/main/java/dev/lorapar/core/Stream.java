package dev.lorapar.core;

import dev.lorapar.core.ffi.LpNative;

import java.lang.foreign.MemorySegment;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An ordered queue of work on one device ({@code lp_stream}). CPU streams execute each op synchronously
 * on the calling thread; CUDA ops are asynchronous on their stream until {@link #synchronize()}.
 *
 * <p>A stream holds native workspaces and must be closed ({@link #close()} is idempotent). Different
 * threads may use different streams concurrently; one stream must not be used by two threads at once,
 * nor closed while another thread uses it.
 */
public final class Stream implements AutoCloseable {
    private final Device device;
    private final MemorySegment handle;
    private final AtomicBoolean closed = new AtomicBoolean();

    private Stream(Device device, MemorySegment handle) {
        this.device = device;
        this.handle = handle;
    }

    /**
     * Creates a stream on {@code device}.
     *
     * @throws LoraparException NO_DEVICE when the device does not exist or CUDA is not built in
     */
    public static Stream create(Device device) {
        Objects.requireNonNull(device, "Stream.create: device is null");
        return new Stream(device, LpNative.streamCreate(device.nativeId()));
    }

    /** The device this stream runs on. */
    public Device device() {
        return device;
    }

    /** Blocks until all work queued so far on this stream is done. */
    public void synchronize() {
        LpNative.streamSynchronize(handle());
    }

    /**
     * Makes later work on this stream wait until {@code event} (recorded on any stream of the same device)
     * has completed, without blocking the host.
     */
    public void waitFor(Event event) {
        Objects.requireNonNull(event, "Stream.waitFor: event is null");
        if (!event.device().equals(device)) {
            throw new IllegalArgumentException("Stream.waitFor: event is on " + event.device()
                    + " but the stream is on " + device);
        }
        LpNative.streamWaitEvent(handle(), event.handle());
    }

    /** True once {@link #close()} was called. */
    public boolean isClosed() {
        return closed.get();
    }

    /** Synchronizes and frees the native stream and its workspaces; later calls do nothing. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            LpNative.streamDestroy(handle);
        }
    }

    /** The native {@code lp_stream}; throws IllegalStateException when closed. */
    MemorySegment handle() {
        if (closed.get()) {
            throw new IllegalStateException("stream on " + device + " is closed");
        }
        return handle;
    }

    @Override
    public String toString() {
        return "Stream[" + device + (closed.get() ? ", closed]" : "]");
    }
}
