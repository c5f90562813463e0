package dev.lorapar.tests.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.core.Stream;
import dev.lorapar.core.Tensor;
import dev.lorapar.model.LlamaWeights;
import dev.lorapar.model.io.Checkpoint;
import dev.lorapar.model.io.Checkpoints;
import dev.lorapar.model.io.LlamaTensorNames;
import dev.lorapar.tests.io.SharedData;
import org.junit.jupiter.api.Test;

/**
 * The stacked projections of uploaded weights: for MHA (aidreams260K) wq, wk, wv are the matrices of one [3×dim×dim]
 * tensor and hold the checkpoint's values; for GQA (stories260K) q, k, v stay three tensors; wGate, wUp are always the
 * matrices of [2×hidden×dim]. Closing frees the stacks (their views then refuse use).
 */
class WeightsLayoutTest {

    @Test
    void mhaStacksQkvAndGateUp() {
        check("llama2c-aidreams260K/aidreams260K.bin", true);
    }

    @Test
    void gqaStacksGateUpOnly() {
        check("llama2c-stories260K/stories260K.bin", false);
    }

    private static void check(String file, boolean mha) {
        long liveBefore = Tensor.liveBytes();
        Tensor wq;
        try (Checkpoint ckpt = Checkpoints.open(SharedData.require(file));
             Stream stream = Stream.create(Device.CPU);
             LlamaWeights w = LlamaWeights.upload(ckpt, stream, DType.F32)) {
            assertEquals(mha, w.config().kvDim() == w.config().dim(), file + ": expected " + (mha ? "MHA" : "GQA"));
            for (int i = 0; i < w.config().nLayers(); i++) {
                LlamaWeights.Layer l = w.layers().get(i);
                assertNotNull(l.gateUp());
                assertArrayEquals(new long[] {2, w.config().hiddenDim(), w.config().dim()}, l.gateUp().shape());
                assertTrue(l.wGate().isView() && l.wUp().isView());
                if (mha) {
                    assertArrayEquals(new long[] {3, w.config().dim(), w.config().dim()}, l.qkv().shape());
                    assertTrue(l.wq().isView() && l.wk().isView() && l.wv().isView());
                } else {
                    assertNull(l.qkv());
                    assertFalse(l.wq().isView() || l.wk().isView() || l.wv().isView());
                }
                String[] names = {LlamaTensorNames.Q, LlamaTensorNames.K, LlamaTensorNames.V, LlamaTensorNames.GATE,
                        LlamaTensorNames.UP};
                Tensor[] got = {l.wq(), l.wk(), l.wv(), l.wGate(), l.wUp()};
                for (int t = 0; t < names.length; t++) {
                    float[] want = ckpt.tensor(LlamaTensorNames.layer(i, names[t])).toFloats();
                    assertArrayEquals(want, got[t].toFloatArray(stream), file + " layer " + i + " " + names[t]);
                }
                if (mha) { // the stack itself, matrix by matrix: q, then k, then v
                    float[] stack = l.qkv().toFloatArray(stream);
                    int size = w.config().dim() * w.config().dim();
                    float[] k = ckpt.tensor(LlamaTensorNames.layer(i, LlamaTensorNames.K)).toFloats();
                    assertArrayEquals(k, java.util.Arrays.copyOfRange(stack, size, 2 * size), "k inside the stack");
                }
            }
            wq = w.layers().get(0).wq();
        }
        assertEquals(liveBefore, Tensor.liveBytes(), "bytes left after close");
        Tensor closedView = wq;
        try (Stream other = Stream.create(Device.CPU)) {
            assertThrows(IllegalStateException.class, () -> closedView.toFloatArray(other));
        }
    }
}
