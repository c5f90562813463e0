package dev.lorapar.core;

import dev.lorapar.core.ffi.LpNative;

import java.lang.foreign.MemorySegment;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A CUDA graph: the ops one body queued on a CUDA stream, recorded once and replayed with one launch
 * ({@code lp_graph_*} in {@code lorapar.h}). Replays read and write the same tensors the body used, so
 * new inputs are copied into those tensors before {@link #launch}. Only capture-safe ops may run in the
 * body (the selection ops synchronize and fail the capture); an op that would have to grow its stream's
 * scratch arena fails during capture, so run the body once eagerly before capturing it.
 *
 * <p>The graph keeps its capture stream's native workspaces alive until {@link #close()}; replays on
 * another stream of the same device must be ordered against the capture stream's work.
 */
public final class CudaGraph implements AutoCloseable {
    private final Device device;
    private final MemorySegment handle;
    private final AtomicBoolean closed = new AtomicBoolean();

    private CudaGraph(Device device, MemorySegment handle) {
        this.device = device;
        this.handle = handle;
    }

    /**
     * Records the ops {@code body} queues on {@code stream} (a CUDA stream) into a graph; nothing runs
     * during the capture. When the body throws, the capture is ended and its graph discarded before the
     * exception propagates (the stream is usable again); a failure to end the capture is attached to it as
     * suppressed.
     *
     * @throws LoraparException UNSUPPORTED for a CPU stream ("graphs need a CUDA stream"); CUDA when an op of
     *                          the body was not capturable
     */
    public static CudaGraph capture(Stream stream, Runnable body) {
        final String op = "CudaGraph.capture";
        Check.stream(op, stream);
        Objects.requireNonNull(body, op + ": body is null");
        LpNative.graphBeginCapture(stream.handle());
        try {
            body.run();
        } catch (RuntimeException | Error e) {
            try {
                MemorySegment discarded = LpNative.graphEndCapture(stream.handle());
                LpNative.graphDestroy(discarded);
            } catch (RuntimeException endFailure) {
                e.addSuppressed(endFailure);
            }
            throw e;
        }
        return new CudaGraph(stream.device(), LpNative.graphEndCapture(stream.handle()));
    }

    /** The device the graph was captured on. */
    public Device device() {
        return device;
    }

    /** Replays the graph on {@code stream} (a stream of the graph's device), asynchronously like any op. */
    public void launch(Stream stream) {
        final String op = "CudaGraph.launch";
        Check.stream(op, stream);
        if (closed.get()) {
            throw new IllegalStateException(op + ": the graph is closed");
        }
        if (!stream.device().equals(device)) {
            throw new IllegalArgumentException(op + ": the graph was captured on " + device + " but the stream is on "
                    + stream.device());
        }
        LpNative.graphLaunch(handle, stream.handle());
    }

    /** True once {@link #close()} was called. */
    public boolean isClosed() {
        return closed.get();
    }

    /** Frees the graph (and, if its capture stream is already closed, that stream's workspaces); idempotent. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            LpNative.graphDestroy(handle);
        }
    }

    @Override
    public String toString() {
        return "CudaGraph[" + device + (closed.get() ? ", closed]" : "]");
    }
}
