package dev.lorapar.tests.oracle;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Writes an OracleModel's base weights as a Hugging Face folder — config.json and one model.safetensors,
 * every tensor F32 — that {@code dev.lorapar.model.io.Checkpoints.open(dir)} loads. HF checkpoints are
 * rotate-half, so an ADJACENT_PAIRS model is written as its {@link RopeLayouts#toRotateHalf} equivalent
 * (same logits). LoRA adapters are not written (HF folders hold base weights only).
 *
 * <p>The safetensors bytes are composed here (8-byte little-endian header length, JSON header padded with
 * spaces to a multiple of 8, then the data): tests.io.SafetensorsWriter is package-private to tests.io.
 */
public final class OracleCheckpoints {
    private OracleCheckpoints() {
    }

    /** Creates {@code dir} (if needed) and writes config.json and model.safetensors; returns {@code dir}. */
    public static Path writeHuggingFace(OracleModel model, Path dir, int maxPositions) throws IOException {
        OracleModel hf = RopeLayouts.toRotateHalf(model);
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.json"), configJson(hf.config(), maxPositions));
        Files.write(dir.resolve("model.safetensors"), safetensors(hf));
        return dir;
    }

    static String configJson(OracleConfig c, int maxPositions) {
        return String.format(Locale.ROOT, """
                {
                  "architectures": ["LlamaForCausalLM"],
                  "model_type": "llama",
                  "hidden_size": %d,
                  "intermediate_size": %d,
                  "num_hidden_layers": %d,
                  "num_attention_heads": %d,
                  "num_key_value_heads": %d,
                  "vocab_size": %d,
                  "max_position_embeddings": %d,
                  "rms_norm_eps": %s,
                  "rope_theta": %s,
                  "rope_scaling": null,
                  "tie_word_embeddings": %s,
                  "hidden_act": "silu",
                  "torch_dtype": "float32"
                }
                """, c.dim(), c.hiddenDim(), c.nLayers(), c.nHeads(), c.nKvHeads(), c.vocab(), maxPositions,
                Double.toString(c.normEps()), Double.toString(c.ropeTheta()), c.tiedHead());
    }

    /** The bytes of a safetensors file with every base weight of {@code model} as F32, in HF order. */
    static byte[] safetensors(OracleModel model) {
        Map<String, int[]> shapes = OracleNames.shapes(model.config());
        StringBuilder json = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        long offset = 0;
        for (Map.Entry<String, int[]> e : shapes.entrySet()) {
            long bytes = 4L * OracleNames.numel(e.getValue());
            json.append(",\"").append(e.getKey()).append("\":{\"dtype\":\"F32\",\"shape\":[");
            for (int i = 0; i < e.getValue().length; i++) json.append(i == 0 ? "" : ",").append(e.getValue()[i]);
            json.append("],\"data_offsets\":[").append(offset).append(',').append(offset + bytes).append("]}");
            offset += bytes;
        }
        json.append('}');
        while (json.length() % 8 != 0) json.append(' ');
        byte[] header = json.toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(Math.toIntExact(8 + header.length + offset)).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(header.length).put(header);
        for (String name : shapes.keySet()) {
            for (float v : model.weight(name)) out.putFloat(v);
        }
        return out.array();
    }
}
