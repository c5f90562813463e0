package dev.lorapar.train.export;

import dev.lorapar.model.LoraTarget;

/**
 * The file and tensor names of a PEFT LoRA adapter folder for a LlamaForCausalLM, as PEFT's
 * {@code save_pretrained} writes them: the PeftModel wraps the LoraModel ({@code base_model}) which wraps the
 * transformers model ({@code model}) whose decoder is {@code model}, and the adapter name ("default") is left out
 * of the saved keys.
 */
public final class PeftNames {
    /** The adapter's configuration (a serialized {@code LoraConfig}). */
    public static final String CONFIG = "adapter_config.json";
    /** The LoRA matrices. */
    public static final String WEIGHTS = "adapter_model.safetensors";
    /** The pickle file older PEFT versions wrote instead (not read by lorapar). */
    public static final String PICKLED_WEIGHTS = "adapter_model.bin";
    /** LoRA-PAR element masks beside the adapter (PEFT ignores the file). */
    public static final String MASKS = "lorapar_masks.safetensors";
    /** The description of {@link #MASKS}: mask mode, packing, shapes and active counts. */
    public static final String MASKS_DESCRIPTION = "lorapar_masks.json";
    /** Beside a PiSSA / OLoRA adapter converted to a plain LoRA: the original rank, alpha and init (PEFT ignores it). */
    public static final String RESIDUAL_INIT = "lorapar_init.json";

    private static final String PREFIX = "base_model.model.model.layers.";

    private PeftNames() {
    }

    /** {@code base_model.model.model.layers.{layer}.self_attn.q_proj} … : the adapted module. */
    public static String module(int layer, LoraTarget target) {
        return PREFIX + layer + "." + target.modulePath();
    }

    /** {@code ….lora_A.weight}: A [r×in]. */
    public static String loraA(int layer, LoraTarget target) {
        return module(layer, target) + ".lora_A.weight";
    }

    /** {@code ….lora_B.weight}: B [out×r]. */
    public static String loraB(int layer, LoraTarget target) {
        return module(layer, target) + ".lora_B.weight";
    }

    /** {@code ….lora_A.mask}: the bit-packed mask of A in {@link #MASKS}. */
    public static String maskA(int layer, LoraTarget target) {
        return module(layer, target) + ".lora_A.mask";
    }

    /** {@code ….lora_B.mask}: the bit-packed mask of B in {@link #MASKS}. */
    public static String maskB(int layer, LoraTarget target) {
        return module(layer, target) + ".lora_B.mask";
    }
}
