package dev.lorapar.tests.io;

import dev.lorapar.model.io.WeightType;
import dev.lorapar.tests.support.Rng;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A small random LLaMA model for the writers: hyper-parameters and every tensor under its Hugging
 * Face name (spelled out here, independently of the loader's name table).
 */
final class TinyModel {
    final int dim, hidden, layers, heads, kvHeads, vocab, maxSeq;
    final boolean tied;
    /** Canonical name → tensor, in canonical order. */
    final Map<String, RawTensor> tensors = new LinkedHashMap<>();

    TinyModel(int dim, int hidden, int layers, int heads, int kvHeads, int vocab, int maxSeq, boolean tied) {
        this.dim = dim;
        this.hidden = hidden;
        this.layers = layers;
        this.heads = heads;
        this.kvHeads = kvHeads;
        this.vocab = vocab;
        this.maxSeq = maxSeq;
        this.tied = tied;
    }

    int headDim() {
        return dim / heads;
    }

    int kvDim() {
        return kvHeads * headDim();
    }

    /** A random shape (GQA or MHA, odd sizes) with tensors of {@code matrixType}; norms are F32 unless allSame. */
    static TinyModel random(Rng rng, WeightType matrixType, boolean tied, boolean normsSameType) {
        int heads = rng.pick(2, 4, 6);
        int kvHeads = rng.nextBoolean() ? heads : heads / 2;
        int headDim = rng.pick(2, 4, 6);
        TinyModel m = new TinyModel(heads * headDim, rng.between(3, 21), rng.between(1, 3), heads, kvHeads,
                rng.between(5, 19), rng.between(4, 64), tied);
        m.fill(rng, matrixType, normsSameType ? matrixType : WeightType.F32);
        return m;
    }

    void fill(Rng rng, WeightType matrixType, WeightType normType) {
        tensors.put("model.embed_tokens.weight", RawTensor.random(rng, matrixType, vocab, dim));
        for (int l = 0; l < layers; l++) {
            String p = "model.layers." + l + ".";
            tensors.put(p + "input_layernorm.weight", RawTensor.random(rng, normType, dim));
            tensors.put(p + "self_attn.q_proj.weight", RawTensor.random(rng, matrixType, dim, dim));
            tensors.put(p + "self_attn.k_proj.weight", RawTensor.random(rng, matrixType, kvDim(), dim));
            tensors.put(p + "self_attn.v_proj.weight", RawTensor.random(rng, matrixType, kvDim(), dim));
            tensors.put(p + "self_attn.o_proj.weight", RawTensor.random(rng, matrixType, dim, dim));
            tensors.put(p + "post_attention_layernorm.weight", RawTensor.random(rng, normType, dim));
            tensors.put(p + "mlp.gate_proj.weight", RawTensor.random(rng, matrixType, hidden, dim));
            tensors.put(p + "mlp.up_proj.weight", RawTensor.random(rng, matrixType, hidden, dim));
            tensors.put(p + "mlp.down_proj.weight", RawTensor.random(rng, matrixType, dim, hidden));
        }
        tensors.put("model.norm.weight", RawTensor.random(rng, normType, dim));
        if (!tied) tensors.put("lm_head.weight", RawTensor.random(rng, matrixType, vocab, dim));
    }

    /** A Hugging Face config.json for this model; {@code extra} is spliced in as more JSON members. */
    String configJson(String extra) {
        return "{\n  \"architectures\": [\"LlamaForCausalLM\"],\n  \"model_type\": \"llama\",\n"
                + "  \"hidden_size\": " + dim + ",\n  \"intermediate_size\": " + hidden + ",\n"
                + "  \"num_hidden_layers\": " + layers + ",\n  \"num_attention_heads\": " + heads + ",\n"
                + "  \"num_key_value_heads\": " + kvHeads + ",\n  \"vocab_size\": " + vocab + ",\n"
                + "  \"max_position_embeddings\": " + maxSeq + ",\n  \"rms_norm_eps\": 1e-05,\n"
                + "  \"rope_theta\": 10000.0,\n  \"tie_word_embeddings\": " + tied + ",\n"
                + "  \"rope_scaling\": null,\n  \"hidden_act\": \"silu\",\n  \"torch_dtype\": \"float32\""
                + (extra.isEmpty() ? "" : ",\n  " + extra) + "\n}\n";
    }
}
