package dev.lorapar.bench.jmh;

import dev.lorapar.bench.RandomData;
import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.core.Ops;
import dev.lorapar.core.Stream;
import dev.lorapar.core.Tensor;
import java.util.List;
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
 * CPU masked AdamW over 1M fp32 elements (one tensor), with bf16 parameter copies and gradient
 * clipping by a precomputed norm; mask "random40" (~40% active, the method's θ = 0.9 regime) or
 * "none" (every element active, no mask read).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class AdamwBench {
    static final int ELEMENTS = 1 << 20;
    static final Ops.AdamW HYPER = new Ops.AdamW(1e-4f, 0.9f, 0.999f, 1e-8f, 0.01f);

    @Param({"random40", "none"})
    public String mask;

    private Stream stream;
    private Tensor params;   // params   [1M] f32
    private Tensor grads;    // grads    [1M] f32
    private Tensor expAvg;   // expAvg   [1M] f32
    private Tensor expAvgSq; // expAvgSq [1M] f32
    private Tensor copies;   // copies   [1M] bf16
    private Tensor active;   // active   [1M] u8, null for "none"
    private Tensor gradNorm; // gradNorm [1] f32
    private long step;

    @Setup
    public void setup() {
        stream = Stream.create(Device.CPU);
        params = Tensor.of(stream, DType.F32, RandomData.uniform(21, ELEMENTS, 0.01f), ELEMENTS);
        grads = Tensor.of(stream, DType.F32, RandomData.uniform(22, ELEMENTS, 1e-3f), ELEMENTS);
        expAvg = Tensor.zeros(stream, DType.F32, ELEMENTS);
        expAvgSq = Tensor.zeros(stream, DType.F32, ELEMENTS);
        copies = Tensor.zeros(stream, DType.BF16, ELEMENTS);
        active = switch (mask) {
            case "random40" -> Tensor.ofBytes(stream, RandomData.mask(23, ELEMENTS, 0.4), ELEMENTS);
            case "none" -> null;
            default -> throw new IllegalArgumentException("mask must be random40 or none, got " + mask);
        };
        gradNorm = Tensor.zeros(stream, DType.F32, 1);
        Ops.globalNorm(stream, List.of(grads), gradNorm);
        step = 0;
    }

    @TearDown
    public void tearDown() {
        for (Tensor t : new Tensor[] {params, grads, expAvg, expAvgSq, copies, active, gradNorm}) {
            if (t != null) {
                t.close();
            }
        }
        stream.close();
    }

    @Benchmark
    public void step() {
        step++;
        Ops.adamwMasked(stream, HYPER, step, List.of(params), List.of(grads), List.of(expAvg), List.of(expAvgSq),
                active == null ? null : List.of(active), List.of(copies), gradNorm, 1.0f);
    }
}
