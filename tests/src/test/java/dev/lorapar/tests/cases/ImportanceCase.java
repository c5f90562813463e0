package dev.lorapar.tests.cases;

import static org.junit.jupiter.api.Assertions.fail;

import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.core.Ops;
import dev.lorapar.core.Tensor;
import dev.lorapar.tests.reference.ImportanceRef;
import dev.lorapar.tests.support.Numerics;
import dev.lorapar.tests.support.Rng;
import dev.lorapar.tests.support.TensorScope;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The importance pipeline over several tensors: numSamples × importanceAccumulate (fresh grads
 * each sample, fixed params), then importanceFinalize (into new tensors or aliasing s1), then
 * globalNorm of the importance. Inputs are pre-rounded to their dtypes.
 */
public final class ImportanceCase {
    public final List<long[]> shapes;
    public final DType gradType, paramType;
    public final int numSamples;
    public final boolean aliasS1;
    public final List<float[]> params = new ArrayList<>();        // per tensor [numel]
    public final List<List<float[]>> grads = new ArrayList<>();   // per sample, per tensor [numel]

    public ImportanceCase(Rng rng, List<long[]> shapes, DType gradType, DType paramType, int numSamples, boolean aliasS1) {
        this.shapes = shapes;
        this.gradType = gradType;
        this.paramType = paramType;
        this.numSamples = numSamples;
        this.aliasS1 = aliasS1;
        for (long[] shape : shapes) params.add(Numerics.storedAs(paramType, rng.uniform(Numerics.numel(shape), -1, 1)));
        for (int smp = 0; smp < numSamples; smp++) {
            List<float[]> g = new ArrayList<>();
            for (long[] shape : shapes) g.add(Numerics.storedAs(gradType, rng.uniform(Numerics.numel(shape), -1, 1)));
            grads.add(g);
        }
    }

    /** s1, s2 after accumulation, importance after finalize, and the global norm of importance. */
    public record Out(List<float[]> s1, List<float[]> s2, List<float[]> importance, float norm) {}

    public Out run(Device device) {
        try (TensorScope s = new TensorScope(device)) {
            List<Tensor> tParams = new ArrayList<>(), tGrads = new ArrayList<>(), s1 = new ArrayList<>(), s2 = new ArrayList<>();
            for (int t = 0; t < shapes.size(); t++) {
                long[] shape = shapes.get(t);
                tParams.add(s.of(paramType, params.get(t), shape));
                tGrads.add(s.poisoned(gradType, shape));
                s1.add(s.zeros(DType.F32, shape));
                s2.add(s.zeros(DType.F32, shape));
            }
            for (List<float[]> sample : grads) {
                for (int t = 0; t < shapes.size(); t++) tGrads.get(t).copyFrom(s.stream(), sample.get(t));
                Ops.importanceAccumulate(s.stream(), tGrads, tParams, s1, s2);
            }
            List<float[]> s1Out = new ArrayList<>(), s2Out = new ArrayList<>(), impOut = new ArrayList<>();
            for (int t = 0; t < shapes.size(); t++) { s1Out.add(s.read(s1.get(t))); s2Out.add(s.read(s2.get(t))); }
            List<Tensor> imp = new ArrayList<>();
            for (int t = 0; t < shapes.size(); t++) imp.add(aliasS1 ? s1.get(t) : s.poisoned(DType.F32, shapes.get(t)));
            Ops.importanceFinalize(s.stream(), s1, s2, imp, numSamples);
            for (Tensor t : imp) impOut.add(s.read(t));
            Tensor norm = s.poisoned(DType.F32, 1);
            Ops.globalNorm(s.stream(), imp, norm);
            return new Out(s1Out, s2Out, impOut, s.read(norm)[0]);
        }
    }

    /**
     * Checks got against the formulas, stage by stage:
     * s1, s2 element-wise against double sums within the f32 summation bound
     * |err| ≤ (N+4)·2^-24·Σ|terms| (a relative norm would be unfair where Σ g·p cancels);
     * importance element-wise against |s1 − ½·s2| / N of the s1, s2 the op itself produced (≤ 1e-6
     * relative: a few f32 roundings); the norm against sqrt(Σ importance²) in double (≤ 1e-5).
     */
    public void check(Out got, String ctx) {
        double unit = Math.scalb(1.0, -24);
        double normSq = 0;
        for (int t = 0; t < shapes.size(); t++) {
            int n = Numerics.numel(shapes.get(t));
            double[] s1 = new double[n], s2 = new double[n], abs1 = new double[n]; // [n] each
            for (List<float[]> sample : grads) {
                ImportanceRef.accumulate(sample.get(t), params.get(t), s1, s2);
                for (int i = 0; i < n; i++) abs1[i] += Math.abs((double) sample.get(t)[i] * params.get(t)[i]);
            }
            float[] g1 = got.s1().get(t), g2 = got.s2().get(t), imp = got.importance().get(t);
            Numerics.assertAllFinite("s1[" + t + "]", g1, ctx);
            Numerics.assertAllFinite("s2[" + t + "]", g2, ctx);
            Numerics.assertAllFinite("importance[" + t + "]", imp, ctx);
            double bound = (numSamples + 4) * unit; // N−1 additions + the product and square roundings
            for (int i = 0; i < n; i++) {
                within("s1[" + t + "][" + i + "]", g1[i], s1[i], bound * abs1[i] + 1e-37, ctx);
                within("s2[" + t + "][" + i + "]", g2[i], s2[i], bound * s2[i] + 1e-37, ctx);
            }
            double[] expected = ImportanceRef.finalizeImportance(g1, g2, numSamples);
            for (int i = 0; i < n; i++) {
                within("importance[" + t + "][" + i + "]", imp[i], expected[i], 1e-6 * Math.abs(expected[i]) + 1e-37, ctx);
                normSq += (double) imp[i] * imp[i];
            }
        }
        Numerics.assertClose("norm", new float[] {got.norm()}, new double[] {Math.sqrt(normSq)}, 1e-5, ctx);
    }

    static void within(String name, float got, double ref, double tolerance, String ctx) {
        if (!(Math.abs(got - ref) <= tolerance)) {
            fail(String.format("%s = %s, formula %s (|diff| %.3e > %.3e) %s",
                    name, got, ref, Math.abs(got - ref), tolerance, ctx));
        }
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("importance(grads=" + gradType + " params=" + paramType + " N=" + numSamples
                + (aliasS1 ? " alias" : "") + " shapes=");
        for (long[] sh : shapes) sb.append(Arrays.toString(sh));
        return sb.append(')').toString();
    }
}
