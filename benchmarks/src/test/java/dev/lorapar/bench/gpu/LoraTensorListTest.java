package dev.lorapar.bench.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The LoRA tensor list of LLaMA-2-7B, QKVGUD, r = 8, as the method states it. */
class LoraTensorListTest {
    @Test
    void llama2SevenBillionHas384TensorsAnd17891328Elements() {
        List<LoraTensorList.Spec> specs = LoraTensorList.llama(32, 4096, 11008, 8);
        assertEquals(384, specs.size());
        assertEquals(17_891_328L, LoraTensorList.totalElements(specs));
    }

    @Test
    void shapesFollowTheModules() {
        List<LoraTensorList.Spec> layer = LoraTensorList.llama(1, 4096, 11008, 8);
        assertEquals(new LoraTensorList.Spec("layers.0.q.A", 8, 4096), layer.get(0));
        assertEquals(new LoraTensorList.Spec("layers.0.q.B", 4096, 8), layer.get(1));
        assertEquals(new LoraTensorList.Spec("layers.0.gate.A", 8, 4096), layer.get(6));
        assertEquals(new LoraTensorList.Spec("layers.0.gate.B", 11008, 8), layer.get(7));
        assertEquals(new LoraTensorList.Spec("layers.0.up.B", 11008, 8), layer.get(9));
        assertEquals(new LoraTensorList.Spec("layers.0.down.A", 8, 11008), layer.get(10));
        assertEquals(new LoraTensorList.Spec("layers.0.down.B", 4096, 8), layer.get(11));
    }
}
