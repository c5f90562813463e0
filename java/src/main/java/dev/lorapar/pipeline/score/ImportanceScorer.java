package dev.lorapar.pipeline.score;

import dev.lorapar.core.DType;
import dev.lorapar.core.Ops;
import dev.lorapar.core.Stream;
import dev.lorapar.core.Tensor;
import dev.lorapar.dist.Collective;
import dev.lorapar.model.LlamaConfig;
import dev.lorapar.model.LlamaForwardBackward;
import dev.lorapar.model.LoraAdapter;
import dev.lorapar.model.LoraGradients;
import dev.lorapar.model.LoraPair;
import dev.lorapar.model.TokenBatch;
import dev.lorapar.train.data.Sample;
import dev.lorapar.train.export.PeftNames;
import dev.lorapar.train.export.RopeRows;
import dev.lorapar.train.report.ProgressReporter;
import java.util.ArrayList;
import java.util.List;

/**
 * Taylor importance (method §3) of every element of an adapter's A and B for one system: for each sample (batch 1)
 * the gradient g of the mean cross-entropy over the sample's answer tokens (targets ≥ 0) at the adapter's current
 * values φ, then S1 += g·φ, S2 += (g·φ)² ({@link Ops#importanceAccumulate}, F32 on the device) and at the end
 * I = |S1 − ½·S2| / N ({@link Ops#importanceFinalize}). The adapter is not changed. The result lists the matrices in
 * {@link LoraAdapter#pairs()} order, A before B, named by PEFT keys, rows as a PEFT export writes them.
 */
public final class ImportanceScorer implements AutoCloseable {
    private final LoraAdapter adapter;
    private final Stream stream;
    private final LlamaForwardBackward pass;
    private final LoraGradients grads;
    private final List<Tensor> params = new ArrayList<>(), gradList = new ArrayList<>(); // A…, B… per pair
    private final List<Tensor> s1 = new ArrayList<>(), s2 = new ArrayList<>();           // F32, like params

    /** A scorer for {@code adapter}; {@code maxTokens} bounds a sample's length. */
    public ImportanceScorer(LoraAdapter adapter, Stream stream, int maxTokens) {
        this.adapter = adapter;
        this.stream = stream;
        LlamaForwardBackward p = null;
        LoraGradients g = null;
        try {
            p = LlamaForwardBackward.create(adapter.weights(), stream, LlamaForwardBackward.Options.of(maxTokens));
            g = new LoraGradients(adapter, stream);
            for (LoraPair pair : adapter.pairs()) {
                params.add(pair.a());
                params.add(pair.b());
                gradList.add(g.a(pair.layer(), pair.target()));
                gradList.add(g.b(pair.layer(), pair.target()));
            }
            for (Tensor t : params) {
                s1.add(Tensor.zeros(stream, DType.F32, t.shape()));
                s2.add(Tensor.zeros(stream, DType.F32, t.shape()));
            }
        } catch (RuntimeException e) {
            if (p != null) p.close();
            if (g != null) g.close();
            s1.forEach(Tensor::close);
            s2.forEach(Tensor::close);
            throw e;
        }
        pass = p;
        grads = g;
    }

    /**
     * Scores {@code samples} (each with at least one answer token) as system {@code system}; {@code progress}
     * (nullable) is updated after each sample.
     */
    public ImportanceScores score(String system, List<Sample> samples, ProgressReporter progress) {
        return score(system, samples, progress, null);
    }

    /**
     * One rank's part of a data-parallel scoring ({@code collective} null = alone): every rank passes the same N
     * {@code samples}; this rank scores sample i when i mod worldSize = rank ({@link #share}), S1 and S2 (F32) are
     * summed over the ranks in one all-reduce, then every rank finalizes I = |S1 − ½·S2| / N with the global N. The
     * result equals one rank's within fp32 rounding of the summation order. {@code progress} counts this rank's
     * samples (total {@link #share}).
     */
    public ImportanceScores score(String system, List<Sample> samples, ProgressReporter progress,
                                  Collective collective) {
        if (samples.isEmpty()) throw new IllegalArgumentException("system " + system + ": no samples to score");
        for (Sample s : samples) { // checked on every rank before any work, so all ranks fail alike
            if (s.targetCount() == 0) {
                throw new IllegalArgumentException("system " + system + ": sample from " + s.source()
                        + " has no answer tokens (answer truncated away?)");
            }
        }
        int rank = collective == null ? 0 : collective.rank(), world = collective == null ? 1 : collective.worldSize();
        s1.forEach(t -> t.fill(stream, 0));
        s2.forEach(t -> t.fill(stream, 0));
        double lossSum = 0;
        int done = 0;
        for (int i = rank; i < samples.size(); i += world) {
            Sample s = samples.get(i);
            TokenBatch batch = new TokenBatch(new int[][] {s.tokens()}, new int[][] {s.targets()}, null, null);
            var r = pass.forwardBackward(batch, adapter, LlamaForwardBackward.Gradients.lora(grads),
                    1f / s.targetCount());
            Ops.importanceAccumulate(stream, gradList, params, s1, s2);
            lossSum += r.meanLoss();
            done++;
            if (progress != null) {
                progress.update(done, ProgressReporter.Field.of("mean loss",
                        String.format(java.util.Locale.ROOT, "%.4f", lossSum / done)));
            }
        }
        if (collective != null) {
            List<Tensor> sums = new ArrayList<>(s1); // [rows×cols] F32 each, S1 then S2
            sums.addAll(s2);
            collective.allReduceSum(stream, sums);
        }
        Ops.importanceFinalize(stream, s1, s2, s1, samples.size());
        return collect(system, samples.size());
    }

    /** How many of {@code n} samples rank {@code rank} of {@code world} scores: those i with i mod world = rank. */
    public static int share(int n, int rank, int world) {
        return rank >= n ? 0 : (n - rank + world - 1) / world;
    }

    private ImportanceScores collect(String system, long n) {
        LlamaConfig c = adapter.weights().config();
        List<ImportanceMatrix> matrices = new ArrayList<>();
        List<float[]> parts = new ArrayList<>();
        long offset = 0;
        int i = 0;
        for (LoraPair pair : adapter.pairs()) {
            for (boolean isA : new boolean[] {true, false}) {
                Tensor t = s1.get(i++);
                int rows = (int) t.dim(0), cols = (int) t.dim(1);
                float[] v = t.toFloatArray(stream); // [rows×cols]
                if (!isA && RopeRows.moves(c, pair.target())) v = RopeRows.toHf(v, cols, c.headDim());
                String name = isA ? PeftNames.loraA(pair.layer(), pair.target()) : PeftNames.loraB(pair.layer(), pair.target());
                matrices.add(ImportanceMatrix.of(name, rows, cols, offset));
                parts.add(v);
                offset += (long) rows * cols;
            }
        }
        if (offset > Integer.MAX_VALUE - 8) throw new IllegalStateException(offset + " LoRA elements: too many for one array");
        float[] flat = new float[(int) offset];
        int at = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, flat, at, p.length);
            at += p.length;
        }
        return new ImportanceScores(system, matrices, flat, n);
    }

    @Override
    public void close() {
        pass.close();
        grads.close();
        s1.forEach(Tensor::close);
        s2.forEach(Tensor::close);
    }
}
