package dev.lorapar.bench.gpu;

import static dev.lorapar.bench.gpu.Check.fmt;

import dev.lorapar.bench.RandomData;
import dev.lorapar.core.DType;
import dev.lorapar.core.Ops;
import dev.lorapar.core.Stream;
import dev.lorapar.core.Tensor;

/**
 * Section 0: this device's own ceilings, measured first, against which every other row is read:
 * a large device-to-device copy (Ops.copy; bytes read + written) and a large bf16 GEMM (Ops.gemm).
 */
final class CeilingSection {
    private CeilingSection() {}

    static void run(BenchContext context) {
        copy(context);
        gemm(context);
    }

    private static void copy(BenchContext context) {
        Stream stream = context.stream();
        long bytes = context.config().copyBytes();
        try (TensorScope scope = new TensorScope()) {
            Tensor src = scope.add(Tensor.zeros(stream, DType.U8, bytes)); // src [bytes] u8
            Tensor dst = scope.add(Tensor.zeros(stream, DType.U8, bytes)); // dst [bytes] u8
            Stats stats = context.timer().time(1, set -> Ops.copy(stream, src, dst));
            context.report().copyCeiling("device copy (Ops.copy, read + write)",
                    bytes >= BenchConfig.GIB ? fmt("%.2f GiB", bytes / (double) BenchConfig.GIB)
                            : fmt("%d MiB", bytes / BenchConfig.MIB), stats, 2.0 * bytes);
        }
    }

    private static void gemm(BenchContext context) {
        Stream stream = context.stream();
        long n = context.config().ceilingGemmSize();
        try (TensorScope scope = new TensorScope()) {
            Tensor a = scope.add(RandomData.uniformTensor(stream, DType.BF16, 101, 1f, n, n)); // a [n×n] bf16
            Tensor b = scope.add(RandomData.uniformTensor(stream, DType.BF16, 102, 1f, n, n)); // b [n×n] bf16
            Tensor c = scope.add(Tensor.zeros(stream, DType.BF16, n, n));                      // c [n×n] bf16
            Stats stats = context.timer().time(1, set -> Ops.gemm(stream, false, true, 1f, a, b, 0f, c));
            context.report().gemmCeiling("bf16 GEMM c = a*b^T (Ops.gemm)", fmt("%d^3", n), stats,
                    2.0 * n * n * n);
        }
    }
}
