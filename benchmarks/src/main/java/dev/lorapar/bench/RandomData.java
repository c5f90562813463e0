package dev.lorapar.bench;

import dev.lorapar.core.DType;
import dev.lorapar.core.Stream;
import dev.lorapar.core.Tensor;
import java.util.SplittableRandom;

/** Seeded random inputs shared by the JMH benchmarks and GpuBench (host arrays, uploaded by the caller). */
public final class RandomData {
    private RandomData() {}

    /** values [n], uniform in [-scale, scale). */
    public static float[] uniform(long seed, int n, float scale) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) ((random.nextDouble() * 2.0 - 1.0) * scale);
        }
        return values;
    }

    /** importance [n], ≥ 0 and heavy-tailed (u⁴ · 1e-3), like Taylor importance scores. */
    public static float[] importance(long seed, int n) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            double u = random.nextDouble();
            values[i] = (float) (u * u * u * u * 1e-3);
        }
        return values;
    }

    /** mask [n] u8: 1 with probability activeFraction, else 0. */
    public static byte[] mask(long seed, int n, double activeFraction) {
        SplittableRandom random = new SplittableRandom(seed);
        byte[] mask = new byte[n];
        for (int i = 0; i < n; i++) {
            mask[i] = (byte) (random.nextDouble() < activeFraction ? 1 : 0);
        }
        return mask;
    }

    /** A new tensor of the given shape on the stream's device holding uniform(seed, numel, scale). */
    public static Tensor uniformTensor(Stream stream, DType dtype, long seed, float scale, long... shape) {
        return Tensor.of(stream, dtype, uniform(seed, hostLength(shape), scale), shape);
    }

    /** numel of shape as an int, for host arrays; IllegalArgumentException when it does not fit one. */
    public static int hostLength(long... shape) {
        long numel = 1;
        for (long dim : shape) {
            numel = Math.multiplyExact(numel, dim);
        }
        if (numel > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("a host array cannot hold " + numel + " elements");
        }
        return (int) numel;
    }
}
