package dev.lorapar.core;

import dev.lorapar.core.ffi.NcclNative;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One rank's NCCL communicator on one CUDA device ({@code lp_nccl_*} in {@code lorapar.h}; libnccl.so.2 is loaded at
 * the first use). Collectives are queued on a stream of the communicator's device; {@link #await} waits for them
 * with a deadline (a timeout or a peer's failure aborts the communicator and throws {@link LoraparException} with
 * status COLLECTIVE). Not thread-safe: one thread per rank.
 */
public final class NcclComm implements AutoCloseable {
    /** Element types of {@link #allReduceSum}. */
    public enum Type {
        F32(NcclNative.F32, 4), F64(NcclNative.F64, 8), I64(NcclNative.I64, 8);

        private final int code, bytes;

        Type(int code, int bytes) {
            this.code = code;
            this.bytes = bytes;
        }

        public int bytes() {
            return bytes;
        }
    }

    private final Device device;
    private final int rank, worldSize;
    private final MemorySegment handle;
    private final AtomicBoolean closed = new AtomicBoolean();

    private NcclComm(Device device, int rank, int worldSize, MemorySegment handle) {
        this.device = device;
        this.rank = rank;
        this.worldSize = worldSize;
        this.handle = handle;
    }

    /** The NCCL version code (e.g. 22703); throws when NCCL or the CUDA backend is missing. */
    public static int version() {
        return NcclNative.version();
    }

    /** A fresh 128-byte unique id (rank 0 makes it and hands it to every rank). */
    public static byte[] uniqueId() {
        return NcclNative.uniqueId();
    }

    /** Joins the communicator {@code id} as {@code rank} of {@code worldSize} on {@code device} (waits ≤ timeout). */
    public static NcclComm init(Device device, int worldSize, int rank, byte[] id, double timeoutSeconds) {
        if (!device.isCuda()) {
            throw new IllegalArgumentException("NCCL needs a CUDA device, got " + device);
        }
        if (id == null || id.length != NcclNative.UNIQUE_ID_BYTES) {
            throw new IllegalArgumentException("an NCCL unique id has " + NcclNative.UNIQUE_ID_BYTES + " bytes");
        }
        return new NcclComm(device, rank, worldSize, NcclNative.commInit(device.index(), worldSize, rank, id,
                timeoutSeconds));
    }

    public Device device() {
        return device;
    }

    public int rank() {
        return rank;
    }

    public int worldSize() {
        return worldSize;
    }

    /** Queues an in-place sum over the ranks of the first {@code count} elements of {@code t} (raw bytes as type). */
    public void allReduceSum(Stream stream, Tensor t, long count, Type type) {
        if (count * type.bytes() > t.byteSize()) {
            throw new IllegalArgumentException(count + " " + type + " elements do not fit " + t);
        }
        NcclNative.allReduceSum(live(), stream.handle(), MemorySegment.ofAddress(t.address()), count, type.code);
    }

    /** Queues a broadcast of all bytes of {@code t} from rank {@code root}. */
    public void broadcast(Stream stream, Tensor t, int root) {
        NcclNative.broadcast(live(), stream.handle(), MemorySegment.ofAddress(t.address()), t.byteSize(), root);
    }

    /** Starts a group: collectives queued until {@link #groupEnd} are launched together. */
    public static void groupStart() {
        NcclNative.groupStart();
    }

    public void groupEnd(double timeoutSeconds) {
        NcclNative.groupEnd(live(), timeoutSeconds);
    }

    /** Waits until {@code stream}'s queued work (collectives included) is done, ≤ timeout. */
    public void await(Stream stream, double timeoutSeconds) {
        NcclNative.await(live(), stream.handle(), timeoutSeconds);
    }

    /** Aborts: the other ranks' pending collectives fail. Idempotent. */
    public void abort() {
        if (!closed.get()) {
            NcclNative.commAbort(handle);
        }
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            NcclNative.commDestroy(handle);
        }
    }

    private MemorySegment live() {
        if (closed.get()) {
            throw new IllegalStateException("NCCL communicator of rank " + rank + " is closed");
        }
        return handle;
    }

    @Override
    public String toString() {
        return "NcclComm[rank " + rank + " of " + worldSize + " on " + device + "]";
    }
}
