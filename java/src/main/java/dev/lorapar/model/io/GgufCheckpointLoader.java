package dev.lorapar.model.io;

import static dev.lorapar.model.io.LlamaTensorNames.*;

import dev.lorapar.model.LlamaConfig;
import dev.lorapar.model.RopeStyle;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Loads a GGUF v3 file of architecture "llama" with F32 / F16 / BF16 tensors. Hyper-parameters come
 * from the {@code llama.*} keys; tensor names are mapped to the canonical ones ({@code token_embd} →
 * {@code model.embed_tokens}, {@code blk.i.attn_q} → {@code model.layers.i.self_attn.q_proj}, …) and
 * ggml's innermost-first dims are reversed into [out × in]. The q/k weights are kept as llama.cpp
 * stores them, i.e. in the adjacent-pairs RoPE layout ({@link RopeStyle#ADJACENT_PAIRS}).
 */
final class GgufCheckpointLoader {
    private static final Map<String, String> LAYER_TENSORS = Map.of("attn_norm", ATTENTION_NORM, "attn_q", Q,
            "attn_k", K, "attn_v", V, "attn_output", O, "ffn_norm", FFN_NORM, "ffn_gate", GATE, "ffn_up", UP,
            "ffn_down", DOWN);

    private GgufCheckpointLoader() {
    }

    static Checkpoint load(Path file) {
        Arena arena = Arena.ofShared();
        try {
            GgufFile gguf = GgufFile.read(file, arena, false);
            Map<String, WeightTensor> tensors = new LinkedHashMap<>();
            for (GgufFile.TensorInfo info : gguf.tensors()) {
                String name = canonicalName(file, info.name());
                if (tensors.containsKey(name)) throw new CheckpointException(file, info.name(), "maps to " + name + " twice");
                tensors.put(name, weight(file, gguf, info, name));
            }
            LlamaConfig config = config(file, gguf, tensors);
            return Checkpoint.assemble(config, tensors, file, Checkpoint.FORMAT_GGUF, arena, n -> file);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    private static String canonicalName(Path file, String gguf) {
        switch (gguf) {
            case "token_embd.weight": return EMBEDDING;
            case "output_norm.weight": return FINAL_NORM;
            case "output.weight": return LM_HEAD;
            default: break;
        }
        String[] parts = gguf.split("\\.", -1);
        if (parts.length == 4 && parts[0].equals("blk") && parts[3].equals("weight") && LAYER_TENSORS.containsKey(parts[2])
                && parts[1].matches("0|[1-9][0-9]{0,8}")) {
            return layer(Integer.parseInt(parts[1]), LAYER_TENSORS.get(parts[2]));
        }
        throw new CheckpointException(file, gguf, "is not a tensor of the llama architecture lorapar knows");
    }

    private static WeightTensor weight(Path file, GgufFile gguf, GgufFile.TensorInfo info, String name) {
        WeightType type = switch (info.type()) {
            case F32 -> WeightType.F32;
            case F16 -> WeightType.F16;
            case BF16 -> WeightType.BF16;
            default -> throw new CheckpointException(file, info.name(), "has ggml type " + info.type()
                    + ", which lorapar does not load (only F32, F16 and BF16; quantized weights are not supported)");
        };
        long[] dims = info.dims();
        long[] shape = new long[dims.length];
        for (int i = 0; i < dims.length; i++) shape[i] = dims[dims.length - 1 - i];
        return new WeightTensor(name, type, shape, gguf.tensorData(info));
    }

    private static LlamaConfig config(Path file, GgufFile gguf, Map<String, WeightTensor> tensors) {
        Map<String, Object> meta = gguf.metadata();
        Object arch = meta.get("general.architecture");
        if (!"llama".equals(arch)) {
            throw new CheckpointException(file, "general.architecture is " + (arch == null ? "missing" : "\"" + arch + "\"")
                    + "; only \"llama\" is supported");
        }
        long experts = integer(file, meta, "llama.expert_count", 0);
        if (experts > 0) throw new CheckpointException(file, "llama.expert_count " + experts + ": mixture-of-experts models are not supported");
        Object scaling = meta.get("llama.rope.scaling.type");
        if (scaling != null && !"none".equals(scaling)) {
            throw new CheckpointException(file, "llama.rope.scaling.type \"" + scaling + "\" is not supported (only plain RoPE)");
        }
        int dim = (int) integer(file, meta, "llama.embedding_length", -1);
        int heads = (int) integer(file, meta, "llama.attention.head_count", -1);
        WeightTensor embedding = tensors.get(EMBEDDING);
        // without llama.vocab_size: the embedding's rows, else the tokenizer's size (clamped to the int
        // range: a larger embedding then fails the shape check against the config, by name)
        long vocabDefault = embedding != null ? Math.min(embedding.shape()[0], Integer.MAX_VALUE)
                : meta.get("tokenizer.ggml.tokens") instanceof List<?> tokens ? tokens.size() : -1;
        LlamaConfig config;
        try {
            config = new LlamaConfig(dim, (int) integer(file, meta, "llama.feed_forward_length", -1),
                    (int) integer(file, meta, "llama.block_count", -1), heads,
                    (int) integer(file, meta, "llama.attention.head_count_kv", heads),
                    (int) integer(file, meta, "llama.vocab_size", vocabDefault),
                    (int) integer(file, meta, "llama.context_length", -1),
                    real(file, meta, "llama.attention.layer_norm_rms_epsilon", Double.NaN),
                    real(file, meta, "llama.rope.freq_base", 10000.0), !tensors.containsKey(LM_HEAD),
                    RopeStyle.ADJACENT_PAIRS);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(file, null, "the llama.* metadata is not a valid model: " + e.getMessage(), e);
        }
        long ropeDims = integer(file, meta, "llama.rope.dimension_count", config.headDim());
        if (ropeDims != config.headDim()) {
            throw new CheckpointException(file, "llama.rope.dimension_count " + ropeDims + " differs from the head size "
                    + config.headDim() + " (partial rotary embeddings are not supported)");
        }
        return config;
    }

    /** An integer key in [1, 2^31) (or 0 for counts that may be 0); {@code fallback} when absent, -1 = required. */
    private static long integer(Path file, Map<String, Object> meta, String key, long fallback) {
        Object v = meta.get(key);
        if (v == null) {
            if (fallback == -1) throw new CheckpointException(file, "metadata key " + key + " is missing");
            return fallback;
        }
        if (!(v instanceof Long n) || n < 0 || n > Integer.MAX_VALUE) {
            throw new CheckpointException(file, "metadata key " + key + " is " + describe(v)
                    + ", not an integer in [0, 2^31)");
        }
        return n;
    }

    private static double real(Path file, Map<String, Object> meta, String key, double fallback) {
        Object v = meta.get(key);
        if (v == null) {
            if (Double.isNaN(fallback)) throw new CheckpointException(file, "metadata key " + key + " is missing");
            return fallback;
        }
        if (v instanceof Double d) return d;
        if (v instanceof Long n) return n;
        throw new CheckpointException(file, "metadata key " + key + " is " + describe(v) + ", not a number");
    }

    private static String describe(Object v) {
        if (v instanceof List<?> l) return "an array of " + l.size();
        String s = String.valueOf(v);
        return (v instanceof String ? "\"" + (s.length() > 40 ? s.substring(0, 40) + "…" : s) + "\"" : s);
    }
}
