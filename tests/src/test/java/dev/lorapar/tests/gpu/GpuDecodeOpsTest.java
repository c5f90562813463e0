package dev.lorapar.tests.gpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorapar.core.CudaGraph;
import dev.lorapar.core.DType;
import dev.lorapar.core.DecodeOps;
import dev.lorapar.core.Device;
import dev.lorapar.core.LoraparException;
import dev.lorapar.core.NativeStatus;
import dev.lorapar.core.Ops;
import dev.lorapar.core.Stream;
import dev.lorapar.core.Tensor;
import dev.lorapar.tests.cases.DecodeRun;
import dev.lorapar.tests.cases.DecodeRun.DecodeCase;
import dev.lorapar.tests.cases.DecodeRun.SampleParams;
import dev.lorapar.tests.cases.LayerInputs;
import dev.lorapar.tests.reference.DecodeRef;
import dev.lorapar.tests.support.Backends;
import dev.lorapar.tests.support.Numerics;
import dev.lorapar.tests.support.Rng;
import dev.lorapar.tests.support.TensorScope;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The token-generation ops on CUDA against the CPU backend (itself checked against DecodeRef by
 * DecodeOpsTest): decode attention f32 within 1e-5 and bf16 within 1e-2 relative, KV-cache writes and
 * sampled ids identical; CUDA graphs replayed with new inputs give the eager results, and a failed
 * capture leaves the stream usable. Outputs poisoned first; cache positions past a sequence's length hold NaN.
 */
@Tag("gpu")
class GpuDecodeOpsTest {
    @BeforeEach
    void requireCuda() { Backends.assumeCuda(); }

    static final Device CPU = Device.CPU;

    static Device gpu() { return Backends.gpu(); }

    static double tol(DType dt) { return dt == DType.F32 ? 1e-5 : 1e-2; }

