package dev.lorapar.bench.gpu;

import static dev.lorapar.bench.gpu.Check.fmt;

import dev.lorapar.bench.RandomData;
import dev.lorapar.core.DType;
import dev.lorapar.core.MaskMode;
import dev.lorapar.core.Ops;
import dev.lorapar.core.Stream;
import dev.lorapar.core.Tensor;

/**
 * Sections a–c for one linear layer of width N (bf16, M tokens, K in-features):
 *   a) the dense base GEMM y = x·wᵀ alone;
 *   b) base + LoRA in one call (Ops.loraLinearForward), GRADIENT mode with ~40% masks and without
 *      masks: ratio to (a), target ≤ 1.08×; masked vs unmasked within 2% (the two timed in
 *      alternation, ≥ 50 samples each; the median of the per-pair ratios);
 *   c) the dense dX GEMM dx = dy·w alone, and the whole LoRA layer backward in one call
 *      (Ops.loraLinearBackward: dx = dy·w + LoRA term, dA, dB; beta_dx = 0; GRADIENT mode with ~40%
 *      masks): ratio to the dense dX GEMM, target ≤ 1.15×.
 */
final class LinearSection {
    private LinearSection() {}

    static final double FORWARD_RATIO_LIMIT = 1.08;
    static final double BACKWARD_RATIO_LIMIT = 1.15;
    static final double MASKED_DELTA_LIMIT_PERCENT = 2.0;
    static final double ACTIVE_FRACTION = 0.4;
    static final float LORA_ALPHA = 64f; // scale = alpha / r, as in the method
    static final int MIN_PAIRED_SAMPLES = 50; // masked vs unmasked: samples of each, at least

    /** The dense tensors of one buffer set, all bf16. */
    private record DenseSet(Tensor x,   // x  [M×K]
                            Tensor w,   // w  [N×K]
                            Tensor y,   // y  [M×N]
                            Tensor dy,  // dy [M×N]
                            Tensor dx)  // dx [M×K]
    {}

    /** The LoRA tensors of one buffer set. */
    private record LoraSet(Tensor a,     // a     [r×K] bf16
                           Tensor maskA, // maskA [r×K] u8, ~40% active
                           Tensor b,     // b     [N×r] bf16
                           Tensor maskB, // maskB [N×r] u8, ~40% active
                           Tensor u,     // u     [M×r] bf16 (written by the forward, read by the backward)
                           Tensor g,     // g     [M×r] bf16 scratch
                           Tensor da,    // da    [r×K] f32
                           Tensor db)    // db    [N×r] f32
    {}

    static void run(BenchContext context, long n) {
        Stream stream = context.stream();
        BenchConfig config = context.config();
        long m = config.tokens();
        long k = config.hidden();
        long setBytes = 2L * (m * k + n * k + m * n + m * n + m * k);
        int sets = config.rotationSets(setBytes);
        String shape = fmt("M=%d K=%d N=%d", m, k, n);
        try (TensorScope scope = new TensorScope()) {
            DenseSet[] dense = denseSets(stream, scope, sets, m, k, n);
            Stats base = context.timer().time(sets, i -> Ops.gemm(stream, false, true, 1f, dense[i].x(), dense[i].w(),
                    0f, dense[i].y()));
            context.report().compute("a", "base GEMM y = x*w^T", shape, base, 2.0 * m * n * k, null);
            Stats baseDx = context.timer().time(sets, i -> Ops.gemm(stream, false, false, 1f, dense[i].dy(),
                    dense[i].w(), 0f, dense[i].dx()));
            context.report().compute("c", "dense dX = dy*w", shape, baseDx, 2.0 * m * n * k, null);
            for (int r : config.ranks()) {
                runRank(context, dense, r, base, baseDx, shape);
            }
        }
    }

