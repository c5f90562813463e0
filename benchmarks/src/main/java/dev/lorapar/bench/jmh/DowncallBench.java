package dev.lorapar.bench.jmh;

import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.core.Lorapar;
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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The price of crossing the FFM boundary: a call that does nothing but return a constant, and the
 * smallest real op (a 1-element fill on a CPU stream: Java validation + downcall + status check).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class DowncallBench {
    private Stream stream;
    private Tensor one; // one [1] f32

    @Setup
    public void setup() {
        stream = Stream.create(Device.CPU);
        one = Tensor.zeros(stream, DType.F32, 1);
    }

    @TearDown
    public void tearDown() {
        one.close();
        stream.close();
    }

    @Benchmark
    public int abiVersion() {
        return Lorapar.abiVersion();
    }

    @Benchmark
    public void fillOneElement() {
        Ops.fill(stream, one, 1.0);
    }
}
