package dev.lorapar.tests.cases;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorapar.core.DType;
import dev.lorapar.core.DecodeOps;
import dev.lorapar.core.Ops;
import dev.lorapar.core.Device;
import dev.lorapar.core.Tensor;
import dev.lorapar.tests.support.Rng;
import dev.lorapar.tests.support.TensorScope;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Runs one token-generation op on a device from host arrays and returns its outputs. Outputs are
 * poisoned before the call (NaN for activations, {@link #POISON_ID} for ids) unless the op reads them
 * (the caches of a KV write). Also the shared pieces of the CPU and GPU suites: random slots and sampling
 * parameters, and the chi-square check of drawn ids.
 */
public final class DecodeRun {
    private DecodeRun() {}

    /** What an id output holds before the op writes it. */
    public static final int POISON_ID = -777;

    /** A decode-attention problem: q [batch×nHeads×headDim], caches [batch×maxLen×nKvHeads×headDim]. */
    public record DecodeCase(int nHeads, int nKvHeads, int headDim, int maxLen, float scale, int[] lengths, float[] q,
                             float[] kCache, float[] vCache) {
        public int batch() { return lengths.length; }

        long[] qShape() { return new long[] {batch(), nHeads, headDim}; }

        long[] cacheShape() { return new long[] {batch(), maxLen, nKvHeads, headDim}; }
    }

    /** A decode problem with random q and caches (stored as dt), scale 1/√headDim. */
    public static DecodeCase decodeCase(Rng rng, DType dt, int[] lengths, int nHeads, int nKvHeads, int headDim,
                                        int maxLen) {
        int batch = lengths.length, cache = batch * maxLen * nKvHeads * headDim;
        return new DecodeCase(nHeads, nKvHeads, headDim, maxLen, (float) (1.0 / Math.sqrt(headDim)), lengths,
                LayerInputs.gaussian(rng, dt, batch * nHeads * headDim, 1.5), LayerInputs.gaussian(rng, dt, cache, 1.5),
                LayerInputs.gaussian(rng, dt, cache, 1.0));
    }

    /** out [batch×nHeads×headDim] of decode attention. */
    public static float[] attentionDecode(Device dev, DType dt, DecodeCase c) {
        try (TensorScope s = new TensorScope(dev)) {
            Tensor out = s.poisoned(dt, c.qShape());
            DecodeOps.attentionDecode(s.stream(), c.scale, s.of(dt, c.q, c.qShape()), s.of(dt, c.kCache, c.cacheShape()),
                    s.of(dt, c.vCache, c.cacheShape()), s.of(DType.I32, LayerRun.ints(c.lengths), c.batch()), out);
            return s.read(out);
        }
    }

    /** out of decode attention with a prefix table [batch×2] (sequence b reads keys j < prefix[2b+1] from row prefix[2b]). */
    public static float[] attentionDecode(Device dev, DType dt, DecodeCase c, int[] prefix) {
        try (TensorScope s = new TensorScope(dev)) {
            Tensor out = s.poisoned(dt, c.qShape());
            DecodeOps.attentionDecode(s.stream(), c.scale, s.of(dt, c.q, c.qShape()), s.of(dt, c.kCache, c.cacheShape()),
                    s.of(dt, c.vCache, c.cacheShape()), s.of(DType.I32, LayerRun.ints(c.lengths), c.batch()),
                    s.of(DType.I32, LayerRun.ints(prefix), c.batch(), 2), out);
            return s.read(out);
        }
    }

    /**
     * A prefix table for c: some sequences (roots) read only their own keys; each other one reads its first n keys from
     * a random root, n in [0, maxLen].
     */
    public static int[] randomPrefix(Rng rng, DecodeCase c) {
        int batch = c.batch();
        int[] prefix = new int[2 * batch];
        List<Integer> roots = new ArrayList<>();
        for (int b = 0; b < batch; b++) {
            if (roots.isEmpty() || rng.nextInt(3) == 0) {
                roots.add(b);
                prefix[2 * b] = b;
            } else {
                prefix[2 * b] = roots.get(rng.nextInt(roots.size()));
                prefix[2 * b + 1] = rng.between(0, c.maxLen);
            }
        }
        return prefix;
    }

    /**
     * c's caches with each sequence's shared positions (j < prefix[2b+1]) set from its prefix row (fromRow) or to NaN
     * (!fromRow: a kernel that reads them there fails). Roots' rows are never changed.
     */
    public static DecodeCase withSharedPositions(DecodeCase c, int[] prefix, boolean fromRow) {
        float[] k = c.kCache.clone(), v = c.vCache.clone();
        int row = c.nKvHeads * c.headDim;
        for (int b = 0; b < c.batch(); b++) {
            int src = prefix[2 * b], n = prefix[2 * b + 1];
            for (int j = 0; j < n; j++) {
                int to = (b * c.maxLen + j) * row, from = (src * c.maxLen + j) * row;
                for (int e = 0; e < row; e++) {
                    k[to + e] = fromRow ? c.kCache[from + e] : Float.NaN;
                    v[to + e] = fromRow ? c.vCache[from + e] : Float.NaN;
                }
            }
        }
        return new DecodeCase(c.nHeads, c.nKvHeads, c.headDim, c.maxLen, c.scale, c.lengths, c.q, k, v);
    }

    /** {kCache, vCache} [cacheSlots×nKvHeads×headDim] after writing rows k, v [rows×nKvHeads×headDim] to slot. */
    public static float[][] kvCacheWrite(Device dev, DType dt, float[] k, float[] v, int[] slot, float[] kCache0,
                                         float[] vCache0, int nKvHeads, int headDim) {
        try (TensorScope s = new TensorScope(dev)) {
            int rows = slot.length, slots = kCache0.length / (nKvHeads * headDim);
            Tensor kc = s.of(dt, kCache0, slots, nKvHeads, headDim), vc = s.of(dt, vCache0, slots, nKvHeads, headDim);
            DecodeOps.kvCacheWrite(s.stream(), s.of(dt, k, rows, nKvHeads, headDim), s.of(dt, v, rows, nKvHeads, headDim),
                    s.of(DType.I32, LayerRun.ints(slot), rows), kc, vc);
            return new float[][] {s.read(kc), s.read(vc)};
        }
    }

    /**
     * q, k (rotated), kCache, vCache after a decode step's rotation and cache write at positions [rows]: fused
     * ({@code DecodeOps.ropeKvCacheWrite}) or as the three separate calls (two {@code Ops.rope}, one kvCacheWrite).
     */
    public static float[][] ropeKvCacheWrite(Device dev, DType dt, boolean fused, float[] q, float[] k, float[] v,
                                             int[] positions, int[] slot, float[] kCache0, float[] vCache0, int nHeads,
                                             int nKvHeads, int headDim, double theta, Ops.RopeKind kind) {
        try (TensorScope s = new TensorScope(dev)) {
            int rows = slot.length, slots = kCache0.length / (nKvHeads * headDim);
            Tensor tq = s.of(dt, q, rows, nHeads, headDim), tk = s.of(dt, k, rows, nKvHeads, headDim);
            Tensor tv = s.of(dt, v, rows, nKvHeads, headDim), pos = s.of(DType.I32, LayerRun.ints(positions), rows);
            Tensor sl = s.of(DType.I32, LayerRun.ints(slot), rows);
            Tensor kc = s.of(dt, kCache0, slots, nKvHeads, headDim), vc = s.of(dt, vCache0, slots, nKvHeads, headDim);
            if (fused) {
                DecodeOps.ropeKvCacheWrite(s.stream(), tq, tk, tv, pos, theta, kind, sl, kc, vc);
            } else {
                Ops.rope(s.stream(), tq, pos, theta, kind, false);
                Ops.rope(s.stream(), tk, pos, theta, kind, false);
                DecodeOps.kvCacheWrite(s.stream(), tk, tv, sl, kc, vc);
            }
            return new float[][] {s.read(tq), s.read(tk), s.read(kc), s.read(vc)};
        }
    }

    /** Per-row sampling parameters [batch] each (seeds and steps: any 64-bit values, uploaded exactly). */
    public record SampleParams(float[] temperature, int[] topK, float[] topP, long[] seed, long[] step) {}

    /** outIds [batch] of lp_sample on logits [batch×vocab]. */
    public static int[] sample(Device dev, DType dt, float[] logits, int vocab, SampleParams p) {
        try (TensorScope s = new TensorScope(dev)) {
            int batch = p.topK.length;
            Tensor out = s.of(DType.I32, filled(batch, POISON_ID), batch); // poisoned
            DecodeOps.sample(s.stream(), s.of(dt, logits, batch, vocab), s.of(DType.F32, p.temperature, batch),
                    s.of(DType.I32, LayerRun.ints(p.topK), batch), s.of(DType.F32, p.topP, batch),
                    longs(s, p.seed), longs(s, p.step), out);
            return toInts(s.read(out));
        }
    }

    /** An I64 tensor [n] holding {@code values} exactly (any 64-bit value). */
    static Tensor longs(TensorScope s, long[] values) {
        Tensor t = s.of(DType.I64, new float[values.length], values.length);
        t.copyFromLongs(s.stream(), values);
        return t;
    }

    public static float[] filled(int n, float value) {
        float[] out = new float[n];
        Arrays.fill(out, value);
        return out;
    }

    /** values as floats, each exactly (else IllegalArgumentException: a test bug). */
    public static float[] exactFloats(long[] values) {
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (float) values[i];
            if ((long) out[i] != values[i] || out[i] >= 0x1p63f)
                throw new IllegalArgumentException("value " + values[i] + " is not exactly a float below 2^63");
        }
        return out;
    }

    public static int[] toInts(float[] v) {
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) out[i] = (int) v[i];
        return out;
    }

    /** A random 64-bit seed (about half of them ≥ 2^63 as unsigned), uploaded exactly by {@link #longs}. */
    public static long randomSeed(Rng rng) {
        return rng.nextLong();
    }

    /** rows distinct slots in [0, slots), in random order. */
    public static int[] distinctSlots(Rng rng, int rows, int slots) {
        int[] all = new int[slots];
        for (int i = 0; i < slots; i++) all[i] = i;
        for (int i = slots - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1), x = all[i];
            all[i] = all[j];
            all[j] = x;
        }
        return Arrays.copyOf(all, rows);
    }

    /** Per-row parameters covering greedy, top-k on / off / ≥ vocab, top-p on / off / tiny. */
    public static SampleParams randomParams(Rng rng, int batch, int vocab) {
        float[] temperature = new float[batch], topP = new float[batch];
        int[] topK = new int[batch];
        long[] seed = new long[batch], step = new long[batch];
        for (int b = 0; b < batch; b++) {
            temperature[b] = rng.nextInt(8) == 0 ? 0.0f : (float) (0.2 + 1.8 * rng.nextDouble());
            topK[b] = switch (rng.nextInt(5)) {
                case 0 -> 0;
                case 1 -> 1;
                case 2 -> vocab + rng.nextInt(3);
                default -> rng.between(1, Math.max(1, Math.min(vocab, 64)));
            };
            topP[b] = switch (rng.nextInt(4)) {
                case 0 -> 1.0f;
                case 1 -> 1e-3f;
                default -> (float) (0.05 + 0.9 * rng.nextDouble());
            };
            seed[b] = randomSeed(rng);
            step[b] = rng.nextInt(1 << 20);
        }
        return new SampleParams(temperature, topK, topP, seed, step);
    }

    /** No draw outside the support of p; Σ (obs − exp)²/exp within df + 10·√(2·df) + 10 (false alarm ≪ 1e-6). */
    public static void assertChiSquare(int[] ids, double[] p, String ctx) {
        long[] counts = new long[p.length];
        for (int id : ids) {
            assertTrue(id >= 0 && id < p.length && p[id] > 0, "drew id " + id + " outside the kept set " + ctx);
            counts[id]++;
        }
        double chi2 = 0;
        int df = -1;
        for (int i = 0; i < p.length; i++) {
            if (p[i] == 0) continue;
            double expected = p[i] * ids.length;
            chi2 += (counts[i] - expected) * (counts[i] - expected) / expected;
            df++;
        }
        double bound = df + 10 * Math.sqrt(2.0 * Math.max(df, 1)) + 10;
        assertTrue(chi2 <= bound, "chi-square " + chi2 + " > " + bound + " (df " + df + ") counts "
                + Arrays.toString(counts) + " p " + Arrays.toString(p) + " " + ctx);
    }
}
