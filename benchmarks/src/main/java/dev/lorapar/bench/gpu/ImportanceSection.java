package dev.lorapar.bench.gpu;

import static dev.lorapar.bench.gpu.Check.fmt;

import dev.lorapar.bench.RandomData;
import dev.lorapar.core.DType;
import dev.lorapar.core.Ops;
import dev.lorapar.core.Stream;
import dev.lorapar.core.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * Section d: Taylor importance over the whole LoRA tensor list of the model (f32 grads and params,
 * as in training), one launch for all tensors. Accumulate counts 24 B/element (grad and param read,
 * s1 and s2 read and written), target ≥ 75% of the copy ceiling; finalize (12 B) and the global
 * L2 norm (4 B) are reported for information.
 */
final class ImportanceSection {
    private ImportanceSection() {}

    static final double MIN_PERCENT_OF_COPY = 75.0;
    static final long NUM_SAMPLES = 100;

    /** One buffer set; each list holds one f32 tensor per LoRA matrix, in LoraTensorList order. */
    private record ImportanceSet(List<Tensor> grads, List<Tensor> params, List<Tensor> s1, List<Tensor> s2,
                                 List<Tensor> importance,
                                 Tensor norm) // norm [1] f32
    {}

    static void run(BenchContext context) {
        Stream stream = context.stream();
        BenchConfig config = context.config();
        List<LoraTensorList.Spec> specs = LoraTensorList.llama(config.loraLayers(), config.loraHidden(),
                config.loraFfn(), config.loraRank());
        long total = LoraTensorList.totalElements(specs);
        int sets = config.rotationSets(5L * 4L * total);
        String shape = fmt("%d tensors, %d el", specs.size(), total);
        try (TensorScope scope = new TensorScope()) {
            ImportanceSet[] data = new ImportanceSet[sets];
            for (int i = 0; i < sets; i++) {
                data[i] = i == 0 ? randomSet(stream, scope, specs) : copySet(stream, scope, data[0]);
            }
            Stats accumulate = context.timer().time(sets, i -> Ops.importanceAccumulate(stream, data[i].grads(),
                    data[i].params(), data[i].s1(), data[i].s2()));
            context.report().bandwidth("d", "importance accumulate (f32 grad, f32 param)", shape, accumulate,
                    24.0 * total, MIN_PERCENT_OF_COPY);
            Stats finalize = context.timer().time(sets, i -> Ops.importanceFinalize(stream, data[i].s1(),
                    data[i].s2(), data[i].importance(), NUM_SAMPLES));
            context.report().bandwidth("d", "importance finalize", shape, finalize, 12.0 * total, null);
            Stats norm = context.timer().time(sets, i -> Ops.globalNorm(stream, data[i].importance(),
                    data[i].norm()));
            context.report().bandwidth("d", "global L2 norm (f32)", shape, norm, 4.0 * total, null);
        }
    }

    private static ImportanceSet randomSet(Stream stream, TensorScope scope, List<LoraTensorList.Spec> specs) {
        List<Tensor> grads = new ArrayList<>();
        List<Tensor> params = new ArrayList<>();
        for (int j = 0; j < specs.size(); j++) {
            LoraTensorList.Spec spec = specs.get(j);
            grads.add(scope.add(RandomData.uniformTensor(stream, DType.F32, 400_000 + j, 1e-3f, spec.rows(),
                    spec.cols())));
            params.add(scope.add(RandomData.uniformTensor(stream, DType.F32, 500_000 + j, 0.01f, spec.rows(),
                    spec.cols())));
        }
        return new ImportanceSet(grads, params, zerosLike(stream, scope, grads), zerosLike(stream, scope, grads),
                zerosLike(stream, scope, grads), scope.add(Tensor.zeros(stream, DType.F32, 1)));
    }

    private static ImportanceSet copySet(Stream stream, TensorScope scope, ImportanceSet source) {
        List<Tensor> grads = source.grads().stream().map(t -> scope.copyOf(stream, t)).toList();
        List<Tensor> params = source.params().stream().map(t -> scope.copyOf(stream, t)).toList();
        return new ImportanceSet(grads, params, zerosLike(stream, scope, grads), zerosLike(stream, scope, grads),
                zerosLike(stream, scope, grads), scope.add(Tensor.zeros(stream, DType.F32, 1)));
    }

    /** f32 zeros with the shapes of the given tensors. */
    static List<Tensor> zerosLike(Stream stream, TensorScope scope, List<Tensor> like) {
        List<Tensor> zeros = new ArrayList<>(like.size());
        for (Tensor t : like) {
            zeros.add(scope.add(Tensor.zeros(stream, DType.F32, t.shape())));
        }
        return zeros;
    }
}
