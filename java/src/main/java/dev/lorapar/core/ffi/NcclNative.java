package dev.lorapar.core.ffi;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * FFM bindings of the {@code lp_nccl_*} functions of {@code lorapar.h} (NCCL collectives, CUDA only), in the style
 * of {@link LpNative}: one downcall handle per symbol, every status checked through {@link LpNative#check}. Internal:
 * the public API is {@code dev.lorapar.dist.NcclCollective}.
 */
public final class NcclNative {
    /** {@code LP_NCCL_UNIQUE_ID_BYTES}. */
    public static final int UNIQUE_ID_BYTES = 128;
    /** {@code lp_nccl_type} values. */
    public static final int F32 = 0, F64 = 1, I64 = 2;

    private NcclNative() {
    }

    private static final MethodHandle VERSION = LpNative.bind("lp_nccl_version", LpNative.status(LpNative.C_POINTER));
    private static final MethodHandle GET_UNIQUE_ID = LpNative.bind("lp_nccl_get_unique_id",
            LpNative.status(LpNative.C_POINTER));
    private static final MethodHandle COMM_INIT = LpNative.bind("lp_nccl_comm_init", LpNative.status(LpNative.C_INT32,
            LpNative.C_INT32, LpNative.C_INT32, LpNative.C_POINTER, LpNative.C_DOUBLE, LpNative.C_POINTER));
    private static final MethodHandle ALL_REDUCE_SUM = LpNative.bind("lp_nccl_all_reduce_sum", LpNative.status(
            LpNative.C_POINTER, LpNative.C_POINTER, LpNative.C_POINTER, LpNative.C_INT64, LpNative.C_INT32));
    private static final MethodHandle BROADCAST = LpNative.bind("lp_nccl_broadcast", LpNative.status(
            LpNative.C_POINTER, LpNative.C_POINTER, LpNative.C_POINTER, LpNative.C_INT64, LpNative.C_INT32));
    private static final MethodHandle GROUP_START = LpNative.bind("lp_nccl_group_start", LpNative.status());
    private static final MethodHandle GROUP_END = LpNative.bind("lp_nccl_group_end",
            LpNative.status(LpNative.C_POINTER, LpNative.C_DOUBLE));
    private static final MethodHandle WAIT = LpNative.bind("lp_nccl_wait",
            LpNative.status(LpNative.C_POINTER, LpNative.C_POINTER, LpNative.C_DOUBLE));
    private static final MethodHandle COMM_ABORT = LpNative.bind("lp_nccl_comm_abort",
            LpNative.status(LpNative.C_POINTER));
    private static final MethodHandle COMM_DESTROY = LpNative.bind("lp_nccl_comm_destroy",
            LpNative.status(LpNative.C_POINTER));

    /** Initialises this class, so that its handles are bound (for {@link LpNative#boundSymbols()}). */
    static void bindAll() {
        // nothing: calling a static method runs the static initialiser once
    }

    /** {@code lp_nccl_version}: the NCCL version code (loads libnccl.so.2). */
    public static int version() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(LpNative.C_INT32);
            int status;
            try {
                status = (int) VERSION.invokeExact(out);
            } catch (Throwable t) {
                throw LpNative.unexpected(t);
            }
            LpNative.check("lp_nccl_version", status);
            return out.get(LpNative.C_INT32, 0);
        }
    }

    /** {@code lp_nccl_get_unique_id}: 128 bytes. */
    public static byte[] uniqueId() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(UNIQUE_ID_BYTES);
            int status;
            try {
                status = (int) GET_UNIQUE_ID.invokeExact(out);
            } catch (Throwable t) {
                throw LpNative.unexpected(t);
            }
            LpNative.check("lp_nccl_get_unique_id", status);
            return out.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
        }
    }

    /** {@code lp_nccl_comm_init}: the new {@code lp_nccl_comm}. */
    public static MemorySegment commInit(int device, int worldSize, int rank, byte[] id, double timeoutSeconds) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment idSeg = arena.allocate(UNIQUE_ID_BYTES);
            idSeg.copyFrom(MemorySegment.ofArray(id));
            MemorySegment out = arena.allocate(LpNative.C_POINTER);
            int status;
            try {
                status = (int) COMM_INIT.invokeExact(device, worldSize, rank, idSeg, timeoutSeconds, out);
            } catch (Throwable t) {
                throw LpNative.unexpected(t);
            }
            LpNative.check("lp_nccl_comm_init", status);
            return out.get(LpNative.C_POINTER, 0);
        }
    }

    /** {@code lp_nccl_all_reduce_sum} (queued on the stream). */
    public static void allReduceSum(MemorySegment comm, MemorySegment stream, MemorySegment data, long count, int type) {
        int status;
        try {
            status = (int) ALL_REDUCE_SUM.invokeExact(comm, stream, data, count, type);
        } catch (Throwable t) {
            throw LpNative.unexpected(t);
        }
        LpNative.check("lp_nccl_all_reduce_sum", status);
    }

    /** {@code lp_nccl_broadcast} (queued on the stream). */
    public static void broadcast(MemorySegment comm, MemorySegment stream, MemorySegment data, long bytes, int root) {
        int status;
        try {
            status = (int) BROADCAST.invokeExact(comm, stream, data, bytes, root);
        } catch (Throwable t) {
            throw LpNative.unexpected(t);
        }
        LpNative.check("lp_nccl_broadcast", status);
    }

    /** {@code lp_nccl_group_start}. */
    public static void groupStart() {
        int status;
        try {
            status = (int) GROUP_START.invokeExact();
        } catch (Throwable t) {
            throw LpNative.unexpected(t);
        }
        LpNative.check("lp_nccl_group_start", status);
    }

    /** {@code lp_nccl_group_end}. */
    public static void groupEnd(MemorySegment comm, double timeoutSeconds) {
        int status;
        try {
            status = (int) GROUP_END.invokeExact(comm, timeoutSeconds);
        } catch (Throwable t) {
            throw LpNative.unexpected(t);
        }
        LpNative.check("lp_nccl_group_end", status);
    }

    /** {@code lp_nccl_wait}. */
    public static void await(MemorySegment comm, MemorySegment stream, double timeoutSeconds) {
        int status;
        try {
            status = (int) WAIT.invokeExact(comm, stream, timeoutSeconds);
        } catch (Throwable t) {
            throw LpNative.unexpected(t);
        }
        LpNative.check("lp_nccl_wait", status);
    }

    /** {@code lp_nccl_comm_abort}. */
    public static void commAbort(MemorySegment comm) {
        call("lp_nccl_comm_abort", COMM_ABORT, comm);
    }

    /** {@code lp_nccl_comm_destroy}. */
    public static void commDestroy(MemorySegment comm) {
        call("lp_nccl_comm_destroy", COMM_DESTROY, comm);
    }

    private static void call(String function, MethodHandle handle, MemorySegment pointer) {
        int status;
        try {
            status = (int) handle.invokeExact(pointer);
        } catch (Throwable t) {
            throw LpNative.unexpected(t);
        }
        LpNative.check(function, status);
    }
}
