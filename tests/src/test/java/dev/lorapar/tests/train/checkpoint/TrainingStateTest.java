package dev.lorapar.tests.train.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorapar.train.checkpoint.ArrayType;
import dev.lorapar.train.checkpoint.TrainingState;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The in-memory state: accessors, ownership, equality by bits, and clear errors for misuse. */
class TrainingStateTest {

    @Test
    void holdsWhatItWasGivenWithoutCopying() {
        float[] a = {1f, 2f, 3f, 4f, 5f, 6f};
        byte[] mask = {1, 0, 1, 1, 0, 1};
        long[] rng = {42L, -7L};
        int[] order = {3, 1, 2};
        TrainingState s = TrainingState.builder(17).config("{\"lr\": 0.001, \"r\": 16}")
                .scalar("epoch", 2).scalar("batch", 5)
                .floats("A", a, 2, 3).bytes("maskA", mask, 2, 3).longs("rng", rng).ints("order", order).build();
        assertEquals(17, s.step());
        assertEquals("{\"lr\":0.001,\"r\":16}", s.configJson());
        assertEquals(Map.of("epoch", 2L, "batch", 5L), s.scalars());
        assertEquals(2, s.scalar("epoch"));
        assertEquals(List.of("A", "maskA", "rng", "order"), s.arrayNames());
        assertSame(a, s.floats("A"));
        assertSame(mask, s.bytes("maskA"));
        assertSame(rng, s.longs("rng"));
        assertSame(order, s.ints("order"));
        assertArrayEquals(new long[] {2, 3}, s.shape("A"));
        assertArrayEquals(new long[] {2}, s.shape("rng"));
        assertEquals(ArrayType.U8, s.type("maskA"));
        assertEquals(6 * 4 + 6 + 16 + 12, s.arrayBytes());
        assertTrue(s.hasArray("order"));
    }

    @Test
    void equalityIsByBits() {
        float nan1 = Float.intBitsToFloat(0x7fc00001);
        float nan2 = Float.intBitsToFloat(0x7fc00002);
        TrainingState x = TrainingState.builder(1).floats("w", new float[] {nan1, 0f}).build();
        TrainingState same = TrainingState.builder(1).floats("w", new float[] {nan1, 0f}).build();
        TrainingState otherNan = TrainingState.builder(1).floats("w", new float[] {nan2, 0f}).build();
        TrainingState negZero = TrainingState.builder(1).floats("w", new float[] {nan1, -0f}).build();
        assertEquals(x, same);
        assertEquals(x.hashCode(), same.hashCode());
        assertNotEquals(x, otherNan, "different NaN payloads are different bits");
        assertNotEquals(x, negZero, "-0 and +0 are different bits");
        assertNotEquals(x, TrainingState.builder(2).floats("w", new float[] {nan1, 0f}).build(), "step");
        assertNotEquals(x, TrainingState.builder(1).floats("w", new float[] {nan1, 0f}, 1, 2).build(), "shape");
        assertNotEquals(x, TrainingState.builder(1).floats("w", new float[] {nan1, 0f}).scalar("e", 0).build(), "scalars");
        assertNotEquals(x, TrainingState.builder(1).floats("w", new float[] {nan1, 0f}).config("{\"a\":1}").build(), "config");
    }

    @Test
    void misuseIsNamed() {
        TrainingState s = TrainingState.builder(3).floats("w", new float[4]).scalar("epoch", 1).build();
        assertMessage(IllegalArgumentException.class, () -> s.floats("v"), "no array 'v'", "[w]");
        assertMessage(IllegalArgumentException.class, () -> s.bytes("w"), "'w'", "is F32, not U8");
        assertMessage(IllegalArgumentException.class, () -> s.scalar("batch"), "no scalar 'batch'", "[epoch]");
        assertMessage(IllegalArgumentException.class, () -> TrainingState.builder(-1), "step must be ≥ 0");
        assertMessage(IllegalArgumentException.class,
                () -> TrainingState.builder(0).floats("w", new float[6], 4, 2), "'w'", "[4, 2] holds 8", "has 6");
        assertMessage(IllegalArgumentException.class,
                () -> TrainingState.builder(0).floats("w", new float[0], 3, -1), "negative dimension");
        assertMessage(IllegalArgumentException.class,
                () -> TrainingState.builder(0).floats("w", new float[1]).bytes("w", new byte[1]), "'w' given twice");
        assertMessage(IllegalArgumentException.class,
                () -> TrainingState.builder(0).scalar("e", 1).scalar("e", 2), "'e' given twice");
        assertMessage(IllegalArgumentException.class, () -> TrainingState.builder(0).floats("", new float[1]), "1..1024");
        assertMessage(IllegalArgumentException.class,
                () -> TrainingState.builder(0).floats("a\nb", new float[1]), "control character at index 1");
        assertMessage(IllegalArgumentException.class, () -> TrainingState.builder(0).config("{\"lr\": "), "not valid JSON");
        assertMessage(IllegalArgumentException.class, () -> TrainingState.builder(0).config("[1, 2]"), "must be a JSON object", "ARRAY");
        assertMessage(NullPointerException.class, () -> TrainingState.builder(0).floats("w", null), "'w'");
    }

    @Test
    void configCopyDoesNotLeakIn() {
        TrainingState s = TrainingState.builder(0).config("{\"lr\":1}").build();
        s.config().put("lr", 2);
        assertEquals("{\"lr\":1}", s.configJson());
    }

    static void assertMessage(Class<? extends Throwable> type, org.junit.jupiter.api.function.Executable call, String... parts) {
        Throwable t = assertThrows(type, call);
        for (String p : parts) {
            assertTrue(String.valueOf(t.getMessage()).contains(p), "message '" + t.getMessage() + "' lacks '" + p + "'");
        }
    }
}
