package dev.lorapar.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How the cached base was pretrained; its JSON file is the cache folder's completion marker (written last,
 * atomically).
 */
public record PretrainSummary(long steps, double firstLoss, double lastLoss, double seconds, String generator,
                              String training) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public void write(Path file) throws IOException {
        String text = JSON.writerWithDefaultPrettyPrinter().writeValueAsString(JSON.createObjectNode()
                .put("steps", steps).put("first_loss", firstLoss).put("last_loss", lastLoss).put("seconds", seconds)
                .put("generator", generator).put("training", training));
        TextFiles.writeAtomically(file, text);
    }

    /** Reads {@code file}; a missing field is an error naming it. */
    public static PretrainSummary read(Path file) throws IOException {
        JsonNode o = JSON.readTree(Files.readString(file, StandardCharsets.UTF_8));
        for (String f : new String[] {"steps", "first_loss", "last_loss", "seconds", "generator", "training"}) {
            if (o == null || !o.hasNonNull(f)) {
                throw new IllegalArgumentException(file + ": field '" + f + "' is missing");
            }
        }
        return new PretrainSummary(o.get("steps").asLong(), o.get("first_loss").asDouble(),
                o.get("last_loss").asDouble(), o.get("seconds").asDouble(), o.get("generator").asText(),
                o.get("training").asText());
    }
}
