package dev.lorapar.model.io;

import dev.lorapar.model.LlamaConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * The canonical tensor names of a LLaMA checkpoint — those of Hugging Face's LlamaForCausalLM — and
 * the shape each must have under a config (outermost first, [out × in] for matrices).
 */
public final class LlamaTensorNames {
    public static final String EMBEDDING = "model.embed_tokens.weight";
    public static final String FINAL_NORM = "model.norm.weight";
    public static final String LM_HEAD = "lm_head.weight";

    /** The per-layer tensors, as name suffixes after {@code model.layers.{i}.}. */
    public static final String ATTENTION_NORM = "input_layernorm.weight", Q = "self_attn.q_proj.weight",
            K = "self_attn.k_proj.weight", V = "self_attn.v_proj.weight", O = "self_attn.o_proj.weight",
            FFN_NORM = "post_attention_layernorm.weight", GATE = "mlp.gate_proj.weight", UP = "mlp.up_proj.weight",
            DOWN = "mlp.down_proj.weight";

    private LlamaTensorNames() {
    }

    /** {@code model.layers.{layer}.{suffix}}. */
    public static String layer(int layer, String suffix) {
        return "model.layers." + layer + "." + suffix;
    }

    /**
     * Every tensor a checkpoint of this config holds, in canonical order (embedding; per layer the
     * attention norm, q, k, v, o, the FFN norm, gate, up, down; final norm; the LM head unless tied),
     * each with its shape.
     */
    public static Map<String, long[]> expectedShapes(LlamaConfig c) {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        forEachExpected(c, shapes::put);
        return shapes;
    }

    /**
     * Visits the tensors of {@link #expectedShapes} one by one, in the same order, without building
     * the map first: a visitor that throws stops the walk (a config claiming 2^31 layers costs nothing
     * until a tensor is missing).
     */
    public static void forEachExpected(LlamaConfig c, BiConsumer<String, long[]> visitor) {
        long dim = c.dim(), kv = c.kvDim(), hidden = c.hiddenDim(), vocab = c.vocabSize();
        visitor.accept(EMBEDDING, new long[] {vocab, dim});
        for (int l = 0; l < c.nLayers(); l++) {
            visitor.accept(layer(l, ATTENTION_NORM), new long[] {dim});
            visitor.accept(layer(l, Q), new long[] {dim, dim});
            visitor.accept(layer(l, K), new long[] {kv, dim});
            visitor.accept(layer(l, V), new long[] {kv, dim});
            visitor.accept(layer(l, O), new long[] {dim, dim});
            visitor.accept(layer(l, FFN_NORM), new long[] {dim});
            visitor.accept(layer(l, GATE), new long[] {hidden, dim});
            visitor.accept(layer(l, UP), new long[] {hidden, dim});
            visitor.accept(layer(l, DOWN), new long[] {dim, hidden});
        }
        visitor.accept(FINAL_NORM, new long[] {dim});
        if (!c.tiedEmbeddings()) visitor.accept(LM_HEAD, new long[] {vocab, dim});
    }
}
