package dev.lorapar.tests.io;

import dev.lorapar.model.io.WeightType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Composes safetensors files byte by byte for the tests (independently of the loader): an 8-byte
 * little-endian header length, the JSON header padded with spaces to a multiple of 8, then the data
 * in the order given. Also writes Hugging Face folders (config.json + one file, or shards + index).
 */
final class SafetensorsWriter {
    private SafetensorsWriter() {
    }

    static String dtype(WeightType t) {
        return switch (t) {
            case F32 -> "F32";
            case F16 -> "F16";
            case BF16 -> "BF16";
        };
    }

    /** The bytes of a safetensors file holding {@code tensors} in order. */
    static byte[] compose(Map<String, RawTensor> tensors) {
        StringBuilder json = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        long offset = 0;
        for (Map.Entry<String, RawTensor> e : tensors.entrySet()) {
            RawTensor t = e.getValue();
            json.append(",\"").append(e.getKey()).append("\":{\"dtype\":\"").append(dtype(t.type()))
                    .append("\",\"shape\":").append(Arrays.toString(t.shape()).replace(" ", ""))
                    .append(",\"data_offsets\":[").append(offset).append(',').append(offset + t.bytes().length).append("]}");
            offset += t.bytes().length;
        }
        json.append('}');
        while (json.length() % 8 != 0) json.append(' ');
        LeBuffer out = new LeBuffer();
        byte[] header = json.toString().getBytes(StandardCharsets.UTF_8);
        out.u64(header.length).bytes(header);
        for (RawTensor t : tensors.values()) out.bytes(t.bytes());
        return out.toArray();
    }

    /** A Hugging Face folder with config.json and model.safetensors. */
    static void writeSingle(Path dir, TinyModel m, String configExtra) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.json"), m.configJson(configExtra));
        Files.write(dir.resolve("model.safetensors"), compose(m.tensors));
    }

    /** A Hugging Face folder with the tensors split over {@code shards} files and an index. */
    static void writeSharded(Path dir, TinyModel m, int shards) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.json"), m.configJson(""));
        List<Map<String, RawTensor>> parts = new ArrayList<>();
        for (int s = 0; s < shards; s++) parts.add(new LinkedHashMap<>());
        StringBuilder index = new StringBuilder("{\"metadata\":{\"total_size\":0},\"weight_map\":{");
        int i = 0;
        for (Map.Entry<String, RawTensor> e : m.tensors.entrySet()) {
            int s = i++ * shards / m.tensors.size();
            parts.get(s).put(e.getKey(), e.getValue());
            if (i > 1) index.append(',');
            index.append('"').append(e.getKey()).append("\":\"").append(shardName(s, shards)).append('"');
        }
        index.append("}}");
        for (int s = 0; s < shards; s++) Files.write(dir.resolve(shardName(s, shards)), compose(parts.get(s)));
        Files.writeString(dir.resolve("model.safetensors.index.json"), index);
    }

    static String shardName(int s, int shards) {
        return String.format("model-%05d-of-%05d.safetensors", s + 1, shards);
    }
}
