package dev.lorapar.model.io;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lorapar.model.LlamaConfig;
import dev.lorapar.model.RopeStyle;
import java.nio.file.Path;

/**
 * Reads a Hugging Face {@code config.json} of a LlamaForCausalLM. Absent optional keys take the
 * defaults of transformers' LlamaConfig: num_key_value_heads = num_attention_heads, rope_theta 10000,
 * rms_norm_eps 1e-6, max_position_embeddings 2048, tie_word_embeddings false. Refused with an error
 * naming the key: another architecture or model_type, a non-null rope_scaling, a head_dim other than
 * hidden_size / num_attention_heads, a hidden_act other than silu, attention or MLP biases.
 */
final class HfConfigReader {
    private static final long MAX_CONFIG_BYTES = 16L << 20;

    private HfConfigReader() {
    }

    static LlamaConfig read(Path file) {
        byte[] bytes = MappedFiles.readSmall(file, MAX_CONFIG_BYTES);
        JsonNode json = Json.parseObject(file, bytes, 0, bytes.length, "config.json");
        JsonNode architectures = json.get("architectures");
        if (architectures != null && !architectures.isNull()) {
            boolean llama = architectures.isArray() && architectures.size() == 1
                    && "LlamaForCausalLM".equals(architectures.get(0).asText());
            if (!llama) {
                throw new CheckpointException(file, "architectures " + architectures + " is not supported (only [\"LlamaForCausalLM\"])");
            }
        }
        JsonNode modelType = json.get("model_type");
        if (modelType != null && !modelType.isNull() && !"llama".equals(modelType.asText())) {
            throw new CheckpointException(file, "model_type " + modelType + " is not supported (only \"llama\")");
        }
        // transformers 5 writes rope_parameters {rope_type, rope_theta} (and may mirror it as rope_scaling): only
        // rope_type "default" (plain RoPE) is supported; its rope_theta counts when the top level has none
        JsonNode ropeParameters = json.get("rope_parameters");
        for (String key : new String[] {"rope_scaling", "rope_parameters"}) {
            JsonNode rope = json.get(key);
            if (rope != null && !rope.isNull() && !isDefaultRope(rope)) {
                throw new CheckpointException(file, key + " " + rope + " is not supported (only plain RoPE: null or "
                        + "rope_type \"default\")");
            }
        }
        double ropeTheta = real(file, json, "rope_theta", Double.NaN);
        if (Double.isNaN(ropeTheta)) {
            ropeTheta = ropeParameters != null && ropeParameters.isObject()
                    ? real(file, ropeParameters, "rope_theta", 10000.0) : 10000.0;
        }
        JsonNode act = json.get("hidden_act");
        if (act != null && !act.isNull() && !"silu".equals(act.asText())) {
            throw new CheckpointException(file, "hidden_act " + act + " is not supported (only \"silu\")");
        }
        for (String bias : new String[] {"attention_bias", "mlp_bias"}) {
            JsonNode b = json.get(bias);
            if (b != null && !b.isNull() && !(b.isBoolean() && !b.asBoolean())) {
                throw new CheckpointException(file, bias + " " + b + " is not supported (LLaMA projections have no bias)");
            }
        }
        int dim = integer(file, json, "hidden_size", -1);
        int heads = integer(file, json, "num_attention_heads", -1);
        LlamaConfig config;
        try {
            config = new LlamaConfig(dim, integer(file, json, "intermediate_size", -1),
                    integer(file, json, "num_hidden_layers", -1), heads,
                    integer(file, json, "num_key_value_heads", heads), integer(file, json, "vocab_size", -1),
                    integer(file, json, "max_position_embeddings", 2048), real(file, json, "rms_norm_eps", 1e-6),
                    ropeTheta, bool(file, json, "tie_word_embeddings", false),
                    RopeStyle.ROTATE_HALF);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(file, null, "does not describe a valid model: " + e.getMessage(), e);
        }
        JsonNode headDim = json.get("head_dim");
        if (headDim != null && !headDim.isNull() && !(headDim.isIntegralNumber() && headDim.asLong() == config.headDim())) {
            throw new CheckpointException(file, "head_dim " + headDim + " differs from hidden_size / num_attention_heads = "
                    + config.headDim() + " (not supported)");
        }
        return config;
    }

    /** {rope_type: "default", ...} with nothing that changes the rotation (no factor). */
    private static boolean isDefaultRope(JsonNode rope) {
        if (!rope.isObject()) {
            return false;
        }
        JsonNode type = rope.has("rope_type") ? rope.get("rope_type") : rope.get("type");
        return type != null && "default".equals(type.asText()) && !rope.has("factor");
    }

    /** An integer key; {@code fallback} when absent or null, -1 = required. */
    private static int integer(Path file, JsonNode json, String key, int fallback) {
        JsonNode v = json.get(key);
        if (v == null || v.isNull()) {
            if (fallback == -1) throw new CheckpointException(file, key + " is missing");
            return fallback;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw new CheckpointException(file, key + " " + v + " is not an integer in the int range");
        }
        return v.asInt();
    }

    private static double real(Path file, JsonNode json, String key, double fallback) {
        JsonNode v = json.get(key);
        if (v == null || v.isNull()) return fallback;
        if (!v.isNumber()) throw new CheckpointException(file, key + " " + v + " is not a number");
        return v.asDouble();
    }

    private static boolean bool(Path file, JsonNode json, String key, boolean fallback) {
        JsonNode v = json.get(key);
        if (v == null || v.isNull()) return fallback;
        if (!v.isBoolean()) throw new CheckpointException(file, key + " " + v + " is not true or false");
        return v.asBoolean();
    }
}
