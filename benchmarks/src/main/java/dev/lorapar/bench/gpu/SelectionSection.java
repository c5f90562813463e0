package dev.lorapar.bench.gpu;

import static dev.lorapar.bench.gpu.Check.fmt;

import dev.lorapar.bench.RandomData;
import dev.lorapar.core.DType;
import dev.lorapar.core.Ops;
import dev.lorapar.core.Stream;
import dev.lorapar.core.Tensor;

/**
 * Section f: the partition of the method over every LoRA element of the model: top-mass selection
 * at θ = 0.9 of one system's importance (target < 50 ms wall, the op synchronizes), and the
 * two-system partition that follows it (held to the same 50 ms).
 */
final class SelectionSection {
    private SelectionSection() {}

    static final double THETA = 0.9;
    static final double MAX_MILLIS = 50.0;

    static void run(BenchContext context) {
        Stream stream = context.stream();
        BenchConfig config = context.config();
        long n = LoraTensorList.totalElements(LoraTensorList.llama(config.loraLayers(), config.loraHidden(),
                config.loraFfn(), config.loraRank()));
        int hostN = RandomData.hostLength(n);
        String shape = fmt("n=%d", n);
        try (TensorScope scope = new TensorScope()) {
            Tensor imp1 = scope.add(Tensor.of(stream, DType.F32, RandomData.importance(901, hostN), n)); // [n] f32
            Tensor imp2 = scope.add(Tensor.of(stream, DType.F32, RandomData.importance(902, hostN), n)); // [n] f32
            Tensor set1 = scope.add(Tensor.zeros(stream, DType.U8, n));   // set1   [n] u8
            Tensor set2 = scope.add(Tensor.zeros(stream, DType.U8, n));   // set2   [n] u8
            Tensor mask = scope.add(Tensor.zeros(stream, DType.U8, n));   // mask   [n] u8
            Tensor stage1 = scope.add(Tensor.zeros(stream, DType.U8, n)); // stage1 [n] u8
            Tensor stage2 = scope.add(Tensor.zeros(stream, DType.U8, n)); // stage2 [n] u8
            Tensor region = scope.add(Tensor.zeros(stream, DType.U8, n)); // region [n] u8
            long selected = Ops.selectTopMass(stream, imp1, THETA, set1);
            Ops.selectTopMass(stream, imp2, THETA, set2);

            Tensor[] importance = {imp1, imp2};
            Stats select = context.timer().wall(importance.length,
                    i -> Ops.selectTopMass(stream, importance[i], THETA, mask));
            context.report().latency("f", fmt("selectTopMass theta=0.9 (%.1f%% selected)", 100.0 * selected / n),
                    shape, select, MAX_MILLIS);
            Stats partition = context.timer().wall(1, i -> Ops.partitionMasks(stream, set1, set2, imp1, imp2, 0.5,
                    0.5, stage1, stage2, region));
            context.report().latency("f", "partitionMasks alpha=beta=0.5", shape, partition, MAX_MILLIS);
        }
    }
}
