package dev.lorapar.tests.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.core.Ops;
import dev.lorapar.core.Tensor;
import dev.lorapar.tests.cases.ImportanceCase;
import dev.lorapar.tests.reference.ImportanceRef;
import dev.lorapar.tests.support.Backends;
import dev.lorapar.tests.support.Numerics;
import dev.lorapar.tests.support.Rng;
import dev.lorapar.tests.support.TensorScope;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/** Importance accumulate / finalize / global norm on CUDA against the CPU backend; norm determinism. */
@Tag("gpu")
class GpuImportanceTest {
    @BeforeEach
    void requireCuda() { Backends.assumeCuda(); }

    /** LoRA shapes of a few LLaMA-like layers (r = 8): A [8×4096], B [4096×8], B [11008×8], A [8×11008], an empty one, 400 odd ones. */
    static List<long[]> shapes(Rng rng) {
        List<long[]> s = new ArrayList<>();
        s.add(new long[] {8, 4096});
        s.add(new long[] {4096, 8});
        s.add(new long[] {11008, 8});
        s.add(new long[] {8, 11008});
        s.add(new long[] {0});
        // 32 layers × 6 modules × (A, B) = 384 tensors in LLaMA-2-7B QKVGUD: one launch must cover them all
        for (int i = 0; i < 400; i++) s.add(new long[] {rng.pick(Numerics.ODD_SIZES), rng.pick(1, 3, 8, 13)});
        return s;
    }

    @Test
    void pipelineCudaVsCpu(TestInfo info) {
        Rng rng = Rng.forTest(info);
        for (DType gt : new DType[] {DType.F32, DType.BF16})
            for (DType pt : new DType[] {DType.F32, DType.BF16}) {
                ImportanceCase c = new ImportanceCase(rng, shapes(rng), gt, pt, 3, gt == pt);
                String ctx = c + " " + rng.tag();
                ImportanceCase.Out gpu = c.run(Backends.gpu()), cpu = c.run(Device.CPU);
                c.check(gpu, "cuda " + ctx);
                // both accumulate in f32 from identical stored inputs: the fp32 bound even for bf16 inputs
                Numerics.assertClose("norm cuda vs cpu", new float[] {gpu.norm()}, new float[] {cpu.norm()}, 1e-5, ctx);
            }
    }

    /** lorapar.h: the same inputs give the same bits on the same backend (no atomics-order dependence). */
    @Test
    void globalNormIsDeterministicOnCuda(TestInfo info) {
        Rng rng = Rng.forTest(info);
        List<float[]> data = new ArrayList<>();
        for (long[] shape : shapes(rng)) data.add(rng.gaussian(Numerics.numel(shape), 0.1));
        data.add(rng.gaussian(1 << 20, 1)); // one large tensor: many blocks
        try (TensorScope s = new TensorScope(Backends.gpu())) {
            List<Tensor> xs = new ArrayList<>();
            for (float[] d : data) xs.add(s.of(DType.F32, d, d.length));
            Tensor out = s.poisoned(DType.F32, 1);
            Ops.globalNorm(s.stream(), xs, out);
            float first = s.read(out)[0];
            Numerics.assertClose("norm vs reference", new float[] {first}, new double[] {ImportanceRef.globalNorm(data)}, 1e-5, rng.tag());
            for (int rep = 0; rep < 20; rep++) {
                out.fill(s.stream(), Float.NaN);
                Ops.globalNorm(s.stream(), xs, out);
                assertEquals(Float.floatToRawIntBits(first), Float.floatToRawIntBits(s.read(out)[0]), "repeat " + rep + " " + rng.tag());
            }
        }
    }
}
