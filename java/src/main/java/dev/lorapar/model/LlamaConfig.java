package dev.lorapar.model;

/**
 * The hyper-parameters of a LLaMA-2-family decoder (names follow llama2.c; the Hugging Face config.json
 * key is given for each).
 *
 * @param dim            model width ({@code hidden_size})
 * @param hiddenDim      SwiGLU inner width ({@code intermediate_size})
 * @param nLayers        decoder layers ({@code num_hidden_layers})
 * @param nHeads         query heads ({@code num_attention_heads})
 * @param nKvHeads       key/value heads, {@code nHeads} for MHA, fewer for GQA ({@code num_key_value_heads})
 * @param vocabSize      vocabulary size ({@code vocab_size})
 * @param maxSeqLen      the longest sequence the model was trained for ({@code max_position_embeddings})
 * @param normEps        RMSNorm epsilon ({@code rms_norm_eps})
 * @param ropeTheta      RoPE base θ ({@code rope_theta})
 * @param tiedEmbeddings true when the LM head reuses the token embedding ({@code tie_word_embeddings})
 * @param ropeStyle      which dimensions RoPE pairs up, fixed by where the weights came from
 */
public record LlamaConfig(int dim, int hiddenDim, int nLayers, int nHeads, int nKvHeads, int vocabSize,
                          int maxSeqLen, double normEps, double ropeTheta, boolean tiedEmbeddings,
                          RopeStyle ropeStyle) {
    /** Validates every field; throws IllegalArgumentException naming the first one that is wrong. */
    public LlamaConfig {
        positive("dim", dim);
        positive("hiddenDim", hiddenDim);
        positive("nLayers", nLayers);
        positive("nHeads", nHeads);
        positive("nKvHeads", nKvHeads);
        positive("vocabSize", vocabSize);
        positive("maxSeqLen", maxSeqLen);
        if (!(normEps > 0) || !Double.isFinite(normEps)) {
            throw new IllegalArgumentException("normEps must be positive and finite, got " + normEps);
        }
        if (!(ropeTheta > 0) || !Double.isFinite(ropeTheta)) {
            throw new IllegalArgumentException("ropeTheta must be positive and finite, got " + ropeTheta);
        }
        if (dim % nHeads != 0) {
            throw new IllegalArgumentException("dim " + dim + " is not a multiple of nHeads " + nHeads);
        }
        if (nHeads % nKvHeads != 0) {
            throw new IllegalArgumentException("nHeads " + nHeads + " is not a multiple of nKvHeads " + nKvHeads);
        }
        if ((dim / nHeads) % 2 != 0) {
            throw new IllegalArgumentException("head size " + dim / nHeads + " (dim " + dim + " / nHeads " + nHeads
                    + ") is odd: RoPE rotates pairs of dimensions");
        }
        if (ropeStyle == null) throw new IllegalArgumentException("ropeStyle must not be null");
    }

    private static void positive(String name, int value) {
        if (value <= 0) throw new IllegalArgumentException(name + " must be positive, got " + value);
    }

    /** Dimensions per head: dim / nHeads. */
    public int headDim() {
        return dim / nHeads;
    }

    /** Width of the key and value projections: nKvHeads · headDim. */
    public int kvDim() {
        return nKvHeads * headDim();
    }

    /** Query heads sharing one key/value head (1 for MHA). Query head h uses kv head h / this. */
    public int queriesPerKvHead() {
        return nHeads / nKvHeads;
    }
}
