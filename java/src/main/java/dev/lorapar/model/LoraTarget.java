package dev.lorapar.model;


/** The seven projections of a LLaMA layer that can carry a LoRA adapter, with PEFT's module names. */
public enum LoraTarget {
    Q("self_attn", "q_proj"),
    K("self_attn", "k_proj"),
    V("self_attn", "v_proj"),
    O("self_attn", "o_proj"),
    GATE("mlp", "gate_proj"),
    UP("mlp", "up_proj"),
    DOWN("mlp", "down_proj");

    private final String block;
    private final String peftName;

    LoraTarget(String block, String peftName) {
        this.block = block;
        this.peftName = peftName;
    }

    /** PEFT's target_modules name, e.g. {@code q_proj}. */
    public String peftName() {
        return peftName;
    }

    /** The module path inside a layer, e.g. {@code self_attn.q_proj}. */
    public String modulePath() {
        return block + "." + peftName;
    }

    /** Input features of the projection (the k of x [m×k]). */
    public int inFeatures(LlamaConfig c) {
        return switch (this) {
            case Q, K, V, GATE, UP -> c.dim();
            case O -> c.dim();
            case DOWN -> c.hiddenDim();
        };
    }

    /** Output features of the projection (the n of y [m×n]). */
    public int outFeatures(LlamaConfig c) {
        return switch (this) {
            case Q, O -> c.dim();
            case K, V -> c.kvDim();
            case GATE, UP -> c.hiddenDim();
            case DOWN -> c.dim();
        };
    }

    /** The target named by PEFT's module name ({@code q_proj} …) or by this enum's name, case-insensitively. */
    public static LoraTarget parse(String name) {
        for (LoraTarget t : values()) {
            if (t.peftName.equalsIgnoreCase(name) || t.name().equalsIgnoreCase(name)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown LoRA target '" + name
                + "' (expected one of q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj)");
    }
}
