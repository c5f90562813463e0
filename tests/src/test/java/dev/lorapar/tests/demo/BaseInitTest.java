package dev.lorapar.tests.demo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.lorapar.core.Device;
import dev.lorapar.core.Stream;
import dev.lorapar.core.Tensor;
import dev.lorapar.demo.BaseInit;
import dev.lorapar.demo.DemoScale;
import dev.lorapar.model.LlamaConfig;
import dev.lorapar.model.LlamaWeights;
import dev.lorapar.tests.support.Rng;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/** The base's random init: seeded, its own values per matrix, the stated standard deviations, norms at one. */
class BaseInitTest {
    private static double std(float[] v) {
        double s = 0, s2 = 0;
        for (float x : v) {
            s += x;
            s2 += (double) x * x;
        }
        double mean = s / v.length;
        return Math.sqrt(s2 / v.length - mean * mean);
    }

    @Test
    void seededIndependentAndScaled(TestInfo info) {
        Rng rng = Rng.forTest(info);
        long seed = rng.nextLong();
        DemoScale scale = DemoScale.cpu(seed);
        LlamaConfig config = scale.modelConfig(301 + rng.nextInt(200));
        try (Stream stream = Stream.create(Device.CPU);
             LlamaWeights a = BaseInit.random(config, stream, seed);
             LlamaWeights b = BaseInit.random(config, stream, seed);
             LlamaWeights c = BaseInit.random(config, stream, seed + 1)) {
            LlamaWeights.Layer la = a.layers().get(1), lb = b.layers().get(1);
            assertArrayEquals(la.wq().toFloatArray(stream), lb.wq().toFloatArray(stream), rng.tag());
            assertFalse(Arrays.equals(la.wq().toFloatArray(stream), c.layers().get(1).wq().toFloatArray(stream)));
            assertFalse(Arrays.equals(la.wq().toFloatArray(stream), la.wk().toFloatArray(stream)), "own values per matrix");
            double residual = BaseInit.STD / Math.sqrt(2.0 * config.nLayers());
            for (Tensor t : new Tensor[] {a.embedding(), la.wq(), la.wv(), la.wGate(), la.wUp(), a.lmHead()}) {
                assertEquals(BaseInit.STD, std(t.toFloatArray(stream)), BaseInit.STD * 0.05, rng.tag() + " " + t);
            }
            for (Tensor t : new Tensor[] {la.wo(), la.wDown()}) {
                assertEquals(residual, std(t.toFloatArray(stream)), residual * 0.05, rng.tag() + " " + t);
            }
            for (float x : la.attentionNorm().toFloatArray(stream)) assertEquals(1f, x);
            for (float x : a.finalNorm().toFloatArray(stream)) assertEquals(1f, x);
        }
    }
}
