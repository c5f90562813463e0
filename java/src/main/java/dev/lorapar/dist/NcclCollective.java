package dev.lorapar.dist;

import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.core.LoraparException;
import dev.lorapar.core.NcclComm;
import dev.lorapar.core.Stream;
import dev.lorapar.core.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * {@link Collective} on NCCL: one rank per CUDA device, either threads of one process (each calls {@link #join}
 * with the same id from {@link #newId()}) or one process per GPU (the id comes through {@link Rendezvous}; see
 * {@link #connect}). Tensor calls run on the caller's stream and wait for it with the timeout; host arrays go through
 * a small device buffer on an own stream. A timeout or a peer's failure aborts the communicator and throws
 * {@link CollectiveException}.
 */
public final class NcclCollective implements Collective {
    private final NcclComm comm;
    private final Duration timeout;
    private final Stream hostStream; // for the host-array reductions and the barrier
    private volatile boolean failed;

    private NcclCollective(NcclComm comm, Duration timeout, Stream hostStream) {
        this.comm = comm;
        this.timeout = timeout;
        this.hostStream = hostStream;
    }

    /** A new NCCL unique id (on rank 0). */
    public static byte[] newId() {
        return NcclComm.uniqueId();
    }

    /** Joins the group {@code id} as {@code rank} of {@code worldSize} on {@code device}; waits ≤ timeout for all. */
    public static NcclCollective join(Device device, int worldSize, int rank, byte[] id, Duration timeout) {
        NcclComm comm;
        try {
            comm = NcclComm.init(device, worldSize, rank, id, seconds(timeout));
        } catch (LoraparException e) {
            throw new CollectiveException(rank, "NCCL init on " + device, e.getMessage(), e);
        }
        try {
            return new NcclCollective(comm, timeout, Stream.create(device));
        } catch (RuntimeException e) {
            comm.close();
            throw e;
        }
    }

    /** One process per GPU: the rendezvous of {@code env} hands out rank 0's id; the device is cuda:localRank. */
    public static NcclCollective connect(LaunchEnv env, Duration timeout) {
        byte[] id = Rendezvous.exchange(env, NcclCollective::newId, timeout);
        return join(Device.cuda(env.localRank()), env.worldSize(), env.rank(), id, timeout);
    }

    @Override
    public int rank() {
        return comm.rank();
    }

    @Override
    public int worldSize() {
        return comm.worldSize();
    }

    @Override
    public Duration timeout() {
        return timeout;
    }

    @Override
    public void allReduceSum(Stream stream, Tensor t) {
        allReduceSum(stream, List.of(t));
    }

    /** One NCCL group: a fused launch for all of {@code ts}, then one wait. */
    @Override
    public void allReduceSum(Stream stream, List<Tensor> ts) {
        allReduceSumStart(stream, ts).await();
    }

    /** One NCCL group queued on {@code stream}; {@link Pending#await()} waits for the stream (≤ timeout). */
    @Override
    public Pending allReduceSumStart(Stream stream, List<Tensor> ts) {
        String call = "allReduceSum(" + ts.size() + " F32 tensors)";
        for (Tensor t : ts) {
            if (t.dtype() != DType.F32) {
                throw new IllegalArgumentException("rank " + rank() + ", " + call + ": only F32 tensors, got " + t);
            }
        }
        run(call, () -> {
            NcclComm.groupStart();
            try {
                for (Tensor t : ts) {
                    comm.allReduceSum(stream, t, t.numel(), NcclComm.Type.F32);
                }
            } finally {
                comm.groupEnd(seconds(timeout));
            }
        });
        return () -> run(call, () -> comm.await(stream, seconds(timeout)));
    }

    @Override
    public void allReduceSum(double[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.nativeOrder());
        b.asDoubleBuffer().put(values);
        byte[] sum = reduceBytes("allReduceSum(double[" + values.length + "])", b.array(), values.length,
                NcclComm.Type.F64);
        ByteBuffer.wrap(sum).order(ByteOrder.nativeOrder()).asDoubleBuffer().get(values);
    }

    @Override
    public void allReduceSum(long[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.nativeOrder());
        b.asLongBuffer().put(values);
        byte[] sum = reduceBytes("allReduceSum(long[" + values.length + "])", b.array(), values.length,
                NcclComm.Type.I64);
        ByteBuffer.wrap(sum).order(ByteOrder.nativeOrder()).asLongBuffer().get(values);
    }

    @Override
    public void broadcast(Stream stream, Tensor t) {
        run("broadcast(" + t.dtype() + " " + Arrays.toString(t.shape()) + ")", () -> {
            comm.broadcast(stream, t, 0);
            comm.await(stream, seconds(timeout));
        });
    }

    @Override
    public void barrier() {
        reduceBytes("barrier()", new byte[8], 1, NcclComm.Type.I64);
    }

    @Override
    public void abort(Throwable cause) {
        failed = true;
        try {
            comm.abort();
        } catch (RuntimeException e) {
            cause.addSuppressed(e);
        }
    }

    @Override
    public void close() {
        try {
            hostStream.close();
        } finally {
            comm.close();
        }
    }

    private byte[] reduceBytes(String call, byte[] bytes, int count, NcclComm.Type type) {
        if (count == 0) {
            return bytes;
        }
        byte[][] out = new byte[1][];
        run(call, () -> {
            try (Tensor buffer = Tensor.ofBytes(hostStream, bytes, bytes.length)) { // [8·count] U8 on the device
                comm.allReduceSum(hostStream, buffer, count, type);
                comm.await(hostStream, seconds(timeout));
                out[0] = buffer.toByteArray(hostStream);
            }
        });
        return out[0];
    }

    private void run(String call, Runnable body) {
        if (failed) {
            throw new CollectiveException(rank(), call, "this rank's communicator was aborted earlier");
        }
        try {
            body.run();
        } catch (LoraparException e) {
            failed = true;
            throw new CollectiveException(rank(), call, e.getMessage(), e);
        }
    }

    private static double seconds(Duration d) {
        return d.toNanos() / 1e9;
    }

    @Override
    public String toString() {
        return "NcclCollective[" + comm + "]";
    }
}
