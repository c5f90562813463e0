package dev.lorapar.tests.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.core.Stream;
import dev.lorapar.core.Tensor;
import dev.lorapar.tests.reference.AdamWRef;
import dev.lorapar.tests.support.Numerics;
import dev.lorapar.tests.support.Rng;
import dev.lorapar.train.MaskedAdamW;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * MaskedAdamW against a double-precision AdamW (AdamWRef) over several steps: fp32 masters, clipping by the global
 * norm of all gradients, masked elements bit-identical in the model's tensors (F32 and BF16 targets), state export
 * and reload continuing exactly.
 */
class MaskedAdamWTest {
    @Test
    void matchesTheReferenceAndLeavesMaskedElements(TestInfo info) {
        Rng rng = Rng.forTest(info);
        for (DType targetType : new DType[] {DType.F32, DType.BF16}) {
            try (Stream s = Stream.create(Device.CPU)) {
                int[] sizes = {rng.pick(1, 7, 13), rng.pick(31, 61), 127};
                List<Tensor> owned = new ArrayList<>();
                List<MaskedAdamW.Param> params = new ArrayList<>();
                List<double[]> refP = new ArrayList<>(), refM = new ArrayList<>(), refV = new ArrayList<>();
                List<byte[]> masks = new ArrayList<>();
                List<float[]> initial = new ArrayList<>();
                for (int i = 0; i < sizes.length; i++) {
                    float[] w = rng.gaussian(sizes[i], 0.5);
                    Tensor target = Tensor.of(s, targetType, w, sizes[i]);
                    float[] start = target.toFloatArray(s); // bf16-rounded when BF16
                    byte[] mask = i == 0 ? null : rng.mask(sizes[i], Rng.MaskKind.RANDOM);
                    Tensor maskT = mask == null ? null : Tensor.ofBytes(s, mask, sizes[i]);
                    Tensor grad = Tensor.zeros(s, DType.F32, sizes[i]);
                    owned.add(target);
                    owned.add(grad);
                    if (maskT != null) {
                        owned.add(maskT);
                    }
                    params.add(new MaskedAdamW.Param("p" + i, grad, target, maskT));
                    refP.add(Numerics.toDouble(start));
                    refM.add(new double[sizes[i]]);
                    refV.add(new double[sizes[i]]);
                    masks.add(mask);
                    initial.add(start);
                }
                MaskedAdamW.Hyper hyper = new MaskedAdamW.Hyper(0.9f, 0.95f, 1e-8f, 0.01f, 0.5f);
                try (MaskedAdamW opt = new MaskedAdamW(s, params, hyper)) {
                    for (int step = 1; step <= 4; step++) {
                        List<float[]> grads = new ArrayList<>();
                        double sq = 0;
                        for (int i = 0; i < sizes.length; i++) {
                            float[] g = rng.gaussian(sizes[i], 2.0);
                            params.get(i).grad().copyFrom(s, g);
                            grads.add(g);
                            for (float x : g) {
                                sq += (double) x * x;
                            }
                        }
                        float lr = 0.01f * step;
                        double norm = opt.step(lr);
                        assertEquals(Math.sqrt(sq), norm, 1e-4 * Math.sqrt(sq), "global gradient norm");
                        double clip = AdamWRef.clipDouble((float) norm, hyper.maxGradNorm());
                        for (int i = 0; i < sizes.length; i++) {
                            AdamWRef.stepDouble(refP.get(i), refM.get(i), refV.get(i), grads.get(i), masks.get(i), lr,
                                    0.9, 0.95, 1e-8, 0.01, step, clip);
                        }
                    }
                    MaskedAdamW.State state = opt.state();
                    for (int i = 0; i < sizes.length; i++) {
                        Numerics.assertClose("master " + i, state.masters().get(i), refP.get(i), 1e-5, targetType + " " + rng.tag());
                        float[] got = params.get(i).target().toFloatArray(s);
                        for (int e = 0; e < sizes[i]; e++) {
                            if (masks.get(i) != null && masks.get(i)[e] == 0) {
                                assertEquals(Float.floatToRawIntBits(initial.get(i)[e]), Float.floatToRawIntBits(got[e]),
                                        "masked element " + e + " of p" + i + " moved");
                            }
                        }
                    }
                    // reload into a fresh optimizer: the next step is identical
                    float[] g = rng.gaussian(sizes[2], 1.0);
                    params.get(2).grad().copyFrom(s, g);
                    opt.step(0.02f);
                    float[] after = params.get(2).target().toFloatArray(s);
                    try (MaskedAdamW again = new MaskedAdamW(s, params, hyper)) {
                        again.load(state);
                        assertEquals(4, again.steps());
                        again.step(0.02f);
                        Numerics.assertBitsEqual("step after reload", after, params.get(2).target().toFloatArray(s), rng.tag());
                    }
                } finally {
                    owned.forEach(Tensor::close);
                }
            }
        }
    }

    @Test
    void badParamsAreRefused() {
        try (Stream s = Stream.create(Device.CPU); Tensor t = Tensor.zeros(s, DType.F32, 4);
             Tensor g16 = Tensor.zeros(s, DType.BF16, 4); Tensor g5 = Tensor.zeros(s, DType.F32, 5);
             Tensor m = Tensor.zeros(s, DType.F32, 4)) {
            assertThrows(IllegalArgumentException.class, () -> new MaskedAdamW.Param("x", g16, t, null), "bf16 grad");
            assertThrows(IllegalArgumentException.class, () -> new MaskedAdamW.Param("x", g5, t, null), "size");
            assertThrows(IllegalArgumentException.class, () -> new MaskedAdamW.Param("x", t, t, m), "F32 mask");
            assertThrows(IllegalArgumentException.class, () -> new MaskedAdamW(s, List.of(), MaskedAdamW.Hyper.defaults()));
        }
    }
}
