package dev.lorapar.train.export;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lorapar.model.LoraConfig;
import dev.lorapar.model.LoraTarget;
import dev.lorapar.model.io.CheckpointException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * PEFT's {@code adapter_config.json} (a serialized {@code peft.LoraConfig}) for a LlamaForCausalLM adapter.
 *
 * <p>Written: the fields PEFT has serialized since 0.10 (missing newer ones take PEFT's defaults; fields PEFT does not
 * know would make older versions refuse the file), keys sorted as PEFT writes them, {@code lora_dropout} 0,
 * {@code inference_mode} true, no bias, no DoRA, no rsLoRA, {@code fan_in_fan_out} false (nn.Linear [out×in]).
 *
 * <p>Read: everything lorapar cannot reproduce is refused with an error naming the field — another peft_type,
 * fan_in_fan_out, biases, DoRA, per-module ranks or alphas, a layer subset, modules_to_save, a target that is not one of
 * the seven LLaMA projections, a regex target_modules, an init that leaves a residual in the base (PiSSA, OLoRA, LoftQ,
 * CorDA). {@code use_rslora} is supported: the scale is then lora_alpha/√r, kept as the equivalent
 * alpha = lora_alpha·√r of a plain LoRA (scale = alpha/r).
 *
 * @param rank     r
 * @param alpha    the alpha of the equivalent plain LoRA: scale = alpha / rank
 * @param targets  the adapted projections
 * @param rsLora   true when the file said use_rslora (alpha was converted)
 * @param baseModel base_model_name_or_path, or null
 */
public record PeftAdapterConfig(int rank, double alpha, Set<LoraTarget> targets, boolean rsLora, String baseModel) {
    public PeftAdapterConfig {
        targets = Collections.unmodifiableSet(EnumSet.copyOf(targets));
    }

    /** The JSON text of adapter_config.json for {@code config}. */
    public static String json(LoraConfig config, String baseModel) {
        Map<String, Object> fields = new TreeMap<>();
        fields.put("alpha_pattern", Map.of());
        fields.put("auto_mapping", null);
        fields.put("base_model_name_or_path", baseModel);
        fields.put("bias", "none");
        fields.put("fan_in_fan_out", false);
        fields.put("inference_mode", true);
        fields.put("init_lora_weights", true);
        fields.put("layer_replication", null);
        fields.put("layers_pattern", null);
        fields.put("layers_to_transform", null);
        fields.put("loftq_config", Map.of());
        fields.put("lora_alpha", config.alpha() == Math.rint(config.alpha()) && Math.abs(config.alpha()) < 1e15
                ? (Object) (long) config.alpha() : (Object) config.alpha());
        fields.put("lora_dropout", 0.0);
        fields.put("megatron_config", null);
        fields.put("megatron_core", "megatron.core");
        fields.put("modules_to_save", null);
        fields.put("peft_type", "LORA");
        fields.put("r", config.rank());
        fields.put("rank_pattern", Map.of());
        fields.put("revision", null);
        fields.put("target_modules", config.targets().stream().map(LoraTarget::peftName).toList());
        fields.put("task_type", "CAUSAL_LM");
        fields.put("use_dora", false);
        fields.put("use_rslora", false);
        return JsonText.pretty(JsonText.MAPPER.valueToTree(fields));
    }

    /** Reads and checks {@code file} (an adapter_config.json). */
    public static PeftAdapterConfig read(Path file) {
        JsonNode json = JsonText.readObject(file, PeftNames.CONFIG);
        String peftType = text(file, json, "peft_type");
        if (peftType == null) throw new CheckpointException(file, "peft_type is missing (a PEFT LoRA adapter has \"LORA\")");
        if (!"LORA".equals(peftType)) {
            throw new CheckpointException(file, "peft_type " + quote(peftType) + " is not supported (only \"LORA\")");
        }
        requireFalse(file, json, "fan_in_fan_out", "lorapar's matrices are nn.Linear [out×in], not Conv1D [in×out]");
        requireFalse(file, json, "use_dora", "DoRA adapters are not supported");
        requireFalse(file, json, "lora_bias", "LoRA biases are not supported");
        String bias = text(file, json, "bias");
        if (bias != null && !bias.equals("none")) {
            throw new CheckpointException(file, "bias " + quote(bias) + " is not supported (only \"none\": LLaMA "
                    + "projections have no bias)");
        }
        for (String key : new String[] {"rank_pattern", "alpha_pattern"}) {
            JsonNode v = json.get(key);
            if (v != null && !v.isNull() && !(v.isObject() && v.isEmpty())) {
                throw new CheckpointException(file, key + " " + v + " is not supported (one rank and alpha for every module)");
            }
        }
        for (String key : new String[] {"layers_to_transform", "layer_replication", "modules_to_save", "exclude_modules",
                "trainable_token_indices"}) {
            JsonNode v = json.get(key);
            if (v != null && !v.isNull() && !((v.isArray() || v.isObject()) && v.isEmpty())) {
                throw new CheckpointException(file, key + " " + v + " is not supported (lorapar adapts every layer's "
                        + "projections and nothing else)");
            }
        }
        JsonNode init = json.get("init_lora_weights");
        if (init != null && init.isTextual() && residualInit(init.asText())) {
            throw new CheckpointException(file, "init_lora_weights \"" + init.asText() + "\" is not supported: with it "
                    + "PEFT re-initializes the base weights to a residual when loading; convert the adapter to a plain "
                    + "LoRA first (PEFT: save_pretrained(..., path_initial_model_for_weight_conversion=...))");
        }
        int rank = positiveInt(file, json, "r");
        double alpha = positiveNumber(file, json, "lora_alpha");
        boolean rs = bool(file, json, "use_rslora");
        Set<LoraTarget> targets = targets(file, json.get("target_modules"));
        JsonNode base = json.get("base_model_name_or_path");
        return new PeftAdapterConfig(rank, rs ? alpha * Math.sqrt(rank) : alpha, targets, rs,
                base == null || base.isNull() ? null : base.asText());
    }

