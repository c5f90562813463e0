package dev.lorapar.tests.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorapar.core.CudaGraph;
import dev.lorapar.core.DType;
import dev.lorapar.core.DecodeOps;
import dev.lorapar.core.Device;
import dev.lorapar.core.LoraparException;
import dev.lorapar.core.NativeStatus;
import dev.lorapar.core.Ops;
import dev.lorapar.core.Tensor;
import dev.lorapar.tests.cases.DecodeRun;
import dev.lorapar.tests.cases.DecodeRun.DecodeCase;
import dev.lorapar.tests.cases.DecodeRun.SampleParams;
import dev.lorapar.tests.cases.LayerInputs;
import dev.lorapar.tests.cases.LayerRun;
import dev.lorapar.tests.cases.LayerRun.AttnCase;
import dev.lorapar.tests.reference.DecodeRef;
import dev.lorapar.tests.support.Numerics;
import dev.lorapar.tests.support.Rng;
import dev.lorapar.tests.support.TensorScope;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The token-generation ops on the CPU: decode attention against DecodeRef (double precision) and against
 * lp_attention_forward's last row on the same keys; KV-cache writes bit-exact; lp_sample id for id against
 * DecodeRef's independent re-implementation, its kept sets (ties), seeds, and a chi-square frequency test
 * against the truncated softmax; validation of bad values. Cache positions past a sequence's length hold
 * NaN, so reading one fails the finiteness check.
 */
class DecodeOpsTest {
    static final Device CPU = Device.CPU;

    static double tol(DType dt) { return dt == DType.F32 ? 2e-5 : 1e-2; }

    /** Lengths [batch] in [0, maxLen] with 0, 1 and maxLen among them when batch allows. */
    static int[] lengths(Rng rng, int batch, int maxLen, boolean allowZero) {
        int[] out = new int[batch];
        for (int b = 0; b < batch; b++) out[b] = rng.between(allowZero ? 0 : 1, maxLen);
        int[] forced = allowZero ? new int[] {maxLen, 1, 0} : new int[] {maxLen, 1};
        for (int i = 0; i < Math.min(batch, forced.length); i++) out[rng.nextInt(batch)] = forced[i];
        return out;
    }

    /** Cache positions at or past each sequence's length set to NaN (never read). */
    static void poisonPastLengths(DecodeCase c) {
        int row = c.nKvHeads() * c.headDim();
        for (int b = 0; b < c.batch(); b++)
            for (int pos = c.lengths()[b]; pos < c.maxLen(); pos++) {
                int from = (b * c.maxLen() + pos) * row;
                Arrays.fill(c.kCache(), from, from + row, Float.NaN);
                Arrays.fill(c.vCache(), from, from + row, Float.NaN);
            }
    }

