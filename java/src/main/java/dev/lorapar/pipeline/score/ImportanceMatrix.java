package dev.lorapar.pipeline.score;

import dev.lorapar.model.LoraTarget;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One LoRA matrix of an importance file: its PEFT key ({@code base_model.model.model.layers.{l}.self_attn.q_proj
 * .lora_A.weight}), shape [rows×cols] (A: [r×in], B: [out×r]) and its offset in the flat vector of all matrices (the
 * file's order). The layer, module and factor are parsed from the key.
 */
public record ImportanceMatrix(String name, int rows, int cols, long offset, int layer, LoraTarget target, boolean isA) {
    private static final Pattern KEY = Pattern.compile(
            "base_model\\.model\\.model\\.layers\\.(\\d+)\\.(?:self_attn|mlp)\\.(\\w+_proj)\\.lora_([AB])\\.weight");

    /** Parses the key; IllegalArgumentException naming it when it is not a PEFT LoRA key. */
    public static ImportanceMatrix of(String name, int rows, int cols, long offset) {
        Matcher m = KEY.matcher(name);
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + name + "' is not a PEFT LoRA key (base_model.model.model.layers.N."
                    + "self_attn|mlp.X_proj.lora_A|lora_B.weight)");
        }
        if (rows < 1 || cols < 1) throw new IllegalArgumentException(name + ": shape [" + rows + ", " + cols + "]");
        return new ImportanceMatrix(name, rows, cols, offset, Integer.parseInt(m.group(1)), LoraTarget.parse(m.group(2)),
                m.group(3).equals("A"));
    }

    public long elements() {
        return (long) rows * cols;
    }

    /** The name of this matrix's mask in lorapar_masks.safetensors ({@code ….lora_A.mask}). */
    public String maskName() {
        return name.substring(0, name.length() - ".weight".length()) + ".mask";
    }
}
