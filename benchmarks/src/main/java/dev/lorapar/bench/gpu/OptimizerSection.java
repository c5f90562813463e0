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
 * Section e: one fused masked AdamW step over the whole LoRA tensor list (f32 params, grads and
 * moments, bf16 parameter copies, clipping by a precomputed gradient norm), with ~40% active masks
 * and with every element active (no masks). GB/s of the bytes the memory system actually moves,
 * target ≥ 75% of the copy ceiling.
 */
final class OptimizerSection {
    private OptimizerSection() {}

    static final double MIN_PERCENT_OF_COPY = 75.0;
    static final double ACTIVE_FRACTION = 0.4;
    static final float MAX_GRAD_NORM = 1.0f;
    static final Ops.AdamW HYPER = new Ops.AdamW(1e-4f, 0.9f, 0.999f, 1e-8f, 0.01f);
    static final int SECTOR_BYTES = 32;

    /** One buffer set; each list holds one tensor per LoRA matrix, in LoraTensorList order. */
    private record OptimizerSet(List<Tensor> params,   // f32
                                List<Tensor> grads,    // f32
                                List<Tensor> expAvg,   // f32
                                List<Tensor> expAvgSq, // f32
                                List<Tensor> copies,   // bf16
                                List<Tensor> masks,    // u8, ~40% active
                                Tensor gradNorm)       // gradNorm [1] f32
    {}

    static void run(BenchContext context) {
        Stream stream = context.stream();
        BenchConfig config = context.config();
        List<LoraTensorList.Spec> specs = LoraTensorList.llama(config.loraLayers(), config.loraHidden(),
                config.loraFfn(), config.loraRank());
        long total = LoraTensorList.totalElements(specs);
        int sets = config.rotationSets(total * (4L * 4L + 2L + 1L));
        String shape = fmt("%d tensors, %d el", specs.size(), total);
        byte[][] hostMasks = new byte[specs.size()][];
        for (int j = 0; j < specs.size(); j++) {
            hostMasks[j] = RandomData.mask(600_000 + j, RandomData.hostLength(specs.get(j).numel()), ACTIVE_FRACTION);
        }
        try (TensorScope scope = new TensorScope()) {
            OptimizerSet[] data = new OptimizerSet[sets];
            for (int i = 0; i < sets; i++) {
                data[i] = makeSet(stream, scope, specs, hostMasks, i == 0 ? null : data[0]);
            }
            long[] step = {0};
            Stats masked = context.timer().time(sets, i -> Ops.adamwMasked(stream, HYPER, ++step[0],
                    data[i].params(), data[i].grads(), data[i].expAvg(), data[i].expAvgSq(), data[i].masks(),
                    data[i].copies(), data[i].gradNorm(), MAX_GRAD_NORM));
            context.report().bandwidth("e", "AdamW masked 40% (f32, bf16 copies)", shape, masked,
                    maskedTouchedBytes(hostMasks), MIN_PERCENT_OF_COPY);
            Stats allActive = context.timer().time(sets, i -> Ops.adamwMasked(stream, HYPER, ++step[0],
                    data[i].params(), data[i].grads(), data[i].expAvg(), data[i].expAvgSq(), null,
                    data[i].copies(), data[i].gradNorm(), MAX_GRAD_NORM));
            context.report().bandwidth("e", "AdamW all active, no masks", shape, allActive, 30.0 * total,
                    MIN_PERCENT_OF_COPY);
        }
    }

    /** A buffer set: random params and grads (or device copies of source's), zero moments and copies. */
    private static OptimizerSet makeSet(Stream stream, TensorScope scope, List<LoraTensorList.Spec> specs,
                                        byte[][] hostMasks, OptimizerSet source) {
        List<Tensor> params = new ArrayList<>();
        List<Tensor> grads = new ArrayList<>();
        List<Tensor> masks = new ArrayList<>();
        List<Tensor> copies = new ArrayList<>();
        for (int j = 0; j < specs.size(); j++) {
            LoraTensorList.Spec spec = specs.get(j);
            if (source == null) {
                params.add(scope.add(RandomData.uniformTensor(stream, DType.F32, 700_000 + j, 0.01f, spec.rows(),
                        spec.cols())));
                grads.add(scope.add(RandomData.uniformTensor(stream, DType.F32, 800_000 + j, 1e-3f, spec.rows(),
                        spec.cols())));
            } else {
                params.add(scope.copyOf(stream, source.params().get(j)));
                grads.add(scope.copyOf(stream, source.grads().get(j)));
            }
            masks.add(scope.add(Tensor.ofBytes(stream, hostMasks[j], spec.rows(), spec.cols())));
            copies.add(scope.add(Tensor.zeros(stream, DType.BF16, spec.rows(), spec.cols())));
        }
        Tensor gradNorm = scope.add(Tensor.zeros(stream, DType.F32, 1));
        Ops.globalNorm(stream, grads, gradNorm);
        return new OptimizerSet(params, grads, ImportanceSection.zerosLike(stream, scope, params),
                ImportanceSection.zerosLike(stream, scope, params), copies, masks, gradNorm);
    }

    /**
     * Bytes a masked step moves: every mask byte, plus each 32-byte sector holding at least one
     * active element of param, m, v (read and written), grad (read) and the bf16 copy (written).
     * Tensors start sector-aligned (device allocations are 256-byte aligned).
     */
    static long maskedTouchedBytes(byte[][] masks) {
        long bytes = 0;
        for (byte[] mask : masks) {
            bytes += mask.length;
            bytes += 7 * activeSectorBytes(mask, 4);
            bytes += activeSectorBytes(mask, 2);
        }
        return bytes;
    }

    /** Bytes of the sectors of an array of elementBytes-sized elements that hold an active element. */
    static long activeSectorBytes(byte[] mask, int elementBytes) {
        int perSector = SECTOR_BYTES / elementBytes;
        long bytes = 0;
        for (int start = 0; start < mask.length; start += perSector) {
            int end = Math.min(mask.length, start + perSector);
            for (int i = start; i < end; i++) {
                if (mask[i] != 0) {
                    bytes += (long) (end - start) * elementBytes;
                    break;
                }
            }
        }
        return bytes;
    }
}
