package dev.lorapar.train.export;

import dev.lorapar.model.LlamaConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The {@code config.json} of a Hugging Face LlamaForCausalLM for a {@link LlamaConfig}: every field of transformers'
 * LlamaConfig, keys sorted as transformers writes them. RoPE is plain (rope_scaling null) with rope_theta at the top
 * level and, for transformers 5, also as {@code rope_parameters {"rope_type": "default", "rope_theta"}}; the weights
 * that go with it are in the rotate-half layout whatever the source model's layout was.
 */
final class HfConfigJson {
    private HfConfigJson() {
    }

    /**
     * @param bos beginning-of-sequence id, or null
     * @param eos end-of-sequence id, or null
     */
    static String json(LlamaConfig c, ExportDType dtype, Integer bos, Integer eos) {
        for (Integer id : new Integer[] {bos, eos}) {
            if (id != null && (id < 0 || id >= c.vocabSize())) {
                throw new IllegalArgumentException("special token id " + id + " is outside the vocabulary [0, "
                        + c.vocabSize() + ")");
            }
        }
        Map<String, Object> f = new TreeMap<>();
        f.put("architectures", List.of("LlamaForCausalLM"));
        f.put("attention_bias", false);
        f.put("attention_dropout", 0.0);
        f.put("bos_token_id", bos);
        f.put("eos_token_id", eos);
        f.put("head_dim", c.headDim());
        f.put("hidden_act", "silu");
        f.put("hidden_size", c.dim());
        f.put("initializer_range", 0.02);
        f.put("intermediate_size", c.hiddenDim());
        f.put("max_position_embeddings", c.maxSeqLen());
        f.put("mlp_bias", false);
        f.put("model_type", "llama");
        f.put("num_attention_heads", c.nHeads());
        f.put("num_hidden_layers", c.nLayers());
        f.put("num_key_value_heads", c.nKvHeads());
        f.put("pretraining_tp", 1);
        f.put("rms_norm_eps", c.normEps());
        Map<String, Object> rope = new LinkedHashMap<>();
        rope.put("rope_theta", c.ropeTheta());
        rope.put("rope_type", "default");
        f.put("rope_parameters", rope);
        f.put("rope_scaling", null);
        f.put("rope_theta", c.ropeTheta());
        f.put("tie_word_embeddings", c.tiedEmbeddings());
        f.put("torch_dtype", dtype.torchName());
        f.put("use_cache", true);
        f.put("vocab_size", c.vocabSize());
        return JsonText.pretty(JsonText.MAPPER.valueToTree(f));
    }
}
