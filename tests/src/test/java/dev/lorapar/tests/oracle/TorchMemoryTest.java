package dev.lorapar.tests.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorapar.tests.oracle.TorchLlama.Precision;
import dev.lorapar.tests.support.Rng;
import java.util.EnumSet;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The oracle frees its native memory deterministically: every JavaCPP object a call makes (tensors, autograd
 * results, options) is released when the call returns or throws — counted by Pointer.totalCount(), the live
 * native objects with a deallocator. And bad input is refused with an exception before libtorch sees it.
 */
class TorchMemoryTest {
    @Test
    void aScopeReleasesTheTensorsMadeInIt() {
        TorchRuntime.ensureLoaded();
        long before = Pointer.totalCount();
        Tensor squares;
        try (PointerScope scope = new PointerScope()) {
            Tensor x = TorchTensors.of(new float[] {1, 2, 3}, Precision.FLOAT32, 3);
            squares = x.mul(x).sum();
            assertTrue(Pointer.totalCount() > before, "the tensors are not counted: this test would prove nothing");
            assertEquals(14.0, squares.item_double(), 0.0);
        }
        assertTrue(squares.isNull(), "a tensor outlived its scope");
        assertEquals(before, Pointer.totalCount());
    }

    @Test
    void callsLeaveNoNativeObjectBehind(TestInfo info) {
        Rng rng = Rng.forTest(info);
        OracleConfig config = TorchLlamaGradientTest.smallConfig(rng);
        OracleModel model = OracleModel.random(rng, config, 2, 1.0, EnumSet.allOf(LoraTarget.class), 0.5);
        OracleBatch batch = TorchLlamaGradientTest.randomBatch(rng, config, true);
        TorchLlama.logits(model, batch.tokens(), Precision.FLOAT32); // loads libtorch and any static objects first
        long before = Pointer.totalCount();
        for (Precision p : Precision.values()) {
            TorchLlama.logits(model, batch.tokens(), p);
            TorchLlama.loss(model, batch, p);
            TorchLlama.gradients(model, batch, p, true);
            assertEquals(before, Pointer.totalCount(), "native objects left after the " + p + " calls " + rng.tag());
        }
        int[][] outOfRange = {{config.vocab()}};
        assertThrows(IllegalArgumentException.class, () -> TorchLlama.logits(model, outOfRange, Precision.FLOAT64));
        int[][] badTarget = {{0, 1}};
        OracleBatch bad = new OracleBatch(badTarget, new int[][] {{config.vocab(), -1}}, null, 1.0);
        assertThrows(IllegalArgumentException.class, () -> TorchLlama.gradients(model, bad, Precision.FLOAT64, false));
        assertEquals(before, Pointer.totalCount(), "native objects left after a refused call " + rng.tag());
    }

    @Test
    void malformedInputIsRefused(TestInfo info) {
        Rng rng = Rng.forTest(info);
        OracleConfig config = TorchLlamaGradientTest.smallConfig(rng);
        OracleModel model = OracleModel.random(rng, config);
        assertThrows(IllegalArgumentException.class, () -> TorchLlama.logits(model, new int[][] {{0, 1}, {2}}, Precision.FLOAT32));
        assertThrows(IllegalArgumentException.class, () -> TorchLlama.logits(model, new int[][] {{-1}}, Precision.FLOAT32));
        assertThrows(IllegalArgumentException.class, () -> new OracleBatch(new int[][] {{0, 1}}, new int[][] {{0}}, null, 1));
        assertThrows(IllegalArgumentException.class,
                () -> new OracleBatch(new int[][] {{0, 1}}, new int[][] {{0, 1}}, new float[][] {{1}}, 1));
        assertThrows(IllegalArgumentException.class, () -> model.withBase(OracleNames.FINAL_NORM, new float[config.dim() + 1]));
        assertThrows(IllegalArgumentException.class, () -> model.withBase("model.layers.0.self_attn.q_proj.bias", new float[1]));
        assertThrows(IllegalArgumentException.class, () -> new OracleConfig(48, 10, 1, 5, 5, 10, 1e-5, 1e4,
                OracleConfig.Rope.ROTATE_HALF, false)); // 48 / 5 heads
    }
}
