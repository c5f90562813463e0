package dev.lorapar.tests.cases;

import dev.lorapar.core.DType;
import dev.lorapar.tests.cases.LayerRun.AttnCase;
import dev.lorapar.tests.support.Numerics;
import dev.lorapar.tests.support.Rng;

/** Random inputs of the LLaMA layer ops, already rounded to the dtype under test (what the op sees). */
public final class LayerInputs {
    private LayerInputs() {}

    /** n values N(0, sigma²) as stored in dt. */
    public static float[] gaussian(Rng rng, DType dt, int n, double sigma) {
        return Numerics.storedAs(dt, rng.gaussian(n, sigma));
    }

    /** n ints uniform in [0, bound). */
    public static int[] uniformInts(Rng rng, int n, int bound) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) out[i] = rng.nextInt(bound);
        return out;
    }

    /**
     * Segment ids [batch×seq] of packed samples: each sequence cut at random points into runs of one id
     * (ids increasing along a sequence, as a packer writes them).
     */
    public static int[] packedSegments(Rng rng, int batch, int seq) {
        int[] out = new int[batch * seq];
        for (int b = 0; b < batch; b++) {
            int id = rng.nextInt(3);
            for (int i = 0; i < seq; i++) {
                if (i > 0 && rng.nextInt(4) == 0) id++;
                out[b * seq + i] = id;
            }
        }
        return out;
    }

    /** An attention problem with scale 1/√headDim; segments packed when requested. */
    public static AttnCase attention(Rng rng, DType dt, int batch, int seq, int nHeads, int nKvHeads, int headDim,
                                     boolean packed) {
        int tokens = batch * seq;
        return new AttnCase(batch, seq, nHeads, nKvHeads, headDim, (float) (1.0 / Math.sqrt(headDim)),
                packed ? packedSegments(rng, batch, seq) : null,
                gaussian(rng, dt, tokens * nHeads * headDim, 1.5), gaussian(rng, dt, tokens * nKvHeads * headDim, 1.5),
                gaussian(rng, dt, tokens * nKvHeads * headDim, 1.0), gaussian(rng, dt, tokens * nHeads * headDim, 1.0));
    }

    /** Targets [tokens] in [0, vocab), about a quarter of them ignored (negative, varied values). */
    public static int[] targets(Rng rng, int tokens, int vocab) {
        int[] out = new int[tokens];
        for (int t = 0; t < tokens; t++) out[t] = rng.nextInt(4) == 0 ? -1 - rng.nextInt(100) : rng.nextInt(vocab);
        return out;
    }
}
