package dev.lorapar.tests.oracle;

/** The seven projections of a LLaMA layer a LoRA adapter can sit on, with their Hugging Face module names. */
public enum LoraTarget {
    Q("self_attn.q_proj"), K("self_attn.k_proj"), V("self_attn.v_proj"), O("self_attn.o_proj"),
    GATE("mlp.gate_proj"), UP("mlp.up_proj"), DOWN("mlp.down_proj");

    private final String module;

    LoraTarget(String module) {
        this.module = module;
    }

    /** "self_attn.q_proj" etc. */
    public String module() {
        return module;
    }

    /** The base weight's Hugging Face name in layer {@code layer}: model.layers.{layer}.{module}.weight. */
    public String weightName(int layer) {
        return OracleNames.layer(layer, module + ".weight");
    }

    /** Input width of the projection (columns of W [out×in]). */
    public int in(OracleConfig c) {
        return this == DOWN ? c.hiddenDim() : c.dim();
    }

    /** Output width of the projection (rows of W [out×in]). */
    public int out(OracleConfig c) {
        return switch (this) {
            case Q, O, DOWN -> c.dim();
            case K, V -> c.kvDim();
            case GATE, UP -> c.hiddenDim();
        };
    }
}