    static double[] d(float[] v) { return Numerics.toDouble(v); }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "BF16"})
    void attentionDecodeMatchesReference(DType dt, TestInfo info) {
        Rng rng = Rng.forTest(info);
        int[][] heads = {{1, 1}, {4, 4}, {6, 2}, {8, 1}, {6, 3}};
        for (int[] hk : heads)
            for (int headDim : new int[] {1, 5, 16, 33}) {
                int batch = rng.between(1, 4), maxLen = rng.pick(1, 7, 37);
                DecodeCase c = DecodeRun.decodeCase(rng, dt, lengths(rng, batch, maxLen, true), hk[0], hk[1], headDim,
                        maxLen);
                poisonPastLengths(c);
                String ctx = "heads=" + hk[0] + "/" + hk[1] + " headDim=" + headDim + " maxLen=" + maxLen + " lengths="
                        + Arrays.toString(c.lengths()) + " " + rng.tag();
                float[] out = DecodeRun.attentionDecode(CPU, dt, c);
                double[] ref = DecodeRef.attentionDecode(d(c.q()), d(c.kCache()), d(c.vCache()), c.lengths(), hk[0], hk[1],
                        headDim, maxLen, c.scale());
                assertRowsOfEmptySequencesZero(out, c, ctx);
                if (Arrays.stream(c.lengths()).anyMatch(l -> l > 0))
                    Numerics.assertClose("out", out, ref, tol(dt), ctx);
            }
    }

    /**
     * With a prefix table, a sequence reads its first n keys from another cache row: equal to the reference on caches
     * where those positions were copied into its own row, while its own copies are NaN.
     */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "BF16"})
    void attentionDecodeReadsSharedPrefixes(DType dt, TestInfo info) {
        Rng rng = Rng.forTest(info);
        for (int[] hk : new int[][] {{4, 4}, {6, 2}, {3, 1}}) {
            int headDim = rng.pick(3, 8, 17), maxLen = rng.pick(5, 19), batch = rng.between(2, 6);
            DecodeCase c = DecodeRun.decodeCase(rng, dt, lengths(rng, batch, maxLen, true), hk[0], hk[1], headDim,
                    maxLen);
            int[] prefix = DecodeRun.randomPrefix(rng, c);
            DecodeCase copied = DecodeRun.withSharedPositions(c, prefix, true);
            String ctx = "heads=" + hk[0] + "/" + hk[1] + " headDim=" + headDim + " lengths="
                    + Arrays.toString(c.lengths()) + " prefix=" + Arrays.toString(prefix) + " " + rng.tag();
            float[] out = DecodeRun.attentionDecode(CPU, dt, DecodeRun.withSharedPositions(c, prefix, false), prefix);
            double[] ref = DecodeRef.attentionDecode(d(copied.q()), d(copied.kCache()), d(copied.vCache()),
                    c.lengths(), hk[0], hk[1], headDim, maxLen, c.scale());
            assertRowsOfEmptySequencesZero(out, c, ctx);
            if (Arrays.stream(c.lengths()).anyMatch(l -> l > 0))
                Numerics.assertClose("out", out, ref, tol(dt), ctx);
        }
    }

    @Test
    void attentionDecodeRejectsBadPrefixes() {
        DecodeCase c = new DecodeCase(2, 1, 4, 3, 0.5f, new int[] {1, 2}, new float[16], new float[24], new float[24]);
        for (int[] bad : new int[][] {{0, 0, 2, 1}, {0, 0, -1, 1}, {0, 0, 0, 4}, {0, -1, 0, 0}}) {
            LoraparException e = assertThrows(LoraparException.class,
                    () -> DecodeRun.attentionDecode(CPU, DType.F32, c, bad), Arrays.toString(bad));
            assertEquals(NativeStatus.INVALID_ARGUMENT, e.status());
            assertTrue(e.getMessage().contains("prefix"), e.getMessage());
        }
        try (TensorScope s = new TensorScope(CPU)) {
            Tensor q = s.zeros(DType.F32, 2, 2, 4), cache = s.zeros(DType.F32, 2, 3, 1, 4);
            Tensor lengths = s.zeros(DType.I32, 2), wrong = s.zeros(DType.I32, 2, 3);
            IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                    () -> DecodeOps.attentionDecode(s.stream(), 1.0f, q, cache, cache, lengths, wrong, q));
            assertTrue(shape.getMessage().contains("prefix"), shape.getMessage());
        }
    }

    static void assertRowsOfEmptySequencesZero(float[] out, DecodeCase c, String ctx) {
        int row = c.nHeads() * c.headDim();
        for (int b = 0; b < c.batch(); b++)
            if (c.lengths()[b] == 0)
                for (int i = b * row; i < (b + 1) * row; i++)
                    assertEquals(0.0f, out[i], "out[" + i + "] of the empty sequence " + b + " " + ctx);
    }

    /** Decode attention of each sequence's last query equals lp_attention_forward's last output row. */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "BF16"})
    void attentionDecodeMatchesForwardLastRow(DType dt, TestInfo info) {
        Rng rng = Rng.forTest(info);
        for (int[] hk : new int[][] {{4, 4}, {6, 2}, {3, 1}}) {
            int headDim = rng.pick(3, 8, 17), maxLen = rng.pick(5, 19), batch = rng.between(1, 3);
            int[] lengths = lengths(rng, batch, maxLen, false);
            int nHeads = hk[0], nKvHeads = hk[1], qRow = nHeads * headDim, kvRow = nKvHeads * headDim;
            float[] q = new float[batch * qRow], kCache = DecodeRun.filled(batch * maxLen * kvRow, Float.NaN);
            float[] vCache = kCache.clone(), expected = new float[batch * qRow];
            float scale = (float) (1.0 / Math.sqrt(headDim));
            for (int b = 0; b < batch; b++) {
                AttnCase f = LayerInputs.attention(rng, dt, 1, lengths[b], nHeads, nKvHeads, headDim, false);
                float[] out = LayerRun.attention(CPU, dt, f, false)[0]; // [len×nHeads×headDim]
                System.arraycopy(out, (lengths[b] - 1) * qRow, expected, b * qRow, qRow);
                System.arraycopy(f.q(), (lengths[b] - 1) * qRow, q, b * qRow, qRow);
                System.arraycopy(f.k(), 0, kCache, b * maxLen * kvRow, lengths[b] * kvRow);
                System.arraycopy(f.v(), 0, vCache, b * maxLen * kvRow, lengths[b] * kvRow);
            }
            DecodeCase c = new DecodeCase(nHeads, nKvHeads, headDim, maxLen, scale, lengths, q, kCache, vCache);
            String ctx = "heads=" + nHeads + "/" + nKvHeads + " headDim=" + headDim + " lengths=" + Arrays.toString(lengths)
                    + " " + rng.tag();
            Numerics.assertClose("decode vs forward last row", DecodeRun.attentionDecode(CPU, dt, c), expected,
                    dt == DType.F32 ? 1e-6 : 4e-3, ctx);
        }
    }

    @Test
    void attentionDecodeRejectsBadLengths() {
        for (int bad : new int[] {-1, 4}) {
            DecodeCase c = new DecodeCase(2, 1, 4, 3, 0.5f, new int[] {1, bad}, new float[16], new float[24],
                    new float[24]);
            LoraparException e = assertThrows(LoraparException.class, () -> DecodeRun.attentionDecode(CPU, DType.F32, c));
            assertEquals(NativeStatus.INVALID_ARGUMENT, e.status());
            assertTrue(e.getMessage().contains("lengths[1]"), e.getMessage());
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "BF16"})
    void kvCacheWriteMatchesReference(DType dt, TestInfo info) {
        Rng rng = Rng.forTest(info);
        for (int rows : new int[] {1, 3, 13}) {
            int nKvHeads = rng.pick(1, 2, 5), headDim = rng.pick(1, 7, 16), slots = rows + rng.between(0, 20);
            int row = nKvHeads * headDim;
            int[] slot = DecodeRun.distinctSlots(rng, rows, slots);
            float[] k = LayerInputs.gaussian(rng, dt, rows * row, 1), v = LayerInputs.gaussian(rng, dt, rows * row, 1);
            float[] kc0 = LayerInputs.gaussian(rng, dt, slots * row, 1), vc0 = LayerInputs.gaussian(rng, dt, slots * row, 1);
            String ctx = "rows=" + rows + " slots=" + slots + " row=" + row + " " + rng.tag();
            float[][] got = DecodeRun.kvCacheWrite(CPU, dt, k, v, slot, kc0, vc0, nKvHeads, headDim);
            Numerics.assertBitsEqual("kCache", DecodeRef.kvCacheWrite(kc0, k, slot, row), got[0], ctx);
            Numerics.assertBitsEqual("vCache", DecodeRef.kvCacheWrite(vc0, v, slot, row), got[1], ctx);
        }
    }

    @Test
    void kvCacheWriteRejectsBadSlotsBeforeWriting() {
        for (int bad : new int[] {-1, 4}) {
            try (TensorScope s = new TensorScope(CPU)) {
                float[] cache0 = {1, 2, 3, 4, 5, 6, 7, 8};
                Tensor kc = s.of(DType.F32, cache0, 4, 1, 2), vc = s.of(DType.F32, cache0, 4, 1, 2);
                Tensor k = s.of(DType.F32, new float[] {9, 9, 9, 9}, 2, 1, 2);
                LoraparException e = assertThrows(LoraparException.class, () -> DecodeOps.kvCacheWrite(s.stream(), k, k,
                        s.of(DType.I32, new float[] {0, bad}, 2), kc, vc));
                assertEquals(NativeStatus.INVALID_ARGUMENT, e.status());
                assertTrue(e.getMessage().contains("slot[1]"), e.getMessage());
                Numerics.assertBitsEqual("kCache after the refused call", cache0, s.read(kc), "slot " + bad);
            }
        }
    }

    /** The fused rotation + cache write gives, bit for bit, what rope(q), rope(k) and kvCacheWrite give. */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "BF16"})
    void ropeKvCacheWriteIsRopeThenCacheWrite(DType dt, TestInfo info) {
        Rng rng = Rng.forTest(info);
        for (int rows : new int[] {1, 3, 13}) {
            int nKvHeads = rng.pick(1, 2, 5), group = rng.pick(1, 2, 3), headDim = rng.pick(2, 8, 16);
            int nHeads = nKvHeads * group, slots = rows + rng.between(0, 20), row = nKvHeads * headDim;
            int[] slot = DecodeRun.distinctSlots(rng, rows, slots), positions = new int[rows];
            for (int t = 0; t < rows; t++) positions[t] = rng.between(0, 4000);
            float[] q = LayerInputs.gaussian(rng, dt, rows * nHeads * headDim, 1);
            float[] k = LayerInputs.gaussian(rng, dt, rows * row, 1), v = LayerInputs.gaussian(rng, dt, rows * row, 1);
            float[] kc0 = LayerInputs.gaussian(rng, dt, slots * row, 1), vc0 = LayerInputs.gaussian(rng, dt, slots * row, 1);
            Ops.RopeKind kind = rng.nextBoolean() ? Ops.RopeKind.ROTATE_HALF : Ops.RopeKind.ADJACENT_PAIRS;
            String ctx = "rows=" + rows + " heads=" + nHeads + "/" + nKvHeads + " headDim=" + headDim + " " + kind + " "
                    + rng.tag();
            float[][] fused = DecodeRun.ropeKvCacheWrite(CPU, dt, true, q, k, v, positions, slot, kc0, vc0, nHeads,
                    nKvHeads, headDim, 10000, kind);
            float[][] apart = DecodeRun.ropeKvCacheWrite(CPU, dt, false, q, k, v, positions, slot, kc0, vc0, nHeads,
                    nKvHeads, headDim, 10000, kind);
            String[] names = {"q", "k", "kCache", "vCache"};
            for (int i = 0; i < names.length; i++) Numerics.assertBitsEqual(names[i], apart[i], fused[i], ctx);
            assertFalse(Arrays.equals(q, fused[0]), "q was not rotated " + ctx);
        }
    }

    @Test
    void ropeKvCacheWriteRejectsBadSlotsBeforeWriting() {
        try (TensorScope s = new TensorScope(CPU)) {
            float[] cache0 = {1, 2, 3, 4, 5, 6, 7, 8}, q0 = {9, 8, 7, 6}, k0 = {5, 4, 3, 2};
            Tensor kc = s.of(DType.F32, cache0, 4, 1, 2), vc = s.of(DType.F32, cache0, 4, 1, 2);
            Tensor q = s.of(DType.F32, q0, 2, 1, 2), k = s.of(DType.F32, k0, 2, 1, 2), v = s.of(DType.F32, k0, 2, 1, 2);
            Tensor positions = s.of(DType.I32, new float[] {3, 4}, 2);
            LoraparException e = assertThrows(LoraparException.class, () -> DecodeOps.ropeKvCacheWrite(s.stream(), q, k,
                    v, positions, 10000, Ops.RopeKind.ROTATE_HALF, s.of(DType.I32, new float[] {0, 4}, 2), kc, vc));
            assertEquals(NativeStatus.INVALID_ARGUMENT, e.status());
            assertTrue(e.getMessage().contains("slot[1]"), e.getMessage());
            Numerics.assertBitsEqual("q after the refused call", q0, s.read(q), "");
            Numerics.assertBitsEqual("k after the refused call", k0, s.read(k), "");
            Numerics.assertBitsEqual("kCache after the refused call", cache0, s.read(kc), "");
            IllegalArgumentException same = assertThrows(IllegalArgumentException.class, () ->
                    DecodeOps.ropeKvCacheWrite(s.stream(), q, k, k, positions, 10000, Ops.RopeKind.ROTATE_HALF,
                            s.of(DType.I32, new float[] {0, 1}, 2), kc, vc));
            assertTrue(same.getMessage().contains("distinct"), same.getMessage());
            IllegalArgumentException odd = assertThrows(IllegalArgumentException.class, () ->
                    DecodeOps.ropeKvCacheWrite(s.stream(), s.of(DType.F32, new float[6], 2, 1, 3),
                            s.of(DType.F32, new float[6], 2, 1, 3), s.of(DType.F32, new float[6], 2, 1, 3), positions,
                            10000, Ops.RopeKind.ROTATE_HALF, s.of(DType.I32, new float[] {0, 1}, 2),
                            s.of(DType.F32, new float[12], 4, 1, 3), s.of(DType.F32, new float[12], 4, 1, 3)));
            assertTrue(odd.getMessage().contains("even"), odd.getMessage());
        }
    }

    // ------------------------------------------------------------------ sampling

    static SampleParams params(float[] temperature, int[] topK, float[] topP, long[] seed, long[] step) {
        return new SampleParams(temperature, topK, topP, seed, step);
    }

    /** The same parameters for every one of batch rows, steps 0..batch−1. */
    static SampleParams sameRow(int batch, float temperature, int topK, float topP, long seed) {
        long[] step = new long[batch];
        for (int i = 0; i < batch; i++) step[i] = i;
        long[] seeds = new long[batch];
        Arrays.fill(seeds, seed);
        int[] k = new int[batch];
        Arrays.fill(k, topK);
        return params(DecodeRun.filled(batch, temperature), k, DecodeRun.filled(batch, topP), seeds, step);
    }

    static float[] repeat(float[] row, int times) {
        float[] out = new float[row.length * times];
        for (int i = 0; i < times; i++) System.arraycopy(row, 0, out, i * row.length, row.length);
        return out;
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "BF16"})
    void sampleGreedyIsArgmaxLowestIdOnTies(DType dt, TestInfo info) {
        Rng rng = Rng.forTest(info);
        for (int vocab : new int[] {1, 2, 17, 1000}) {
            int batch = 6;
            float[] logits = LayerInputs.gaussian(rng, dt, batch * vocab, 2);
            int[] expected = new int[batch];
            for (int b = 0; b < batch; b++) {
                if (b % 2 == 1 && vocab > 2) { // a tie at the maximum: the lowest id wins
                    int i = rng.nextInt(vocab - 1), j = rng.between(i + 1, vocab - 1);
                    logits[b * vocab + i] = logits[b * vocab + j] = 64.0f;
                }
                expected[b] = DecodeRef.sample(Arrays.copyOfRange(logits, b * vocab, (b + 1) * vocab), 0, 0, 1, 0, 0);
            }
            SampleParams p = sameRow(batch, 0.0f, 5, 0.5f, 11);
            p.temperature()[1] = -1.0f;
            int[] got = DecodeRun.sample(CPU, dt, logits, vocab, p);
            assertArrayEquals(expected, got, "vocab=" + vocab + " " + rng.tag());
        }
    }

    /** Random rows and parameters: the id equals DecodeRef's, exactly. */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "BF16"})
    void sampleMatchesReferenceIdForId(DType dt, TestInfo info) {
        Rng rng = Rng.forTest(info);
        for (int vocab : new int[] {1, 2, 7, 100, 1000, 5003}) {
            int batch = 40;
            float[] logits = LayerInputs.gaussian(rng, dt, batch * vocab, rng.pick(1, 3, 8));
            for (int i = 0; i < logits.length; i++) {
                if (rng.nextInt(50) == 0) logits[i] = Float.NEGATIVE_INFINITY;
                if (rng.nextInt(10) == 0 && i > 0) logits[i] = logits[i - 1]; // ties
            }
            for (int b = 0; b < batch; b++) logits[b * vocab + rng.nextInt(vocab)] = 0.5f; // one finite logit at least
            SampleParams p = DecodeRun.randomParams(rng, batch, vocab);
            int[] got = DecodeRun.sample(CPU, dt, logits, vocab, p);
            for (int b = 0; b < batch; b++) {
                float[] row = Arrays.copyOfRange(logits, b * vocab, (b + 1) * vocab);
                int want = DecodeRef.sample(row, p.temperature()[b], p.topK()[b], p.topP()[b], p.seed()[b], p.step()[b]);
                assertEquals(want, got[b], "row " + b + " vocab=" + vocab + " T=" + p.temperature()[b] + " topK="
                        + p.topK()[b] + " topP=" + p.topP()[b] + " " + rng.tag());
            }
        }
    }

    @Test
    void sampleKeepsEveryIdTiedAtTheThreshold(TestInfo info) {
        Rng rng = Rng.forTest(info);
        int vocab = 9, draws = 600;
        float[] row = {3, 0, 3, -1, 3, 0.5f, -2, 1, 0};
        // top-k = 2 cuts through three tied maxima: all three are kept, nothing else
        assertSeen(CPU, row, draws, sameRow(draws, 1.0f, 2, 1.0f, DecodeRun.randomSeed(rng)), new int[] {0, 2, 4}, rng);
        // top-p = 0.2 is reached by the first maximum alone: its ties are kept too
        assertSeen(CPU, row, draws, sameRow(draws, 1.0f, 0, 0.2f, DecodeRun.randomSeed(rng)), new int[] {0, 2, 4}, rng);
        assertEquals(vocab, row.length);
    }

    /** Every draw is one of `expected` and each of them is drawn. */
    static void assertSeen(Device dev, float[] row, int draws, SampleParams p, int[] expected, Rng rng) {
        int[] got = DecodeRun.sample(dev, DType.F32, repeat(row, draws), row.length, p);
        boolean[] seen = new boolean[row.length];
        for (int id : got) {
            assertTrue(Arrays.stream(expected).anyMatch(e -> e == id), "drew " + id + ", kept " + Arrays.toString(expected)
                    + " " + rng.tag());
            seen[id] = true;
        }
        for (int e : expected) assertTrue(seen[e], "id " + e + " never drawn in " + draws + " draws " + rng.tag());
    }

    @Test
    void sameSeedAndStepReproduceOthersDiffer(TestInfo info) {
        Rng rng = Rng.forTest(info);
        int vocab = 50, batch = 64;
        float[] row = rng.gaussian(vocab, 0.3);
        long seed = DecodeRun.randomSeed(rng);
        int[] first = DecodeRun.sample(CPU, DType.F32, repeat(row, batch), vocab, sameRow(batch, 1.0f, 0, 1.0f, seed));
        int[] again = DecodeRun.sample(CPU, DType.F32, repeat(row, batch), vocab, sameRow(batch, 1.0f, 0, 1.0f, seed));
        assertArrayEquals(first, again, "same seeds and steps " + rng.tag());
        int[] other = DecodeRun.sample(CPU, DType.F32, repeat(row, batch), vocab,
                sameRow(batch, 1.0f, 0, 1.0f, seed + (1L << 30)));
        assertFalse(Arrays.equals(first, other), "another seed drew the same 64 ids " + rng.tag());
        assertNotEquals(1, Arrays.stream(first).distinct().count(), "64 steps drew one id " + rng.tag());
    }

    /** Chi-square of the empirical distribution of many draws against DecodeRef.distribution. */
    @Test
    void sampleFrequenciesMatchTheTruncatedSoftmax(TestInfo info) {
        Rng rng = Rng.forTest(info);
        int vocab = 12, draws = 40_000;
        float[] row = rng.gaussian(vocab, 1.5);
        float[][] settings = {{0.9f, 8, 0.85f}, {1.3f, 0, 1.0f}, {0.6f, 5, 1.0f}, {1.0f, 0, 0.7f}};
        for (float[] st : settings) {
            float temperature = st[0], topP = st[2];
            int topK = (int) st[1];
            int[] got = DecodeRun.sample(CPU, DType.F32, repeat(row, draws), vocab,
                    sameRow(draws, temperature, topK, topP, DecodeRun.randomSeed(rng)));
            double[] p = DecodeRef.distribution(row, temperature, topK, topP);
            DecodeRun.assertChiSquare(got, p, "T=" + temperature + " topK=" + topK + " topP=" + topP + " " + rng.tag());
        }
    }

    @Test
    void sampleRejectsBadRowsBeforeWriting() {
        float[] good = {0.5f, 1.0f, -2.0f, 0.0f};
        Object[][] cases = { // {logits row 1, temperature, topK, topP, fragment}
            {new float[] {1, Float.NaN, 0, 0}, 1.0f, 0, 1.0f, "logits[1, 1]"},
            {new float[] {1, 0, Float.POSITIVE_INFINITY, 0}, 1.0f, 0, 1.0f, "logits[1, 2]"},
            {DecodeRun.filled(4, Float.NEGATIVE_INFINITY), 0.0f, 0, 1.0f, "all -Inf"},
            {good, Float.NaN, 0, 1.0f, "temperature[1]"},
            {good, 1.0f, -1, 1.0f, "top_k[1]"},
            {good, 1.0f, 0, 0.0f, "top_p[1]"},
            {good, 1.0f, 0, 1.5f, "top_p[1]"},
            {good, 1.0f, 0, Float.NaN, "top_p[1]"},
        };
        for (Object[] c : cases) {
            float[] logits = new float[8];
            System.arraycopy(good, 0, logits, 0, 4);
            System.arraycopy((float[]) c[0], 0, logits, 4, 4);
            SampleParams p = sameRow(2, 1.0f, 0, 1.0f, 3);
            p.temperature()[1] = (float) c[1];
            p.topK()[1] = (int) c[2];
            p.topP()[1] = (float) c[3];
            try (TensorScope s = new TensorScope(CPU)) {
                Tensor out = s.of(DType.I32, DecodeRun.filled(2, DecodeRun.POISON_ID), 2);
                LoraparException e = assertThrows(LoraparException.class, () -> DecodeOps.sample(s.stream(),
                        s.of(DType.F32, logits, 2, 4), s.of(DType.F32, p.temperature(), 2),
                        s.of(DType.I32, LayerRun.ints(p.topK()), 2), s.of(DType.F32, p.topP(), 2),
                        s.of(DType.I64, DecodeRun.exactFloats(p.seed()), 2),
                        s.of(DType.I64, DecodeRun.exactFloats(p.step()), 2), out), (String) c[4]);
                assertEquals(NativeStatus.INVALID_ARGUMENT, e.status());
                assertTrue(e.getMessage().contains((String) c[4]), e.getMessage() + " should name " + c[4]);
                assertArrayEquals(new int[] {DecodeRun.POISON_ID, DecodeRun.POISON_ID}, DecodeRun.toInts(s.read(out)),
                        "ids written by a refused call (" + c[4] + ")");
            }
        }
    }

    @Test
    void javaChecksNamesTheArgument() {
        try (TensorScope s = new TensorScope(CPU)) {
            Tensor logits = s.zeros(DType.F32, 2, 5), f = s.zeros(DType.F32, 2), i = s.zeros(DType.I32, 2);
            Tensor l = s.zeros(DType.I64, 2), wrong = s.zeros(DType.I32, 3);
            NullPointerException npe = assertThrows(NullPointerException.class,
                    () -> DecodeOps.sample(s.stream(), logits, f, i, f, null, l, i));
            assertTrue(npe.getMessage().contains("seed"), npe.getMessage());
            IllegalArgumentException dtype = assertThrows(IllegalArgumentException.class,
                    () -> DecodeOps.sample(s.stream(), logits, f, i, f, i, l, i));
            assertTrue(dtype.getMessage().contains("seed"), dtype.getMessage());
            IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                    () -> DecodeOps.sample(s.stream(), logits, f, i, f, l, l, wrong));
            assertTrue(shape.getMessage().contains("outIds"), shape.getMessage());
            Tensor q = s.zeros(DType.F32, 2, 4, 8), cache = s.zeros(DType.F32, 2, 5, 3, 8);
            IllegalArgumentException gqa = assertThrows(IllegalArgumentException.class,
                    () -> DecodeOps.attentionDecode(s.stream(), 1.0f, q, cache, cache, i, q));
            assertTrue(gqa.getMessage().contains("nKvHeads"), gqa.getMessage());
        }
    }

    @Test
    void graphsNeedACudaStream() {
        try (TensorScope s = new TensorScope(CPU)) {
            AtomicBoolean ran = new AtomicBoolean();
            LoraparException e = assertThrows(LoraparException.class, () -> CudaGraph.capture(s.stream(), () -> ran.set(true)));
            assertEquals(NativeStatus.UNSUPPORTED, e.status());
            assertTrue(e.getMessage().contains("graphs need a CUDA stream"), e.getMessage());
            assertFalse(ran.get(), "the body ran although the capture could not begin");
        }
    }
}
