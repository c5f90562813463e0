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
 * CPU partition selection: top-mass at θ = 0.9 over 1M and over 17,891,328 importance values (the
 * LoRA element count of LLaMA-2-7B, QKVGUD, r = 8), and the two-set partition that follows it.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class SelectionBench {
    static final double THETA = 0.9;

    @Param({"1048576", "17891328"})
    public int n;

    private Stream stream;
    private Tensor imp1;   // imp1   [n] f32 ≥ 0 (System-1 importance)
    private Tensor imp2;   // imp2   [n] f32 ≥ 0 (System-2 importance)
    private Tensor set1;   // set1   [n] u8, top-mass of imp1
    private Tensor set2;   // set2   [n] u8, top-mass of imp2
    private Tensor mask;   // mask   [n] u8, output of the timed selection
    private Tensor stage1; // stage1 [n] u8
    private Tensor stage2; // stage2 [n] u8
    private Tensor region; // region [n] u8

    @Setup
    public void setup() {
        stream = Stream.create(Device.CPU);
        imp1 = Tensor.of(stream, DType.F32, RandomData.importance(31, n), n);
        imp2 = Tensor.of(stream, DType.F32, RandomData.importance(32, n), n);
        set1 = Tensor.zeros(stream, DType.U8, n);
        set2 = Tensor.zeros(stream, DType.U8, n);
        mask = Tensor.zeros(stream, DType.U8, n);
        stage1 = Tensor.zeros(stream, DType.U8, n);
        stage2 = Tensor.zeros(stream, DType.U8, n);
        region = Tensor.zeros(stream, DType.U8, n);
        Ops.selectTopMass(stream, imp1, THETA, set1);
        Ops.selectTopMass(stream, imp2, THETA, set2);
    }

    @TearDown
    public void tearDown() {
        for (Tensor t : new Tensor[] {imp1, imp2, set1, set2, mask, stage1, stage2, region}) {
            t.close();
        }
        stream.close();
    }

    @Benchmark
    public long selectTopMass() {
        return Ops.selectTopMass(stream, imp1, THETA, mask);
    }

    @Benchmark
    public Ops.PartitionCounts partitionMasks() {
        return Ops.partitionMasks(stream, set1, set2, imp1, imp2, 0.5, 0.5, stage1, stage2, region);
    }
}