    /** The lorapar LoraConfig of this adapter (PEFT-default init, seed 0: its values are loaded, not drawn). */
    public LoraConfig toLoraConfig() {
        return new LoraConfig(rank, alpha, targets, new dev.lorapar.model.LoraInit.PeftDefault(), 0);
    }

    /** PEFT inits that rewrite the base weights when the adapter is created (so also when it is loaded). */
    private static boolean residualInit(String init) {
        return init.startsWith("pissa") || init.equals("olora") || init.equals("loftq") || init.equals("corda");
    }

    private static Set<LoraTarget> targets(Path file, JsonNode node) {
        if (node == null || node.isNull()) {
            throw new CheckpointException(file, "target_modules is missing");
        }
        if (node.isTextual()) {
            if (node.asText().equals("all-linear")) return EnumSet.allOf(LoraTarget.class);
            throw new CheckpointException(file, "target_modules \"" + node.asText() + "\" is a regular expression "
                    + "(not supported: list the modules, e.g. [\"q_proj\", \"v_proj\"], or \"all-linear\")");
        }
        if (!node.isArray() || node.isEmpty()) {
            throw new CheckpointException(file, "target_modules " + node + " is not a non-empty list of module names");
        }
        Set<LoraTarget> targets = EnumSet.noneOf(LoraTarget.class);
        for (JsonNode name : node) {
            LoraTarget t = null;
            for (LoraTarget candidate : LoraTarget.values()) {
                if (name.isTextual() && candidate.peftName().equals(name.asText())) t = candidate;
            }
            if (t == null) {
                throw new CheckpointException(file, "target_modules entry " + name + " is not a LLaMA projection "
                        + "lorapar adapts (q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj)");
            }
            targets.add(t);
        }
        return targets;
    }

    private static String text(Path file, JsonNode json, String key) {
        JsonNode v = json.get(key);
        if (v == null || v.isNull()) return null;
        if (!v.isTextual()) throw new CheckpointException(file, key + " " + v + " is not a string");
        return v.asText();
    }

    private static boolean bool(Path file, JsonNode json, String key) {
        JsonNode v = json.get(key);
        if (v == null || v.isNull()) return false;
        if (!v.isBoolean()) throw new CheckpointException(file, key + " " + v + " is not true or false");
        return v.asBoolean();
    }

    private static void requireFalse(Path file, JsonNode json, String key, String why) {
        if (bool(file, json, key)) throw new CheckpointException(file, key + " true is not supported: " + why);
    }

    private static int positiveInt(Path file, JsonNode json, String key) {
        JsonNode v = json.get(key);
        if (v == null || v.isNull()) throw new CheckpointException(file, key + " is missing");
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() < 1) {
            throw new CheckpointException(file, key + " " + v + " is not a positive integer");
        }
        return v.asInt();
    }

    private static double positiveNumber(Path file, JsonNode json, String key) {
        JsonNode v = json.get(key);
        if (v == null || v.isNull()) throw new CheckpointException(file, key + " is missing");
        if (!v.isNumber() || !(v.asDouble() > 0) || !Double.isFinite(v.asDouble())) {
            throw new CheckpointException(file, key + " " + v + " is not a positive number");
        }
        return v.asDouble();
    }

    private static String quote(String s) {
        return s == null ? "null" : "\"" + s + "\"";
    }
}
