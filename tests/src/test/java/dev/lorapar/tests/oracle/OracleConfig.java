package dev.lorapar.tests.oracle;

import dev.lorapar.tests.support.Rng;

/**
 * The hyper-parameters of a LLaMA-2 decoder as the oracle sees them (plain data, written independently of
 * lorapar's {@code LlamaConfig}).
 *
 * @param dim       model width ({@code hidden_size})
 * @param hiddenDim SwiGLU inner width ({@code intermediate_size})
 * @param nLayers   decoder layers
 * @param nHeads    query heads; head size d = dim / nHeads, even
 * @param nKvHeads  key/value heads (nHeads for MHA, a divisor of it for GQA)
 * @param vocab     vocabulary size
 * @param normEps   RMSNorm ε
 * @param ropeTheta RoPE base θ: pair i of a head turns by pos·θ^(−2i/d)
 * @param rope      which dimensions of a head RoPE pairs up
 * @param tiedHead  true when the LM head is the token embedding ({@code lm_head.weight} absent)
 */
public record OracleConfig(int dim, int hiddenDim, int nLayers, int nHeads, int nKvHeads, int vocab,
                           double normEps, double ropeTheta, Rope rope, boolean tiedHead) {

    /** Where the two members of RoPE pair i sit within a head of size d. */
    public enum Rope {
        /** (x[i], x[i + d/2]): Hugging Face {@code rotate_half}. */
        ROTATE_HALF,
        /** (x[2i], x[2i+1]): llama2.c, Meta's original code. */
        ADJACENT_PAIRS
    }

    public OracleConfig {
        if (dim <= 0 || hiddenDim <= 0 || nLayers <= 0 || nHeads <= 0 || nKvHeads <= 0 || vocab <= 0) {
            throw new IllegalArgumentException("OracleConfig: every size must be positive: " + this);
        }
        if (dim % nHeads != 0 || (dim / nHeads) % 2 != 0) {
            throw new IllegalArgumentException("OracleConfig: dim " + dim + " / nHeads " + nHeads + " must be an even integer");
        }
        if (nHeads % nKvHeads != 0) {
            throw new IllegalArgumentException("OracleConfig: nHeads " + nHeads + " is not a multiple of nKvHeads " + nKvHeads);
        }
        if (!(normEps > 0) || !(ropeTheta > 0) || rope == null) {
            throw new IllegalArgumentException("OracleConfig: normEps, ropeTheta must be positive and rope set: " + this);
        }
    }

    /** d = dim / nHeads. */
    public int headDim() {
        return dim / nHeads;
    }

    /** nKvHeads · d: the rows of k_proj and v_proj. */
    public int kvDim() {
        return nKvHeads * headDim();
    }

    /** The same model with another RoPE style (weights unchanged). */
    public OracleConfig withRope(Rope style) {
        return new OracleConfig(dim, hiddenDim, nLayers, nHeads, nKvHeads, vocab, normEps, ropeTheta, style, tiedHead);
    }

    /**
     * A random small shape with odd sizes: heads 2–6 with head size 4–12, GQA or MHA, 1–3 layers, an odd
     * SwiGLU width and vocabulary, θ and ε varied, either RoPE style, tied or not.
     */
    public static OracleConfig random(Rng rng) {
        int heads = rng.pick(2, 3, 4, 6);
        int kvHeads = switch (rng.nextInt(3)) {
            case 0 -> heads;
            case 1 -> 1;
            default -> heads % 2 == 0 ? heads / 2 : heads;
        };
        int headDim = rng.pick(4, 6, 8, 12);
        return new OracleConfig(heads * headDim, rng.pick(13, 31, 37, 61), rng.between(1, 3), heads, kvHeads,
                rng.pick(29, 61, 97), rng.pick(1, 2) == 1 ? 1e-5 : 1e-6, rng.nextBoolean() ? 10000.0 : 500000.0,
                rng.nextBoolean() ? Rope.ROTATE_HALF : Rope.ADJACENT_PAIRS, rng.nextBoolean());
    }
}
