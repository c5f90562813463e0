package dev.lorapar.model.io;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lorapar.model.LlamaConfig;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Loads a Hugging Face checkpoint folder: {@code config.json} (see {@link HfConfigReader}) and the
 * weights in {@code model.safetensors}, or — when that file is absent — in the shards listed by
 * {@code model.safetensors.index.json} ({@code {"weight_map": {tensor: shard file}}}; every tensor must
 * be in the shard the index names). Tensors ending in {@code rotary_emb.inv_freq} (a buffer older
 * transformers saved) are ignored; with tied embeddings a stored {@code lm_head.weight} is ignored too.
 * RoPE: rotate-half (HF's layout).
 */
final class HfCheckpointLoader {
    static final String CONFIG = "config.json", SINGLE = "model.safetensors", INDEX = "model.safetensors.index.json";
    private static final long MAX_INDEX_BYTES = 64L << 20;
    private static final String IGNORED_SUFFIX = "rotary_emb.inv_freq";

    private HfCheckpointLoader() {
    }

    static Checkpoint load(Path dir) {
        LlamaConfig config = HfConfigReader.read(dir.resolve(CONFIG));
        Arena arena = Arena.ofShared();
        try {
            Map<String, WeightTensor> found = new LinkedHashMap<>();
            Map<String, Path> origin = new HashMap<>();
            Path single = dir.resolve(SINGLE), index = dir.resolve(INDEX);
            Path weights = Files.exists(single) ? single : index;
            if (Files.exists(single)) {
                add(found, origin, single, SafetensorsFile.read(single, arena));
            } else if (Files.exists(index)) {
                readShards(dir, index, arena, found, origin);
            } else {
                throw new CheckpointException(dir, "has neither " + SINGLE + " nor " + INDEX
                        + " (only safetensors weights are supported)");
            }
            found.keySet().removeIf(name -> name.endsWith(IGNORED_SUFFIX));
            if (config.tiedEmbeddings()) found.remove(LlamaTensorNames.LM_HEAD);
            return Checkpoint.assemble(config, found, dir, Checkpoint.FORMAT_HF, arena, n -> origin.getOrDefault(n, weights));
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    private static void add(Map<String, WeightTensor> found, Map<String, Path> origin, Path file, Map<String, WeightTensor> tensors) {
        for (Map.Entry<String, WeightTensor> e : tensors.entrySet()) {
            found.put(e.getKey(), e.getValue());
            origin.put(e.getKey(), file);
        }
    }

    private static void readShards(Path dir, Path index, Arena arena, Map<String, WeightTensor> found, Map<String, Path> origin) {
        byte[] bytes = MappedFiles.readSmall(index, MAX_INDEX_BYTES);
        JsonNode weightMap = Json.parseObject(index, bytes, 0, bytes.length, INDEX).get("weight_map");
        if (weightMap == null || !weightMap.isObject()) throw new CheckpointException(index, "has no weight_map object");
        Map<String, String> shardOf = new LinkedHashMap<>();
        Set<String> shards = new LinkedHashSet<>();
        for (Map.Entry<String, JsonNode> e : weightMap.properties()) {
            String shard = e.getValue().isTextual() ? e.getValue().asText() : null;
            if (shard == null || !isPlainFileName(shard)) {
                throw new CheckpointException(index, e.getKey(), "shard " + e.getValue() + " is not a file name in the folder");
            }
            shardOf.put(e.getKey(), shard);
            shards.add(shard);
        }
        for (String shard : shards) {
            Path file = dir.resolve(shard);
            for (Map.Entry<String, WeightTensor> e : SafetensorsFile.read(file, arena).entrySet()) {
                String listed = shardOf.get(e.getKey());
                if (listed == null) {
                    throw new CheckpointException(file, e.getKey(), "is not listed in " + INDEX);
                }
                if (!listed.equals(shard)) {
                    throw new CheckpointException(file, e.getKey(), "is also here, but " + INDEX + " maps it to " + listed);
                }
                found.put(e.getKey(), e.getValue());
                origin.put(e.getKey(), file);
            }
        }
        for (Map.Entry<String, String> e : shardOf.entrySet()) {
            if (!found.containsKey(e.getKey())) {
                throw new CheckpointException(dir.resolve(e.getValue()), e.getKey(), "is listed in " + INDEX + " but not in this shard");
            }
        }
    }

    private static boolean isPlainFileName(String name) {
        return !name.isEmpty() && !name.equals(".") && !name.equals("..") && name.indexOf('/') < 0
                && name.indexOf('\\') < 0 && name.indexOf('\0') < 0;
    }
}
