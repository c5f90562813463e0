package dev.lorapar.bench.jmh;

import dev.lorapar.bench.RandomData;
import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.core.MaskMode;
import dev.lorapar.core.Ops;
import dev.lorapar.core.Stream;
import dev.lorapar.core.Tensor;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * CPU LoRA path of one layer, m = 256 tokens, k = 512 in, n = 512 out, r = 16, with ~40% active
 * masks on A and B in the method's GRADIENT mode: the forward alone, and forward + backward
 * (g, dX, dA, dB).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class LoraBench {
    static final int M = 256;
    static final int K = 512;
    static final int N = 512;
    static final int R = 16;
    static final float SCALE = 64f / R;

    @Param({"F32", "BF16"})
    public DType dtype;

    private Stream stream;
    private Tensor x;     // x     [m×k] dtype
    private Tensor a;     // a     [r×k] dtype
    private Tensor maskA; // maskA [r×k] u8
    private Tensor b;     // b     [n×r] dtype
    private Tensor maskB; // maskB [n×r] u8
    private Tensor u;     // u     [m×r] dtype
    private Tensor y;     // y     [m×n] dtype (accumulated into by the forward)
    private Tensor dy;    // dy    [m×n] dtype
    private Tensor g;     // g     [m×r] dtype scratch
    private Tensor dx;    // dx    [m×k] dtype (accumulated into by the backward)
    private Tensor da;    // da    [r×k] f32
    private Tensor db;    // db    [n×r] f32

    @Setup
    public void setup() {
        stream = Stream.create(Device.CPU);
        x = Tensor.of(stream, dtype, RandomData.uniform(11, M * K, 1f), M, K);
        a = Tensor.of(stream, dtype, RandomData.uniform(12, R * K, 0.01f), R, K);
        maskA = Tensor.ofBytes(stream, RandomData.mask(13, R * K, 0.4), R, K);
        b = Tensor.of(stream, dtype, RandomData.uniform(14, N * R, 0.01f), N, R);
        maskB = Tensor.ofBytes(stream, RandomData.mask(15, N * R, 0.4), N, R);
        u = Tensor.zeros(stream, dtype, M, R);
        y = Tensor.zeros(stream, dtype, M, N);
        dy = Tensor.of(stream, dtype, RandomData.uniform(16, M * N, 1f), M, N);
        g = Tensor.zeros(stream, dtype, M, R);
        dx = Tensor.zeros(stream, dtype, M, K);
        da = Tensor.zeros(stream, DType.F32, R, K);
        db = Tensor.zeros(stream, DType.F32, N, R);
    }

    /** y and dx only grow by accumulation; start every iteration from zero so values stay tame. */
    @Setup(Level.Iteration)
    public void resetAccumulators() {
        Ops.fill(stream, y, 0.0);
        Ops.fill(stream, dx, 0.0);
    }

    @TearDown
    public void tearDown() {
        for (Tensor t : new Tensor[] {x, a, maskA, b, maskB, u, y, dy, g, dx, da, db}) {
            t.close();
        }
        stream.close();
    }

    @Benchmark
    public void forward() {
        Ops.loraForward(stream, SCALE, x, a, maskA, b, maskB, MaskMode.GRADIENT, u, y);
    }

    @Benchmark
    public void forwardBackward() {
        Ops.loraForward(stream, SCALE, x, a, maskA, b, maskB, MaskMode.GRADIENT, u, y);
        Ops.loraBackward(stream, SCALE, x, a, maskA, b, maskB, MaskMode.GRADIENT, u, dy, g, dx, da, db, false);
    }
}
