package dev.lorapar.dist;

import dev.lorapar.core.DType;
import dev.lorapar.core.Stream;
import dev.lorapar.core.Tensor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * N ranks as threads of one process (tests, and data parallelism on the CPU). Tensors may live on any device: a
 * call copies them to the host, every rank sums all contributions itself in fixed rank order (0, 1, …, N−1), so
 * every rank gets the same bits, and copies the sum back. {@link #group} makes the N handles; hand one to each
 * thread.
 */
public final class LocalCollective implements Collective {
    private final LocalExchange exchange;
    private final int rank, worldSize;
    private final AtomicBoolean closed = new AtomicBoolean();

    private LocalCollective(LocalExchange exchange, int rank, int worldSize) {
        this.exchange = exchange;
        this.rank = rank;
        this.worldSize = worldSize;
    }

    /** The handles of one group of {@code worldSize} ranks, index = rank. */
    public static List<LocalCollective> group(int worldSize, Duration timeout) {
        if (worldSize < 1) {
            throw new IllegalArgumentException("world size must be ≥ 1, got " + worldSize);
        }
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        }
        LocalExchange ex = new LocalExchange(worldSize, timeout);
        List<LocalCollective> out = new ArrayList<>();
        for (int r = 0; r < worldSize; r++) {
            out.add(new LocalCollective(ex, r, worldSize));
        }
        return List.copyOf(out);
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int worldSize() {
        return worldSize;
    }

    @Override
    public Duration timeout() {
        return exchange.timeout();
    }

    @Override
    public void allReduceSum(Stream stream, Tensor t) {
        allReduceSum(stream, List.of(t));
    }

    /** One exchange for all of {@code ts}: their elements concatenated, summed, split back. */
    @Override
    public void allReduceSum(Stream stream, List<Tensor> ts) {
        StringBuilder call = new StringBuilder("allReduceSum(");
        long n = 0;
        for (Tensor t : ts) {
            if (t.dtype() != DType.F32) {
                throw new IllegalArgumentException("rank " + rank + ", allReduceSum: only F32 tensors are summed, got "
                        + t);
            }
            call.append(n == 0 ? "" : ", ").append(Arrays.toString(t.shape()));
            n += t.numel();
        }
        String name = call.append(")").toString();
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(name + ": more than 2^31 elements");
        }
        float[] mine = new float[(int) n];
        int at = 0;
        for (Tensor t : ts) {
            float[] x = t.toFloatArray(stream);
            System.arraycopy(x, 0, mine, at, x.length);
            at += x.length;
        }
        Object[] all = exchange(name, mine);
        float[] sum = ((float[]) all[0]).clone();
        for (int r = 1; r < worldSize; r++) {
            float[] x = (float[]) all[r];
            for (int i = 0; i < sum.length; i++) {
                sum[i] += x[i];
            }
        }
        at = 0;
        for (Tensor t : ts) {
            t.copyFrom(stream, Arrays.copyOfRange(sum, at, at + (int) t.numel()));
            at += (int) t.numel();
        }
        stream.synchronize();
    }

    @Override
    public void allReduceSum(double[] values) {
        Object[] all = exchange("allReduceSum(double[" + values.length + "])", values.clone());
        Arrays.fill(values, 0);
        for (int r = 0; r < worldSize; r++) {
            double[] x = (double[]) all[r];
            for (int i = 0; i < values.length; i++) {
                values[i] += x[i];
            }
        }
    }

    @Override
    public void allReduceSum(long[] values) {
        Object[] all = exchange("allReduceSum(long[" + values.length + "])", values.clone());
        Arrays.fill(values, 0);
        for (int r = 0; r < worldSize; r++) {
            long[] x = (long[]) all[r];
            for (int i = 0; i < values.length; i++) {
                values[i] += x[i];
            }
        }
    }

    @Override
    public void broadcast(Stream stream, Tensor t) {
        String call = "broadcast(" + t.dtype() + " " + Arrays.toString(t.shape()) + ")";
        Object mine;
        try {
            mine = rank != 0 ? Boolean.TRUE : switch (t.dtype()) {
                case U8 -> t.toByteArray(stream);
                case I32 -> t.toIntArray(stream);
                case I64 -> t.toLongArray(stream);
                default -> t.toFloatArray(stream); // F32 and BF16: exact
            };
        } catch (RuntimeException e) {
            abort(e); // the other ranks must not wait for this one
            throw e;
        }
        Object root = exchange(call, mine)[0];
        if (rank != 0) {
            switch (root) {
                case byte[] b -> t.copyFromBytes(stream, b);
                case int[] i -> t.copyFromInts(stream, i);
                case long[] l -> t.copyFromLongs(stream, l);
                case float[] f -> t.copyFrom(stream, f);
                default -> throw new IllegalStateException("broadcast: unexpected payload " + root);
            }
            stream.synchronize();
        }
    }

    @Override
    public void barrier() {
        exchange("barrier()", Boolean.TRUE);
    }

    @Override
    public void abort(Throwable cause) {
        exchange.fail("rank " + rank + " failed: " + cause);
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            exchange.fail("rank " + rank + " has left the group (closed)");
        }
    }

    private Object[] exchange(String call, Object contribution) {
        if (closed.get()) {
            throw new IllegalStateException("rank " + rank + ": " + call + " on a closed collective");
        }
        return exchange.exchange(rank, call, contribution);
    }

    @Override
    public String toString() {
        return "LocalCollective[rank " + rank + " of " + worldSize + "]";
    }
}
