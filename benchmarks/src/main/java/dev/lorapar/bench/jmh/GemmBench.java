package dev.lorapar.bench.jmh;

import dev.lorapar.bench.RandomData;
import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.core.Ops;
import dev.lorapar.core.Stream;
import dev.lorapar.core.Tensor;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
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
 * CPU GEMM in the layout of a linear layer, c = a·bᵀ (b stored [n×k]), f32 and bf16 (fp32 accumulation,
 * c of the input dtype). Shapes "MxNxK": a square 256³, and the two LoRA products of a 512-token
 * batch with hidden size 4096 and rank 16: u = x·aᵀ (512×16×4096) and u·bᵀ (512×4096×16).
 * FLOP per call = 2·M·N·K.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class GemmBench {
    @Param({"F32", "BF16"})
    public DType dtype;

    @Param({"256x256x256", "512x16x4096", "512x4096x16"})
    public String mnk;

    private Stream stream;
    private Tensor a; // a [m×k]
    private Tensor b; // b [n×k]
    private Tensor c; // c [m×n]

    @Setup
    public void setup() {
        String[] parts = mnk.split("x");
        if (parts.length != 3) {
            throw new IllegalArgumentException("mnk must be MxNxK, got " + mnk);
        }
        int m = Integer.parseInt(parts[0]);
        int n = Integer.parseInt(parts[1]);
        int k = Integer.parseInt(parts[2]);
        stream = Stream.create(Device.CPU);
        a = Tensor.of(stream, dtype, RandomData.uniform(1, m * k, 1f), m, k);
        b = Tensor.of(stream, dtype, RandomData.uniform(2, n * k, 1f), n, k);
        c = Tensor.zeros(stream, dtype, m, n);
    }

    @TearDown
    public void tearDown() {
        c.close();
        b.close();
        a.close();
        stream.close();
    }

    @Benchmark
    public void gemm() {
        Ops.gemm(stream, false, true, 1f, a, b, 0f, c);
    }
}