    /**
     * {nHeads, nKvHeads, headDim, maxLen, batch}: LLaMA-2-7B MHA and GQA shapes, odd and unvectorised ones; one chunk
     * per sequence (normalised by the partial kernel, no combine pass) for MHA at batch 64 and 3, GQA and odd dims.
     */
    static final int[][] DECODE_SHAPES = {
        {32, 32, 128, 300, 3}, {32, 8, 128, 700, 2}, {12, 4, 64, 129, 5}, {6, 2, 20, 33, 3}, {8, 1, 256, 90, 2},
        {16, 16, 96, 65, 4}, {10, 1, 7, 5, 3}, {64, 8, 128, 64, 1}, {32, 32, 128, 200, 64}, {8, 8, 40, 37, 3},
    };

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "BF16"})
    void attentionDecodeMatchesCpu(DType dt, TestInfo info) {
        Rng rng = Rng.forTest(info);
        for (int[] sh : DECODE_SHAPES) {
            int[] lengths = new int[sh[4]];
            for (int b = 0; b < lengths.length; b++) lengths[b] = rng.between(0, sh[3]);
            lengths[0] = sh[3];
            if (lengths.length > 1) lengths[1] = rng.nextBoolean() ? 1 : 0;
            DecodeCase c = DecodeRun.decodeCase(rng, dt, lengths, sh[0], sh[1], sh[2], sh[3]);
            poisonPastLengths(c);
            String ctx = "shape=" + Arrays.toString(sh) + " lengths=" + Arrays.toString(lengths) + " " + rng.tag();
            float[] cuda = DecodeRun.attentionDecode(gpu(), dt, c), cpu = DecodeRun.attentionDecode(CPU, dt, c);
            Numerics.assertClose("out", cuda, cpu, tol(dt), "cuda vs cpu " + ctx);
            for (int b = 0; b < lengths.length; b++)
                if (lengths[b] == 0)
                    for (int i = b * sh[0] * sh[2]; i < (b + 1) * sh[0] * sh[2]; i++)
                        assertEquals(0.0f, cuda[i], "out[" + i + "] of an empty sequence " + ctx);
        }
    }

    /** Shared prompts read from their prefix rows (their own copies NaN), against the CPU, MHA and GQA, one and several chunks. */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "BF16"})
    void attentionDecodeSharedPrefixMatchesCpu(DType dt, TestInfo info) {
        Rng rng = Rng.forTest(info);
        for (int[] sh : new int[][] {{32, 32, 128, 384, 64}, {32, 8, 128, 700, 5}, {8, 8, 40, 37, 6}}) {
            int[] lengths = new int[sh[4]];
            for (int b = 0; b < lengths.length; b++) lengths[b] = rng.between(0, sh[3]);
            DecodeCase c = DecodeRun.decodeCase(rng, dt, lengths, sh[0], sh[1], sh[2], sh[3]);
            int[] prefix = DecodeRun.randomPrefix(rng, c);
            DecodeCase poisoned = DecodeRun.withSharedPositions(c, prefix, false);
            String ctx = "shape=" + Arrays.toString(sh) + " prefix=" + Arrays.toString(prefix) + " " + rng.tag();
            Numerics.assertClose("out", DecodeRun.attentionDecode(gpu(), dt, poisoned, prefix),
                    DecodeRun.attentionDecode(CPU, dt, poisoned, prefix), tol(dt), "cuda vs cpu " + ctx);
        }
    }

    /** A long cache (split-K over many chunks) at LLaMA-2-7B decode shapes. */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "BF16"})
    void attentionDecodeLongCache(DType dt, TestInfo info) {
        Rng rng = Rng.forTest(info);
        DecodeCase c = DecodeRun.decodeCase(rng, dt, new int[] {4096, rng.between(1, 4095)}, 32, 8, 128, 4096);
        poisonPastLengths(c);
        String ctx = "lengths=" + Arrays.toString(c.lengths()) + " " + rng.tag();
        Numerics.assertClose("out", DecodeRun.attentionDecode(gpu(), dt, c), DecodeRun.attentionDecode(CPU, dt, c),
                tol(dt), "cuda vs cpu " + ctx);
    }

    static void poisonPastLengths(DecodeCase c) {
        int row = c.nKvHeads() * c.headDim();
        for (int b = 0; b < c.batch(); b++) {
            int from = (b * c.maxLen() + c.lengths()[b]) * row, to = (b + 1) * c.maxLen() * row;
            Arrays.fill(c.kCache(), from, to, Float.NaN);
            Arrays.fill(c.vCache(), from, to, Float.NaN);
        }
    }

    /**
     * The fused rotation + cache write on CUDA gives, bit for bit, what CUDA's rope(q), rope(k) and kvCacheWrite give
     * (the same device arithmetic), at the 7B decode shape (64 rows, 32 heads of 128), with GQA, odd head counts and
     * head_dim 2; a row whose slot is out of range is rotated but not cached, as kvCacheWrite skips it.
     */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "BF16"})
    void ropeKvCacheWriteIsRopeThenCacheWrite(DType dt, TestInfo info) {
        Rng rng = Rng.forTest(info);
        for (int[] shape : new int[][] {{64, 32, 32, 128}, {7, 12, 4, 64}, {5, 3, 1, 2}, {3, 5, 5, 16}}) {
            int rows = shape[0], nHeads = shape[1], nKvHeads = shape[2], headDim = shape[3];
            int slots = rows + rng.between(0, 50), row = nKvHeads * headDim;
            int[] slot = DecodeRun.distinctSlots(rng, rows, slots), positions = new int[rows];
            for (int t = 0; t < rows; t++) positions[t] = rng.between(0, 4000);
            float[] q = LayerInputs.gaussian(rng, dt, rows * nHeads * headDim, 1);
            float[] k = LayerInputs.gaussian(rng, dt, rows * row, 1), v = LayerInputs.gaussian(rng, dt, rows * row, 1);
            float[] kc0 = LayerInputs.gaussian(rng, dt, slots * row, 1), vc0 = LayerInputs.gaussian(rng, dt, slots * row, 1);
            for (Ops.RopeKind kind : Ops.RopeKind.values()) {
                String ctx = Arrays.toString(shape) + " " + kind + " " + rng.tag();
                for (int[] sl : new int[][] {slot, withBadFirst(slot, rng.nextBoolean() ? -1 : slots)}) {
                    float[][] fused = DecodeRun.ropeKvCacheWrite(gpu(), dt, true, q, k, v, positions, sl, kc0, vc0,
                            nHeads, nKvHeads, headDim, 10000, kind);
                    float[][] apart = DecodeRun.ropeKvCacheWrite(gpu(), dt, false, q, k, v, positions, sl, kc0, vc0,
                            nHeads, nKvHeads, headDim, 10000, kind);
                    String[] names = {"q", "k", "kCache", "vCache"};
                    for (int i = 0; i < names.length; i++)
                        Numerics.assertBitsEqual(names[i] + (sl == slot ? "" : " (slot 0 out of range)"), apart[i],
                                fused[i], ctx);
                }
            }
        }
    }

    private static int[] withBadFirst(int[] slot, int bad) {
        int[] out = slot.clone();
        out[0] = bad;
        return out;
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "BF16"})
    void kvCacheWriteMatchesCpu(DType dt, TestInfo info) {
        Rng rng = Rng.forTest(info);
        for (int[] hd : new int[][] {{8, 128}, {3, 7}, {1, 1}, {2, 4}}) {
            int rows = rng.pick(1, 5, 64), slots = rows + rng.between(0, 100), row = hd[0] * hd[1];
            int[] slot = DecodeRun.distinctSlots(rng, rows, slots);
            float[] k = LayerInputs.gaussian(rng, dt, rows * row, 1), v = LayerInputs.gaussian(rng, dt, rows * row, 1);
            float[] kc0 = LayerInputs.gaussian(rng, dt, slots * row, 1), vc0 = LayerInputs.gaussian(rng, dt, slots * row, 1);
            String ctx = "rows=" + rows + " slots=" + slots + " kvH x D=" + Arrays.toString(hd) + " " + rng.tag();
            float[][] cuda = DecodeRun.kvCacheWrite(gpu(), dt, k, v, slot, kc0, vc0, hd[0], hd[1]);
            float[][] cpu = DecodeRun.kvCacheWrite(CPU, dt, k, v, slot, kc0, vc0, hd[0], hd[1]);
            Numerics.assertBitsEqual("kCache", cpu[0], cuda[0], ctx);
            Numerics.assertBitsEqual("vCache", cpu[1], cuda[1], ctx);
            // CUDA skips rows whose slot is out of range (the CPU refuses the call)
            int[] bad = slot.clone();
            bad[0] = rng.nextBoolean() ? -1 : slots;
            float[][] skipped = DecodeRun.kvCacheWrite(gpu(), dt, k, v, bad, kc0, vc0, hd[0], hd[1]);
            float[] expected = cpu[0].clone();
            System.arraycopy(kc0, slot[0] * row, expected, slot[0] * row, row);
            Numerics.assertBitsEqual("kCache with row 0 skipped", expected, skipped[0], ctx);
        }
    }

    /** Random rows and parameters: CUDA draws exactly the CPU's ids, for F32 and BF16 logits. */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "BF16"})
    void sampleIdsMatchCpu(DType dt, TestInfo info) {
        Rng rng = Rng.forTest(info);
        for (int vocab : new int[] {1, 3, 1000, 32000, 128256}) {
            int batch = vocab > 50_000 ? 24 : 96;
            float[] logits = LayerInputs.gaussian(rng, dt, batch * vocab, rng.pick(1, 4, 10));
            for (int i = 0; i < logits.length; i++) {
                if (rng.nextInt(100) == 0) logits[i] = Float.NEGATIVE_INFINITY;
                if (rng.nextInt(20) == 0 && i > 0) logits[i] = logits[i - 1];
            }
            for (int b = 0; b < batch; b++) logits[b * vocab + rng.nextInt(vocab)] = 1.0f;
            SampleParams p = DecodeRun.randomParams(rng, batch, vocab);
            String ctx = "vocab=" + vocab + " " + rng.tag();
            int[] cuda = DecodeRun.sample(gpu(), dt, logits, vocab, p), cpu = DecodeRun.sample(CPU, dt, logits, vocab, p);
            assertArrayEquals(cpu, cuda, "cuda vs cpu ids " + ctx);
        }
    }

    @Test
    void sampleFrequenciesOnCuda(TestInfo info) {
        Rng rng = Rng.forTest(info);
        int vocab = 40, draws = 50_000;
        float[] row = rng.gaussian(vocab, 2.0);
        long[] steps = new long[draws];
        for (int i = 0; i < draws; i++) steps[i] = i;
        long[] seeds = new long[draws];
        Arrays.fill(seeds, DecodeRun.randomSeed(rng));
        int[] k = new int[draws];
        Arrays.fill(k, 12);
        SampleParams p = new SampleParams(DecodeRun.filled(draws, 0.8f), k, DecodeRun.filled(draws, 0.9f), seeds, steps);
        float[] logits = new float[draws * vocab];
        for (int i = 0; i < draws; i++) System.arraycopy(row, 0, logits, i * vocab, vocab);
        int[] got = DecodeRun.sample(gpu(), DType.F32, logits, vocab, p);
        DecodeRun.assertChiSquare(got, DecodeRef.distribution(row, 0.8f, 12, 0.9f),
                "cuda " + rng.tag());
    }

    /** Rows the CPU refuses get id −1 on CUDA; the valid rows of the same call are drawn normally. */
    @Test
    void sampleMarksInvalidRows() {
        float[] logits = {1, 2, 3, 4, Float.NaN, 0, 0, 0, 1, 2, 3, 4, Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY,
                Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY, 1, 2, 3, 4, 1, 2, 3, 4};
        SampleParams p = new SampleParams(new float[] {0, 1, 1, 1, Float.NaN, 1}, new int[] {0, 0, -1, 0, 0, 0},
                new float[] {1, 1, 1, 1, 1, 0}, new long[6], new long[6]);
        int[] got = DecodeRun.sample(gpu(), DType.F32, logits, 4, p);
        assertArrayEquals(new int[] {3, -1, -1, -1, -1, -1}, got);
    }

    // ------------------------------------------------------------------ CUDA graphs

    /** The tensors of one decode step: write k/v, attend, project to logits (GEMM), sample. */
    static final class Step implements AutoCloseable {
        // MAX_LEN: more than one 64-key chunk, so the attention keeps partials in the scratch arena (failedCaptures…)
        static final int BATCH = 3, HEADS = 8, KV_HEADS = 2, DIM = 64, MAX_LEN = 100, VOCAB = 500;
        final TensorScope s;
        final Tensor q, kNew, vNew, slot, kCache, vCache, lengths, attn, w, logits, temperature, topK, topP, seed, step, ids;

        /** cache [BATCH×MAX_LEN×KV_HEADS×DIM] initial k and v cache, weights [VOCAB×HEADS·DIM] of the projection. */
        Step(Device dev, float[] cache, float[] weights) {
            s = new TensorScope(dev);
            DType dt = DType.BF16;
            q = s.poisoned(dt, BATCH, HEADS, DIM);
            kNew = s.poisoned(dt, BATCH, KV_HEADS, DIM);
            vNew = s.poisoned(dt, BATCH, KV_HEADS, DIM);
            slot = s.zeros(DType.I32, BATCH);
            kCache = s.of(dt, cache, BATCH, MAX_LEN, KV_HEADS, DIM);
            vCache = s.of(dt, cache, BATCH, MAX_LEN, KV_HEADS, DIM);
            lengths = s.zeros(DType.I32, BATCH);
            attn = s.poisoned(dt, BATCH, HEADS, DIM);
            w = s.of(dt, weights, VOCAB, HEADS * DIM);
            logits = s.poisoned(DType.F32, BATCH, VOCAB);
            temperature = s.of(DType.F32, new float[] {0.0f, 0.8f, 1.2f}, BATCH);
            topK = s.of(DType.I32, new float[] {0, 40, 0}, BATCH);
            topP = s.of(DType.F32, new float[] {1, 0.9f, 1}, BATCH);
            seed = s.of(DType.I64, new float[] {1, 2, 3}, BATCH);
            step = s.zeros(DType.I64, BATCH);
            ids = s.of(DType.I32, DecodeRun.filled(BATCH, DecodeRun.POISON_ID), BATCH);
        }

        /** The inputs of decode position pos: {q, kNew, vNew} values, copied before a launch or an eager run. */
        void setInputs(float[][] in, int pos) {
            q.copyFrom(s.stream(), in[0]);
            kNew.copyFrom(s.stream(), in[1]);
            vNew.copyFrom(s.stream(), in[2]);
            float[] sl = new float[BATCH], len = new float[BATCH], st = new float[BATCH];
            for (int b = 0; b < BATCH; b++) {
                sl[b] = b * MAX_LEN + pos;
                len[b] = pos + 1;
                st[b] = pos;
            }
            slot.copyFrom(s.stream(), sl);
            lengths.copyFrom(s.stream(), len);
            step.copyFrom(s.stream(), st);
        }

        static float[][] randomInputs(Rng rng) {
            return new float[][] {rng.gaussian(BATCH * HEADS * DIM, 1), rng.gaussian(BATCH * KV_HEADS * DIM, 1),
                    rng.gaussian(BATCH * KV_HEADS * DIM, 1)};
        }

        void run() {
            Stream st = s.stream();
            DecodeOps.kvCacheWrite(st, kNew, vNew, slot, kCache, vCache);
            DecodeOps.attentionDecode(st, 0.125f, q, kCache, vCache, lengths, attn);
            Ops.gemm(st, false, true, 1.0f, attn.view(BATCH, HEADS * DIM), w, 0.0f, logits);
            DecodeOps.sample(st, logits, temperature, topK, topP, seed, step, ids);
        }

        float[][] outputs() { return new float[][] {s.read(attn), s.read(logits), s.read(ids), s.read(kCache)}; }

        @Override
        public void close() { s.close(); }
    }

    static Step newStep(Rng rng) {
        return new Step(gpu(), LayerInputs.gaussian(rng, DType.BF16, Step.BATCH * Step.MAX_LEN * Step.KV_HEADS * Step.DIM, 1),
                LayerInputs.gaussian(rng, DType.BF16, Step.VOCAB * Step.HEADS * Step.DIM, 0.05));
    }

    /** Five decode positions: the graph replayed with new inputs gives the eager run's bits. */
    @Test
    void graphReplayMatchesEager(TestInfo info) {
        Rng rng = Rng.forTest(info);
        float[] cache = LayerInputs.gaussian(rng, DType.BF16, Step.BATCH * Step.MAX_LEN * Step.KV_HEADS * Step.DIM, 1);
        float[] weights = LayerInputs.gaussian(rng, DType.BF16, Step.VOCAB * Step.HEADS * Step.DIM, 0.05);
        float[][][] inputs = new float[5][][];
        for (int pos = 0; pos < inputs.length; pos++) inputs[pos] = Step.randomInputs(rng);
        try (Step eager = new Step(gpu(), cache, weights); Step graphed = new Step(gpu(), cache, weights)) {
            float[] cacheBefore = graphed.s.read(graphed.kCache);
            graphed.setInputs(inputs[0], 0);
            graphed.run(); // warm-up: the workspaces reach their size before the capture
            graphed.kCache.copyFrom(graphed.s.stream(), cacheBefore); // undo the warm-up's write
            graphed.vCache.copyFrom(graphed.s.stream(), cacheBefore);
            try (CudaGraph graph = CudaGraph.capture(graphed.s.stream(), graphed::run)) {
                for (int pos = 0; pos < inputs.length; pos++) {
                    eager.setInputs(inputs[pos], pos);
                    eager.run();
                    graphed.setInputs(inputs[pos], pos);
                    graph.launch(graphed.s.stream());
                    float[][] e = eager.outputs(), g = graphed.outputs();
                    String[] names = {"attn", "logits", "ids", "kCache"};
                    for (int i = 0; i < names.length; i++)
                        Numerics.assertBitsEqual(names[i] + " at position " + pos, e[i], g[i], rng.tag());
                }
            }
        }
    }

    @Test
    void failedCapturesLeaveTheStreamUsable(TestInfo info) {
        Rng rng = Rng.forTest(info);
        try (Step step = newStep(rng)) {
            Stream st = step.s.stream();
            // an empty scratch arena cannot grow during the capture: the op fails, the capture ends
            step.setInputs(Step.randomInputs(rng), 0);
            LoraparException grow = assertThrows(LoraparException.class, () -> CudaGraph.capture(st, step::run));
            assertTrue(grow.getMessage().contains("captured into a CUDA graph"), grow.getMessage());
            step.run(); // eagerly once: the arena grows, later captures need no allocation
            // a body that throws: the same exception, the capture discarded
            IllegalStateException thrown = new IllegalStateException("body failed");
            assertSame(thrown, assertThrows(IllegalStateException.class, () -> CudaGraph.capture(st, () -> {
                step.run();
                throw thrown;
            })));
            // an op that synchronizes is not capturable
            Tensor values = step.s.of(DType.F32, new float[] {3, 1, 2}, 3), mask = step.s.poisoned(DType.U8, 3);
            assertThrows(LoraparException.class, () -> CudaGraph.capture(st, () -> Ops.selectTopK(st, values, null, 1,
                    mask)));
            // the stream still runs eager work correctly
            step.run();
            float[] ids = step.s.read(step.ids);
            for (float id : ids) assertTrue(id >= 0 && id < Step.VOCAB, "id " + id + " after failed captures");
            assertEquals(1, Ops.selectTopK(st, values, null, 1, mask));
            // and can capture again
            try (CudaGraph g = CudaGraph.capture(st, step::run)) {
                g.launch(st);
                st.synchronize();
            }
        }
    }

    /** A graph keeps its capture stream's workspaces: it replays correctly after that stream is closed. */
    @Test
    void graphOutlivesItsCaptureStream(TestInfo info) {
        Rng rng = Rng.forTest(info);
        try (TensorScope owner = new TensorScope(gpu())) {
            int batch = 2, heads = 4, dim = 32, maxLen = 300;
            float[] qv = rng.gaussian(batch * heads * dim, 1), cache = rng.gaussian(batch * maxLen * heads * dim, 1);
            Tensor q = owner.of(DType.F32, qv, batch, heads, dim), out = owner.poisoned(DType.F32, batch, heads, dim);
            Tensor kc = owner.of(DType.F32, cache, batch, maxLen, heads, dim);
            Tensor len = owner.of(DType.I32, new float[] {maxLen, 17}, batch);
            CudaGraph graph;
            try (Stream capture = Stream.create(gpu())) {
                DecodeOps.attentionDecode(capture, 0.2f, q, kc, kc, len, out);
                graph = CudaGraph.capture(capture, () -> DecodeOps.attentionDecode(capture, 0.2f, q, kc, kc, len, out));
            }
            try (graph) {
                out.fill(owner.stream(), Double.NaN);
                graph.launch(owner.stream());
                DecodeCase c = new DecodeCase(heads, heads, dim, maxLen, 0.2f, new int[] {maxLen, 17}, qv, cache, cache);
                Numerics.assertClose("out", owner.read(out), DecodeRun.attentionDecode(CPU, DType.F32, c), 1e-5, rng.tag());
            }
        }
    }
}
