package dev.lorapar.tests.oracle;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Hugging Face tensor names of a LlamaForCausalLM and their shapes [rows×cols], spelled out for the oracle. */
public final class OracleNames {
    public static final String EMBED = "model.embed_tokens.weight";
    public static final String FINAL_NORM = "model.norm.weight";
    public static final String LM_HEAD = "lm_head.weight";
    public static final String INPUT_NORM = "input_layernorm.weight";
    public static final String POST_ATTENTION_NORM = "post_attention_layernorm.weight";

    private OracleNames() {
    }

    /** model.layers.{layer}.{suffix}. */
    public static String layer(int layer, String suffix) {
        return "model.layers." + layer + "." + suffix;
    }

    /** Every weight of the model with its shape ({n} for vectors, {rows, cols} for matrices), in HF order. */
    public static Map<String, int[]> shapes(OracleConfig c) {
        Map<String, int[]> out = new LinkedHashMap<>();
        out.put(EMBED, new int[] {c.vocab(), c.dim()});
        for (int l = 0; l < c.nLayers(); l++) {
            out.put(layer(l, INPUT_NORM), new int[] {c.dim()});
            for (LoraTarget t : List.of(LoraTarget.Q, LoraTarget.K, LoraTarget.V, LoraTarget.O)) {
                out.put(t.weightName(l), new int[] {t.out(c), t.in(c)});
            }
            out.put(layer(l, POST_ATTENTION_NORM), new int[] {c.dim()});
            for (LoraTarget t : List.of(LoraTarget.GATE, LoraTarget.UP, LoraTarget.DOWN)) {
                out.put(t.weightName(l), new int[] {t.out(c), t.in(c)});
            }
        }
        out.put(FINAL_NORM, new int[] {c.dim()});
        if (!c.tiedHead()) out.put(LM_HEAD, new int[] {c.vocab(), c.dim()});
        return out;
    }

    /** The RMSNorm weights (vectors) among {@link #shapes}. */
    public static List<String> norms(OracleConfig c) {
        List<String> out = new ArrayList<>();
        shapes(c).forEach((name, shape) -> {
            if (shape.length == 1) out.add(name);
        });
        return out;
    }

    static int numel(int[] shape) {
        int n = 1;
        for (int d : shape) n = Math.multiplyExact(n, d);
        return n;
    }
}
