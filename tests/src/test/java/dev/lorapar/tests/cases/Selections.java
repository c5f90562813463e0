package dev.lorapar.tests.cases;

import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.core.Ops;
import dev.lorapar.core.Ops.PartitionCounts;
import dev.lorapar.core.Tensor;
import dev.lorapar.tests.support.Rng;
import dev.lorapar.tests.support.TensorScope;
import java.util.Arrays;

/** Runs the selection ops on a device with 0xAB-poisoned U8 outputs and reads everything back. */
public final class Selections {
    private Selections() {}

    /** A mask [n] and the count the op returned. */
    public record Selected(byte[] mask, long count) {}

    /** The four outputs of partitionMasks (region null when not requested). */
    public record Parted(byte[] stage1, byte[] stage2, byte[] region, long[] counts) {}

    public static Selected topMass(Device device, float[] importance, double theta, long... shape) {
        long[] sh = shape.length == 0 ? new long[] {importance.length} : shape;
        try (TensorScope s = new TensorScope(device)) {
            Tensor imp = s.of(DType.F32, importance, sh), out = s.poisoned(DType.U8, sh);
            long count = Ops.selectTopMass(s.stream(), imp, theta, out);
            return new Selected(s.bytes(out), count);
        }
    }

    public static Selected topK(Device device, float[] values, byte[] candidates, long k) {
        int n = values.length;
        try (TensorScope s = new TensorScope(device)) {
            Tensor v = s.of(DType.F32, values, n), out = s.poisoned(DType.U8, n);
            long count = Ops.selectTopK(s.stream(), v, s.mask(candidates, n), k, out);
            return new Selected(s.bytes(out), count);
        }
    }

    public static Parted partition(Device device, byte[] set1, byte[] set2, float[] imp1, float[] imp2,
                                   double alpha, double beta, boolean withRegion) {
        int n = set1.length;
        try (TensorScope s = new TensorScope(device)) {
            Tensor st1 = s.poisoned(DType.U8, n), st2 = s.poisoned(DType.U8, n);
            Tensor region = withRegion ? s.poisoned(DType.U8, n) : null;
            PartitionCounts c = Ops.partitionMasks(s.stream(), s.mask(set1, n), s.mask(set2, n),
                    s.of(DType.F32, imp1, n), s.of(DType.F32, imp2, n), alpha, beta, st1, st2, region);
            long[] counts = {c.s1Only(), c.s2Only(), c.shared(), c.stage1(), c.stage2()};
            return new Parted(s.bytes(st1), s.bytes(st2), region == null ? null : s.bytes(region), counts);
        }
    }

    /** Adversarial importance vectors (finite, ≥ 0) by name, for top-mass and partition tests. */
    public static float[] adversarial(String kind, int n, Rng rng) {
        float[] v = new float[n]; // [n]
        switch (kind) {
            case "ties" -> Arrays.fill(v, 0.25f);
            case "zeros" -> { /* all +0 */ }
            case "signed-zeros" -> { for (int i = 0; i < n; i++) v[i] = (i % 2 == 0) ? -0.0f : 0.0f; }
            case "one-dominant" -> {
                for (int i = 0; i < n; i++) v[i] = 1e-10f * (1 + rng.nextInt(5));
                v[rng.nextInt(n)] = 1e30f;
            }
            case "denormals" -> {
                for (int i = 0; i < n; i++) v[i] = Float.MIN_VALUE * (1 + rng.nextInt(1000));
            }
            case "denormals-and-normal" -> {
                for (int i = 0; i < n; i++) v[i] = Float.MIN_VALUE * rng.nextInt(50);
                v[rng.nextInt(n)] = Float.MIN_NORMAL * 3;
            }
            case "huge" -> { // Σ overflows f32 many times over; exact integer arithmetic must not
                for (int i = 0; i < n; i++) v[i] = Float.MAX_VALUE * (float) (0.25 + 0.75 * rng.nextDouble());
                v[rng.nextInt(n)] = Float.MAX_VALUE;
            }
            case "ulp-ties" -> { // neighbours one ulp apart plus exact ties
                for (int i = 0; i < n; i++) v[i] = switch (rng.nextInt(3)) {
                    case 0 -> 1.0f;
                    case 1 -> Math.nextUp(1.0f);
                    default -> Math.nextDown(1.0f);
                };
            }
            case "heavy-tail" -> {
                for (int i = 0; i < n; i++) v[i] = (float) Math.pow(10, -12 + 14 * rng.nextDouble());
            }
            case "with-zeros" -> {
                for (int i = 0; i < n; i++) v[i] = rng.nextInt(3) == 0 ? 0f : (float) rng.nextDouble();
            }
            default -> throw new IllegalArgumentException("unknown adversarial kind " + kind);
        }
        return v;
    }

    public static final String[] ADVERSARIAL = {"ties", "zeros", "signed-zeros", "one-dominant", "denormals",
            "denormals-and-normal", "huge", "ulp-ties", "heavy-tail", "with-zeros"};

    /** Random non-negative importance of the kind used in practice: |N(0,1)|³ spread over decades. */
    public static float[] randomImportance(int n, Rng rng) {
        float[] g = rng.gaussian(n, 1.0);
        for (int i = 0; i < n; i++) g[i] = Math.abs(g[i] * g[i] * g[i]) * 1e-3f;
        return g;
    }
}
