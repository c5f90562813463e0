package dev.lorapar.tests.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.core.LoraparException;
import dev.lorapar.core.MaskMode;
import dev.lorapar.core.NativeStatus;
import dev.lorapar.core.Ops;
import dev.lorapar.core.Ops.AdamW;
import dev.lorapar.core.Stream;
import dev.lorapar.core.Tensor;
import dev.lorapar.tests.support.TensorScope;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Wrong shapes, dtypes, closed objects, nulls and out-of-range scalars are refused in Java with an
 * exception naming the argument (never a JVM crash); errors found by the native side surface as
 * LoraparException with function, status and message.
 */
class ValidationTest {

    /** Refused as IllegalArgumentException (Java check) or LoraparException INVALID_ARGUMENT (native check). */
    static void assertRefused(Executable call, String what) {
        Throwable t = assertThrows(RuntimeException.class, call, what + " was accepted");
        boolean ok = t instanceof IllegalArgumentException
                || (t instanceof LoraparException le && le.status() == NativeStatus.INVALID_ARGUMENT);
        if (!ok) fail(what + ": refused with " + t + ", expected IllegalArgumentException or INVALID_ARGUMENT", t);
    }

    /** An IllegalArgumentException whose message names every given fragment (argument name, shape …). */
    static void assertIllegal(Executable call, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call, Arrays.toString(fragments));
        for (String f : fragments) {
            assertTrue(e.getMessage() != null && e.getMessage().contains(f),
                    "message \"" + e.getMessage() + "\" does not mention \"" + f + "\"");
        }
    }

    /**
     * A null where a value is required: refused before any native call, with a message naming the
     * argument. The brief asks for IllegalArgumentException / IllegalStateException; a
     * NullPointerException from Objects.requireNonNull is the Java-idiomatic equivalent and is
     * accepted as long as it names the argument.
     */
    static void assertNullRefused(Executable call, String argument) {
        Throwable t = assertThrows(RuntimeException.class, call, "null " + argument + " was accepted");
        if (!(t instanceof IllegalArgumentException || t instanceof IllegalStateException || t instanceof NullPointerException)) {
            fail("null " + argument + ": " + t, t);
        }
        assertTrue(t.getMessage() != null && t.getMessage().contains(argument),
                "null " + argument + ": message \"" + t.getMessage() + "\" does not name it");
    }

    @Test
    void gemmShapesAndDtypes() {
        try (TensorScope s = new TensorScope(Device.CPU)) {
            Stream st = s.stream();
            Tensor a = s.zeros(DType.F32, 3, 5), b = s.zeros(DType.F32, 5, 7), c = s.zeros(DType.F32, 3, 7);
            Ops.gemm(st, false, false, 1f, a, b, 0f, c); // the valid call, for contrast
            assertIllegal(() -> Ops.gemm(st, false, false, 1f, a, s.zeros(DType.F32, 4, 7), 0f, c), "b", "[4, 7]");
            assertIllegal(() -> Ops.gemm(st, false, false, 1f, a, b, 0f, s.zeros(DType.F32, 3, 8)), "c", "[3, 8]");
            assertIllegal(() -> Ops.gemm(st, true, false, 1f, a, b, 0f, c), "b");
            assertIllegal(() -> Ops.gemm(st, false, true, 1f, a, b, 0f, c), "b");
            assertIllegal(() -> Ops.gemm(st, false, false, 1f, s.zeros(DType.F32, 15), b, 0f, c), "a");
            assertIllegal(() -> Ops.gemm(st, false, false, 1f, a, s.zeros(DType.BF16, 5, 7), 0f, c), "b", "BF16");
            assertIllegal(() -> Ops.gemm(st, false, false, 1f, s.zeros(DType.U8, 3, 5), s.zeros(DType.U8, 5, 7), 0f, c), "a", "U8");
            assertIllegal(() -> Ops.gemm(st, false, false, 1f, a, b, 0f, s.zeros(DType.BF16, 3, 7)), "c", "BF16");
            assertIllegal(() -> Ops.gemm(st, false, false, 1f, s.zeros(DType.F32, 2, 3, 5), s.zeros(DType.F32, 3, 5, 7), 0f,
                    s.zeros(DType.F32, 2, 3, 7)), "b");
            assertIllegal(() -> Ops.gemm(st, false, false, 1f, s.zeros(DType.F32, 2, 3, 5), b, 0f, s.zeros(DType.F32, 2, 3, 7)), "b");
            assertIllegal(() -> Ops.gemm(st, false, false, 1f, a, b, 0f, s.zeros(DType.F32, 1, 3, 7)), "c");
            assertNullRefused(() -> Ops.gemm(st, false, false, 1f, null, b, 0f, c), "a");
            assertNullRefused(() -> Ops.gemm(st, false, false, 1f, a, b, 0f, null), "c");
            assertNullRefused(() -> Ops.gemm(null, false, false, 1f, a, b, 0f, c), "stream");
        }
    }

    @Test
    void loraShapesAndDtypes() {
        try (TensorScope s = new TensorScope(Device.CPU)) {
            Stream st = s.stream();
            int m = 3, k = 5, n = 7, r = 2;
            Tensor x = s.zeros(DType.F32, m, k), a = s.zeros(DType.F32, r, k), b = s.zeros(DType.F32, n, r);
            Tensor ma = s.zeros(DType.U8, r, k), mb = s.zeros(DType.U8, n, r);
            Tensor u = s.zeros(DType.F32, m, r), y = s.zeros(DType.F32, m, n), w = s.zeros(DType.F32, n, k);
            Tensor g = s.zeros(DType.F32, m, r), dx = s.zeros(DType.F32, m, k), da = s.zeros(DType.F32, r, k);
            Tensor db = s.zeros(DType.F32, n, r);
            MaskMode f = MaskMode.FORWARD;
            Ops.loraForward(st, 1f, x, a, ma, b, mb, f, u, y);
            assertIllegal(() -> Ops.loraForward(st, 1f, x, s.zeros(DType.F32, r, k + 1), ma, b, mb, f, u, y), "a");
            assertIllegal(() -> Ops.loraForward(st, 1f, x, a, s.zeros(DType.U8, k, r), b, mb, f, u, y), "maskA");
            assertIllegal(() -> Ops.loraForward(st, 1f, x, a, s.zeros(DType.F32, r, k), b, mb, f, u, y), "maskA");
            assertIllegal(() -> Ops.loraForward(st, 1f, x, a, ma, b, s.zeros(DType.U8, r, n), f, u, y), "maskB");
            assertIllegal(() -> Ops.loraForward(st, 1f, x, a, ma, b, mb, f, s.zeros(DType.F32, m, r + 1), y), "u");
            assertIllegal(() -> Ops.loraForward(st, 1f, x, a, ma, b, mb, f, u, s.zeros(DType.BF16, m, n)), "y");
            assertIllegal(() -> Ops.loraForward(st, 1f, x, a, ma, s.zeros(DType.F32, n + 1, r), mb, f, u, y), "b");
            assertNullRefused(() -> Ops.loraForward(st, 1f, x, a, ma, b, mb, null, u, y), "mode");
            assertIllegal(() -> Ops.loraLinearForward(st, 1f, x, s.zeros(DType.F32, k, n), 0f, a, ma, b, mb, f, u, y), "w");
            Ops.loraBackward(st, 1f, x, a, ma, b, mb, f, u, y, g, dx, da, db, false);
            assertIllegal(() -> Ops.loraBackward(st, 1f, x, a, ma, b, mb, f, u, y, g, dx, s.zeros(DType.BF16, r, k), db, false), "da");
            assertIllegal(() -> Ops.loraBackward(st, 1f, x, a, ma, b, mb, f, u, y, g, dx, da, s.zeros(DType.F32, r, n), false), "db");
            assertIllegal(() -> Ops.loraBackward(st, 1f, x, a, ma, b, mb, f, u, y, s.zeros(DType.F32, m, r + 1), dx, da, db, false), "g");
            assertIllegal(() -> Ops.loraBackward(st, 1f, x, a, ma, b, mb, f, u, y, g, s.zeros(DType.BF16, m, k), da, db, false), "dx");
            assertIllegal(() -> Ops.loraBackward(st, 1f, x, a, ma, b, mb, f, u, s.zeros(DType.F32, m, n + 1), g, dx, da, db, false), "dy");
            Ops.loraLinearBackward(st, 1f, x, w, a, ma, b, mb, f, u, y, g, 0f, dx, da, db, false);
            assertIllegal(() -> Ops.loraLinearBackward(st, 1f, x, s.zeros(DType.F32, k, n), a, ma, b, mb, f, u, y, g, 0f, dx, da, db, false), "w", "[5, 7]");
            assertIllegal(() -> Ops.loraLinearBackward(st, 1f, x, s.zeros(DType.BF16, n, k), a, ma, b, mb, f, u, y, g, 0f, dx, da, db, false), "w", "BF16");
            assertIllegal(() -> Ops.loraLinearBackward(st, 1f, x, w, a, ma, b, mb, f, u, y, g, 0f, s.zeros(DType.F32, m, k + 1), da, db, false), "dx");
            assertNullRefused(() -> Ops.loraLinearBackward(st, 1f, x, null, a, ma, b, mb, f, u, y, g, 0f, dx, da, db, false), "w");
            assertRefused(() -> Ops.loraLinearBackward(st, 1f, x, w, a, ma, b, mb, f, u, y, g, Float.NaN, dx, da, db, false), "betaDx NaN");
            assertRefused(() -> Ops.loraLinearBackward(st, 1f, x, w, a, ma, b, mb, f, u, y, g, Float.POSITIVE_INFINITY, dx, da, db, false), "betaDx Inf");
        }
    }

    @Test
    void multiTensorOps() {
        try (TensorScope s = new TensorScope(Device.CPU)) {
            Stream st = s.stream();
            Tensor g1 = s.zeros(DType.F32, 5), p1 = s.zeros(DType.F32, 5), s1 = s.zeros(DType.F32, 5), s2 = s.zeros(DType.F32, 5);
            Tensor g2 = s.zeros(DType.F32, 3), p2 = s.zeros(DType.F32, 4);
            Ops.importanceAccumulate(st, List.of(g1), List.of(p1), List.of(s1), List.of(s2));
            assertIllegal(() -> Ops.importanceAccumulate(st, List.of(g1, g2), List.of(p1), List.of(s1), List.of(s2)), "params");
            assertIllegal(() -> Ops.importanceAccumulate(st, List.of(g2), List.of(p2), List.of(s.zeros(DType.F32, 3)),
                    List.of(s.zeros(DType.F32, 3))), "params");
            assertIllegal(() -> Ops.importanceAccumulate(st, List.of(g1), List.of(p1), List.of(s.zeros(DType.BF16, 5)), List.of(s2)), "s1");
            assertIllegal(() -> Ops.importanceAccumulate(st, List.of(g1, s.zeros(DType.BF16, 5)), List.of(p1, p1),
                    List.of(s1, s1), List.of(s2, s2)), "grads");
            assertIllegal(() -> Ops.importanceFinalize(st, List.of(s1), List.of(s2), List.of(s1), 0), "numSamples");
            assertIllegal(() -> Ops.globalNorm(st, List.of(g1), s.zeros(DType.F32, 2)), "out");
            assertIllegal(() -> Ops.globalNorm(st, List.of(g1), s.zeros(DType.BF16, 1)), "out");
            assertIllegal(() -> Ops.globalNorm(st, List.of(g1, s.zeros(DType.BF16, 2)), s.zeros(DType.F32, 1)), "xs");
            assertNullRefused(() -> Ops.importanceAccumulate(st, null, List.of(p1), List.of(s1), List.of(s2)), "grads");
        }
    }

    @Test
    void adamw() {
        assertThrows(IllegalArgumentException.class, () -> new AdamW(-1e-3f, 0.9f, 0.999f, 1e-8f, 0f));
        assertThrows(IllegalArgumentException.class, () -> new AdamW(1e-3f, 1f, 0.999f, 1e-8f, 0f));
        assertThrows(IllegalArgumentException.class, () -> new AdamW(1e-3f, 0.9f, -0.1f, 1e-8f, 0f));
        assertThrows(IllegalArgumentException.class, () -> new AdamW(1e-3f, 0.9f, 0.999f, 0f, 0f));
        assertThrows(IllegalArgumentException.class, () -> new AdamW(1e-3f, 0.9f, 0.999f, 1e-8f, -0.1f));
        assertThrows(IllegalArgumentException.class, () -> new AdamW(Float.NaN, 0.9f, 0.999f, 1e-8f, 0f));
        AdamW hp = new AdamW(1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f);
        try (TensorScope s = new TensorScope(Device.CPU)) {
            Stream st = s.stream();
            List<Tensor> p = List.of(s.zeros(DType.F32, 5)), g = List.of(s.zeros(DType.F32, 5));
            List<Tensor> m = List.of(s.zeros(DType.F32, 5)), v = List.of(s.zeros(DType.F32, 5));
            Ops.adamwMasked(st, hp, 1, p, g, m, v, null, null, null, 0f);
            assertIllegal(() -> Ops.adamwMasked(st, hp, 0, p, g, m, v, null, null, null, 0f), "step");
            assertIllegal(() -> Ops.adamwMasked(st, hp, 1, p, List.of(s.zeros(DType.BF16, 5)), m, v, null, null, null, 0f), "grads");
            assertIllegal(() -> Ops.adamwMasked(st, hp, 1, p, g, List.of(s.zeros(DType.F32, 4)), v, null, null, null, 0f), "expAvg");
            assertIllegal(() -> Ops.adamwMasked(st, hp, 1, p, g, m, v, List.of(s.zeros(DType.F32, 5)), null, null, 0f), "masks");
            assertIllegal(() -> Ops.adamwMasked(st, hp, 1, p, g, m, v, List.of(s.zeros(DType.U8, 6)), null, null, 0f), "masks");
            assertIllegal(() -> Ops.adamwMasked(st, hp, 1, p, g, m, v, List.of(), null, null, 0f), "masks");
            assertIllegal(() -> Ops.adamwMasked(st, hp, 1, p, g, m, v, null, List.of(s.zeros(DType.U8, 5)), null, 0f), "copies");
            assertIllegal(() -> Ops.adamwMasked(st, hp, 1, p, g, m, v, null, null, s.zeros(DType.F32, 2), 1f), "gradNorm");
            assertNullRefused(() -> Ops.adamwMasked(st, null, 1, p, g, m, v, null, null, null, 0f), "hp");
        }
    }

    @Test
    void selectionOps() {
        try (TensorScope s = new TensorScope(Device.CPU)) {
            Stream st = s.stream();
            Tensor imp = s.zeros(DType.F32, 6), mask = s.zeros(DType.U8, 6);
            Ops.selectTopMass(st, imp, 0.5, mask);
            for (double bad : new double[] {-0.1, 1.1, Double.NaN, Double.POSITIVE_INFINITY}) {
                assertIllegal(() -> Ops.selectTopMass(st, imp, bad, mask), "theta");
            }
            assertIllegal(() -> Ops.selectTopMass(st, imp, 0.5, s.zeros(DType.F32, 6)), "maskOut");
            assertIllegal(() -> Ops.selectTopMass(st, imp, 0.5, s.zeros(DType.U8, 5)), "maskOut");
            assertIllegal(() -> Ops.selectTopMass(st, s.zeros(DType.BF16, 6), 0.5, mask), "importance");
            assertIllegal(() -> Ops.selectTopK(st, imp, null, -1, mask), "k");
            assertIllegal(() -> Ops.selectTopK(st, imp, s.zeros(DType.F32, 6), 2, mask), "candidates");
            Tensor st1 = s.zeros(DType.U8, 6), st2 = s.zeros(DType.U8, 6);
            assertIllegal(() -> Ops.partitionMasks(st, mask, mask, imp, imp, 1.5, 1, st1, st2, null), "alpha");
            assertIllegal(() -> Ops.partitionMasks(st, mask, mask, imp, imp, 1, -0.5, st1, st2, null), "beta");
            assertIllegal(() -> Ops.partitionMasks(st, imp, mask, imp, imp, 1, 1, st1, st2, null), "set1");
            assertIllegal(() -> Ops.partitionMasks(st, mask, mask, imp, imp, 1, 1, st1, s.zeros(DType.U8, 7), null), "stage2");
            assertIllegal(() -> Ops.partitionMasks(st, mask, mask, imp, imp, 1, 1, st1, st2, s.zeros(DType.U8, 5)), "region");
            assertIllegal(() -> Ops.maskApply(st, imp, imp), "mask");
            assertIllegal(() -> Ops.maskApply(st, imp, s.zeros(DType.U8, 7)), "mask");
        }
    }

    @Test
    void closedObjectsAreIllegalState() {
        Stream closed = Stream.create(Device.CPU);
        closed.close();
        try (TensorScope s = new TensorScope(Device.CPU)) {
            Tensor a = s.zeros(DType.F32, 2, 2), dead = s.zeros(DType.F32, 2, 2);
            dead.close();
            assertThrows(IllegalStateException.class, () -> Ops.gemm(s.stream(), false, false, 1f, a, dead, 0f, a));
            assertThrows(IllegalStateException.class, () -> Ops.gemm(closed, false, false, 1f, a, a, 0f, s.zeros(DType.F32, 2, 2)));
            assertThrows(IllegalStateException.class, () -> Ops.fill(s.stream(), dead, 0));
            assertThrows(IllegalStateException.class, () -> Ops.globalNorm(s.stream(), List.of(dead), s.zeros(DType.F32, 1)));
            assertThrows(IllegalStateException.class, () -> Ops.selectTopMass(s.stream(), dead, 0.5, s.zeros(DType.U8, 4)));
        }
    }

    /** Native-side checks surface as LoraparException naming the C function, the status and the reason. */
    @Test
    void nonFiniteOrNegativeImportanceIsANativeInvalidArgument() {
        float[][] bad = {{1f, Float.NaN, 2f}, {Float.POSITIVE_INFINITY, 1f, 0f}, {0.5f, -1e-3f, 2f}};
        try (TensorScope s = new TensorScope(Device.CPU)) {
            for (float[] v : bad) {
                Tensor imp = s.of(DType.F32, v, 3), out = s.poisoned(DType.U8, 3);
                LoraparException e = assertThrows(LoraparException.class, () -> Ops.selectTopMass(s.stream(), imp, 0.5, out),
                        Arrays.toString(v));
                assertEquals("lp_select_top_mass", e.function(), e.getMessage());
                assertEquals(NativeStatus.INVALID_ARGUMENT, e.status(), e.getMessage());
                assertFalse(e.nativeMessage().isBlank(), "native message empty for " + Arrays.toString(v));
                assertEquals("lp_select_top_mass failed: LP_ERR_INVALID_ARGUMENT: " + e.nativeMessage(), e.getMessage());
            }
            // the library is still usable on this thread after a failure
            Tensor ok = s.of(DType.F32, new float[] {1f, 2f, 3f}, 3), out = s.poisoned(DType.U8, 3);
            assertEquals(1, Ops.selectTopMass(s.stream(), ok, 0.5, out));
        }
    }

    @Test
    void layerOpsShapesDtypesAndScalars() {
        try (TensorScope s = new TensorScope(Device.CPU)) {
            Stream st = s.stream();
            Tensor ids = s.zeros(DType.I32, 4), table = s.zeros(DType.F32, 10, 6), out = s.zeros(DType.F32, 4, 6);
            Ops.embeddingForward(st, ids, table, out); // the valid call, for contrast
            assertIllegal(() -> Ops.embeddingForward(st, s.zeros(DType.F32, 4), table, out), "ids", "F32");
            assertIllegal(() -> Ops.embeddingForward(st, ids, table, s.zeros(DType.F32, 4, 7)), "out", "[4, 7]");
            assertIllegal(() -> Ops.embeddingForward(st, ids, s.zeros(DType.U8, 10, 6), out), "table", "U8");
            assertIllegal(() -> Ops.embeddingBackward(st, ids, out, s.zeros(DType.BF16, 10, 6)), "dTable", "BF16");
            assertIllegal(() -> Ops.embeddingBackward(st, s.zeros(DType.I32, 5), out, table), "ids", "[5]");
            assertNullRefused(() -> Ops.embeddingForward(null, ids, table, out), "stream");

            Tensor x = s.zeros(DType.F32, 3, 8), w = s.zeros(DType.F32, 8), y = s.zeros(DType.F32, 3, 8);
            Tensor rstd = s.zeros(DType.F32, 3);
            Ops.rmsnormForward(st, 1e-5f, x, w, y, rstd);
            assertIllegal(() -> Ops.rmsnormForward(st, 1e-5f, x, s.zeros(DType.F32, 7), y, rstd), "w", "[7]");
            assertIllegal(() -> Ops.rmsnormForward(st, 1e-5f, x, w, y, s.zeros(DType.BF16, 3)), "rstd", "BF16");
            assertIllegal(() -> Ops.rmsnormForward(st, -1f, x, w, y, rstd), "eps");
            assertIllegal(() -> Ops.rmsnormForward(st, Float.NaN, x, w, y, rstd), "eps");
            assertIllegal(() -> Ops.rmsnormForward(st, 1e-5f, s.zeros(DType.F32, 3, 0), s.zeros(DType.F32, 0),
                    s.zeros(DType.F32, 3, 0), rstd), "dim");
            assertRefused(() -> Ops.rmsnormForward(st, 1e-5f, x, w, x, rstd), "rmsnormForward with y = x");
            assertIllegal(() -> Ops.rmsnormBackward(st, x, w, rstd, y, s.zeros(DType.BF16, 3, 8), null, false), "dx");
            assertIllegal(() -> Ops.rmsnormBackward(st, x, w, rstd, y, null, s.zeros(DType.F32, 9), false), "dw", "[9]");

            Tensor q = s.zeros(DType.F32, 5, 2, 8), pos = s.zeros(DType.I32, 5);
            Ops.rope(st, q, pos, 10000, Ops.RopeKind.ROTATE_HALF, false);
            assertIllegal(() -> Ops.rope(st, s.zeros(DType.F32, 5, 2, 7), pos, 10000, Ops.RopeKind.ROTATE_HALF, false),
                    "headDim");
            assertIllegal(() -> Ops.rope(st, q, s.zeros(DType.I32, 4), 10000, Ops.RopeKind.ADJACENT_PAIRS, false),
                    "positions", "[4]");
            assertIllegal(() -> Ops.rope(st, q, pos, 0, Ops.RopeKind.ADJACENT_PAIRS, false), "theta");
            assertNullRefused(() -> Ops.rope(st, q, pos, 10000, null, false), "kind");
            assertRefused(() -> Ops.rope(st, q, s.of(DType.I32, new float[] {0, 1, -3, 2, 4}, 5), 10000,
                    Ops.RopeKind.ADJACENT_PAIRS, false), "rope with a negative position");

            Tensor g = s.zeros(DType.F32, 12), u = s.zeros(DType.F32, 3, 4);
            Ops.swigluForward(st, g, u, u); // out aliasing up is allowed
            assertIllegal(() -> Ops.swigluForward(st, g, s.zeros(DType.F32, 11), g), "up", "11");
            assertIllegal(() -> Ops.swigluForward(st, g, s.zeros(DType.BF16, 12), g), "up", "BF16");
            assertIllegal(() -> Ops.swigluBackward(st, g, u, g, g, s.zeros(DType.F32, 13)), "dUp");
            assertRefused(() -> Ops.swigluBackward(st, g, u, g, u, u), "swigluBackward with dGate = dUp");

            Tensor aq = s.zeros(DType.F32, 2, 3, 4, 8), ak = s.zeros(DType.F32, 2, 3, 2, 8), av = s.zeros(DType.F32, 2, 3, 2, 8);
            Tensor ao = s.zeros(DType.F32, 2, 3, 4, 8), lse = s.zeros(DType.F32, 2, 4, 3);
            Ops.attentionForward(st, 0.35f, aq, ak, av, null, ao, lse);
            assertIllegal(() -> Ops.attentionForward(st, 0.35f, aq, s.zeros(DType.F32, 2, 3, 3, 8),
                    s.zeros(DType.F32, 2, 3, 3, 8), null, ao, lse), "nKvHeads", "3");
            assertIllegal(() -> Ops.attentionForward(st, 0.35f, aq, ak, av, null, ao, s.zeros(DType.F32, 2, 3, 4)),
                    "lse", "[2, 3, 4]");
            assertIllegal(() -> Ops.attentionForward(st, 0.35f, aq, ak, av, s.zeros(DType.F32, 2, 3), ao, lse),
                    "segmentIds", "F32");
            assertIllegal(() -> Ops.attentionForward(st, 0.35f, aq, ak, s.zeros(DType.F32, 2, 3, 2, 4), null, ao, lse),
                    "v", "[2, 3, 2, 4]");
            assertIllegal(() -> Ops.attentionForward(st, Float.NaN, aq, ak, av, null, ao, lse), "scale");
            Tensor dk = s.zeros(DType.F32, 2, 3, 2, 8), dv = s.zeros(DType.F32, 2, 3, 2, 8);
            assertRefused(() -> Ops.attentionBackward(st, 0.35f, aq, ak, av, null, ao, lse, ao, aq, dk, dv),
                    "attentionBackward with dq = q");
            assertIllegal(() -> Ops.attentionBackward(st, 0.35f, aq, ak, av, null, ao, lse, ao, s.zeros(DType.F32, 2, 3, 4, 8),
                    s.zeros(DType.BF16, 2, 3, 2, 8), dv), "dk", "BF16");

            Tensor logits = s.zeros(DType.F32, 4, 9), targets = s.zeros(DType.I32, 4), losses = s.zeros(DType.F32, 4);
            Ops.crossEntropy(st, logits, targets, null, 1f, losses);
            assertIllegal(() -> Ops.crossEntropy(st, logits, s.zeros(DType.I32, 3), null, 1f, losses), "targets", "[3]");
            assertIllegal(() -> Ops.crossEntropy(st, logits, targets, s.zeros(DType.BF16, 4), 1f, losses), "weights");
            assertIllegal(() -> Ops.crossEntropy(st, logits, targets, null, Float.POSITIVE_INFINITY, losses),
                    "gradScale");
            assertIllegal(() -> Ops.crossEntropy(st, s.zeros(DType.F32, 4, 0), targets, null, 1f, losses), "vocab");
            assertIllegal(() -> Ops.crossEntropy(st, logits, targets, null, 1f, s.zeros(DType.F32, 4, 1)), "losses");
        }
    }
}