    private static void runRank(BenchContext context, DenseSet[] dense, int r, Stats base, Stats baseDx,
                                String layerShape) {
        Stream stream = context.stream();
        BenchConfig config = context.config();
        Report report = context.report();
        long m = config.tokens();
        long k = config.hidden();
        long n = dense[0].w().dim(0);
        float scale = LORA_ALPHA / r;
        String shape = layerShape + " r=" + r;
        int sets = dense.length;
        try (TensorScope scope = new TensorScope()) {
            LoraSet[] lora = loraSets(stream, scope, sets, m, k, n, r);

            Timer.Paired forward = context.timer().timePaired(sets, Math.max(MIN_PAIRED_SAMPLES, config.samples()),
                    i -> Ops.loraLinearForward(stream, scale, dense[i].x(), dense[i].w(), 0f, lora[i].a(),
                            lora[i].maskA(), lora[i].b(), lora[i].maskB(), MaskMode.GRADIENT, lora[i].u(),
                            dense[i].y()),
                    i -> Ops.loraLinearForward(stream, scale, dense[i].x(), dense[i].w(), 0f, lora[i].a(), null,
                            lora[i].b(), null, MaskMode.GRADIENT, lora[i].u(), dense[i].y()));
            Stats masked = forward.first();
            Stats unmasked = forward.second();
            double forwardFlop = 2.0 * m * n * k + 2.0 * m * k * r + 2.0 * m * n * r;
            report.compute("b", "LoRA layer fwd, GRADIENT masks 40% / (a)", shape, masked, forwardFlop,
                    Check.ratioAtMost(masked.medianMillis() / base.medianMillis(), FORWARD_RATIO_LIMIT));
            report.compute("b", "LoRA layer fwd, no masks / (a)", shape, unmasked, forwardFlop,
                    Check.ratioAtMost(unmasked.medianMillis() / base.medianMillis(), FORWARD_RATIO_LIMIT));
            report.comparison("b", "LoRA layer fwd, masked vs no masks (median of interleaved pairs)", shape,
                    Check.deltaWithin(100.0 * (forward.medianRatio() - 1.0), MASKED_DELTA_LIMIT_PERCENT));

            // dx [M×K] = dy·w + scale·(dy·B)·A (beta_dx = 0: dx not read), dA [r×K], dB [N×r]
            Stats backward = context.timer().time(sets, i -> Ops.loraLinearBackward(stream, scale, dense[i].x(),
                    dense[i].w(), lora[i].a(), lora[i].maskA(), lora[i].b(), lora[i].maskB(), MaskMode.GRADIENT,
                    lora[i].u(), dense[i].dy(), lora[i].g(), 0f, dense[i].dx(), lora[i].da(), lora[i].db(), false));
            double backwardFlop = 2.0 * m * n * k + 4.0 * m * r * (n + k);
            report.compute("c", "LoRA layer bwd (dX,dA,dB) / dense dX", shape, backward, backwardFlop,
                    Check.ratioAtMost(backward.medianMillis() / baseDx.medianMillis(), BACKWARD_RATIO_LIMIT));
        }
    }

    /** Set 0 is random; the others are device copies of it (same values, other addresses). */
    private static DenseSet[] denseSets(Stream stream, TensorScope scope, int sets, long m, long k, long n) {
        DenseSet[] dense = new DenseSet[sets];
        Tensor x0 = scope.add(RandomData.uniformTensor(stream, DType.BF16, 201, 1f, m, k));
        Tensor w0 = scope.add(RandomData.uniformTensor(stream, DType.BF16, 202, 0.02f, n, k));
        Tensor dy0 = scope.add(RandomData.uniformTensor(stream, DType.BF16, 203, 1f, m, n));
        for (int i = 0; i < sets; i++) {
            dense[i] = new DenseSet(
                    i == 0 ? x0 : scope.copyOf(stream, x0),
                    i == 0 ? w0 : scope.copyOf(stream, w0),
                    scope.add(Tensor.zeros(stream, DType.BF16, m, n)),
                    i == 0 ? dy0 : scope.copyOf(stream, dy0),
                    scope.add(Tensor.zeros(stream, DType.BF16, m, k)));
        }
        return dense;
    }

    private static LoraSet[] loraSets(Stream stream, TensorScope scope, int sets, long m, long k, long n, int r) {
        byte[] maskA = RandomData.mask(301 + r, RandomData.hostLength(r, k), ACTIVE_FRACTION);
        byte[] maskB = RandomData.mask(302 + r, RandomData.hostLength(n, r), ACTIVE_FRACTION);
        LoraSet[] lora = new LoraSet[sets];
        for (int i = 0; i < sets; i++) {
            lora[i] = new LoraSet(
                    scope.add(RandomData.uniformTensor(stream, DType.BF16, 303 + 2 * i, 0.01f, r, k)),
                    scope.add(Tensor.ofBytes(stream, maskA, r, k)),
                    scope.add(RandomData.uniformTensor(stream, DType.BF16, 304 + 2 * i, 0.01f, n, r)),
                    scope.add(Tensor.ofBytes(stream, maskB, n, r)),
                    scope.add(Tensor.zeros(stream, DType.BF16, m, r)),
                    scope.add(Tensor.zeros(stream, DType.BF16, m, r)),
                    scope.add(Tensor.zeros(stream, DType.F32, r, k)),
                    scope.add(Tensor.zeros(stream, DType.F32, n, r)));
        }
        return lora;
    }
}
