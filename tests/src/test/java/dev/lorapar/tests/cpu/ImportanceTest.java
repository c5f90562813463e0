package dev.lorapar.tests.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.core.Ops;
import dev.lorapar.core.Tensor;
import dev.lorapar.tests.cases.ImportanceCase;
import dev.lorapar.tests.reference.ImportanceRef;
import dev.lorapar.tests.support.Numerics;
import dev.lorapar.tests.support.Rng;
import dev.lorapar.tests.support.TensorScope;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Taylor importance on the CPU against the direct formulas: accumulate, finalize, global norm. */
class ImportanceTest {

    static Stream<Arguments> dtypes() {
        Stream.Builder<Arguments> b = Stream.builder();
        for (DType g : new DType[] {DType.F32, DType.BF16})
            for (DType p : new DType[] {DType.F32, DType.BF16})
                for (boolean alias : new boolean[] {false, true}) b.add(Arguments.of(g, p, alias));
        return b.build();
    }

    /** A few LoRA-like shapes of odd sizes, including an empty tensor. */
    static List<long[]> randomShapes(Rng rng) {
        List<long[]> shapes = new ArrayList<>();
        shapes.add(new long[] {rng.pick(1, 2, 3, 5, 8), rng.pick(Numerics.ODD_SIZES)});   // A [r×k]
        shapes.add(new long[] {rng.pick(Numerics.ODD_SIZES), rng.pick(1, 2, 3, 5, 8)});   // B [n×r]
        shapes.add(new long[] {rng.pick(Numerics.ODD_SIZES)});
        shapes.add(new long[] {0});
        shapes.add(new long[] {1});
        return shapes;
    }

    /** numSamples accumulations, finalize, norm: each stage against its formula (see ImportanceCase.check). */
    @ParameterizedTest(name = "grads={0} params={1} aliasS1={2}")
    @MethodSource("dtypes")
    void pipelineMatchesFormula(DType gradType, DType paramType, boolean alias, TestInfo info) {
        Rng rng = Rng.forTest(info);
        for (int numSamples : new int[] {1, 3, 8}) {
            ImportanceCase c = new ImportanceCase(rng, randomShapes(rng), gradType, paramType, numSamples, alias);
            c.check(c.run(Device.CPU), c + " " + rng.tag());
        }
    }

    /** Finalize alone, element by element, on given s1 / s2 of both signs and magnitudes. */
    @Test
    void finalizeDirectFormula(TestInfo info) {
        Rng rng = Rng.forTest(info);
        for (long numSamples : new long[] {1, 7, 100}) {
            int n = rng.pick(Numerics.ODD_SIZES) * 3;
            float[] s1 = rng.uniform(n, -5, 5), s2 = rng.uniform(n, 0, 10); // [n] each
            try (TensorScope s = new TensorScope(Device.CPU)) {
                Tensor t1 = s.of(DType.F32, s1, n), t2 = s.of(DType.F32, s2, n), out = s.poisoned(DType.F32, n);
                Ops.importanceFinalize(s.stream(), List.of(t1), List.of(t2), List.of(out), numSamples);
                float[] got = s.read(out);
                double[] ref = ImportanceRef.finalizeImportance(s1, s2, numSamples);
                String ctx = "n=" + n + " N=" + numSamples + " " + rng.tag();
                Numerics.assertAllFinite("importance", got, ctx);
                for (int i = 0; i < n; i++) {
                    // f32 evaluation of |s1 − ½s2| / N: at most a few roundings of the result.
                    double err = Math.abs(got[i] - ref[i]);
                    if (err > 4e-7 * Math.abs(ref[i]) + 1e-30) {
                        org.junit.jupiter.api.Assertions.fail("importance[" + i + "] = " + got[i] + ", formula " + ref[i]
                                + " (s1=" + s1[i] + " s2=" + s2[i] + ") " + ctx);
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("floatTypes")
    void globalNormIsL2AndDeterministic(DType dt, TestInfo info) {
        Rng rng = Rng.forTest(info);
        for (int rep = 0; rep < 4; rep++) {
            List<float[]> data = new ArrayList<>();
            int count = rng.between(1, 6);
            for (int t = 0; t < count; t++) {
                int n = rep == 3 && t == 0 ? 0 : rng.pick(Numerics.ODD_SIZES) * rng.pick(1, 1, 3, 37);
                data.add(Numerics.storedAs(dt, rng.gaussian(n, rng.pick(1, 10, 1000) * 1e-3)));
            }
            try (TensorScope s = new TensorScope(Device.CPU)) {
                List<Tensor> xs = new ArrayList<>();
                for (float[] d : data) xs.add(s.of(dt, d, d.length));
                Tensor out1 = s.poisoned(DType.F32, 1), out2 = s.poisoned(DType.F32, 1, 1);
                Ops.globalNorm(s.stream(), xs, out1);
                Ops.globalNorm(s.stream(), xs, out2);
                String ctx = dt + " tensors=" + count + " " + rng.tag();
                float[] got = s.read(out1);
                Numerics.assertClose("norm", got, new double[] {ImportanceRef.globalNorm(data)}, 1e-5, ctx);
                Numerics.assertBitsEqual("norm (second call, same inputs)", got, s.read(out2), ctx);
            }
        }
    }

    static Stream<DType> floatTypes() { return Stream.of(DType.F32, DType.BF16); }

    /** All-empty tensors: the norm is exactly 0 (the poison must be overwritten). */
    @Test
    void globalNormOfNothingIsZero() {
        try (TensorScope s = new TensorScope(Device.CPU)) {
            Tensor empty = s.of(DType.F32, new float[0], 0), out = s.poisoned(DType.F32, 1);
            Ops.globalNorm(s.stream(), List.of(empty, empty), out);
            assertEquals(0f, s.read(out)[0]);
        }
    }
}
