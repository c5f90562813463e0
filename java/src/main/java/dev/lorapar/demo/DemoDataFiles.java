package dev.lorapar.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Item sets as JSONL, one object per line in the question/answer shape {@code dev.lorapar.train.data} reads, plus
 * the checkable {@code gold} answer, the item {@code kind} and the hidden ground-truth label
 * {@code ground_truth_system} ("S1" / "S2"; not named "system", which the data readers take as a system prompt).
 * Files are written whole to a temporary name and moved into place, so a reader never sees half a file.
 */
public final class DemoDataFiles {
    /** The field holding the hidden System-1 / System-2 label. */
    public static final String LABEL_FIELD = "ground_truth_system";
    private static final ObjectMapper JSON = new ObjectMapper();

    private DemoDataFiles() {
    }

    /** Writes {@code items} to {@code file}; a file that already holds exactly these lines is left as it is. */
    public static void write(List<DemoItem> items, Path file) throws IOException {
        StringBuilder text = new StringBuilder();
        for (DemoItem item : items) {
            ObjectNode o = JSON.createObjectNode();
            o.put("question", item.question());
            o.put("answer", item.answer());
            o.put("gold", item.gold());
            o.put("kind", item.kind().name().toLowerCase());
            o.put(LABEL_FIELD, item.system().name());
            if (item.chainKey() != null) {
                o.put("chain", item.chainKey());
            }
            text.append(JSON.writeValueAsString(o)).append('\n');
        }
        TextFiles.writeIfDifferent(file, text);
    }

    /** Reads a file written by {@link #write}; a bad line is an error naming the file, line and field. */
    public static List<DemoItem> read(Path file) throws IOException {
        List<DemoItem> out = new ArrayList<>();
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) {
                continue;
            }
            String where = file + ":" + (i + 1);
            JsonNode o;
            try {
                o = JSON.readTree(lines.get(i));
            } catch (IOException e) {
                throw new IllegalArgumentException(where + ": not JSON: " + e.getMessage(), e);
            }
            TaskKind kind;
            try {
                kind = TaskKind.valueOf(text(o, "kind", where).toUpperCase());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + ": unknown kind '" + o.path("kind").asText() + "'");
            }
            String label = text(o, LABEL_FIELD, where);
            if (!label.equals(kind.system().name())) {
                throw new IllegalArgumentException(where + ": " + LABEL_FIELD + " '" + label + "' does not match kind "
                        + kind);
            }
            out.add(new DemoItem(text(o, "question", where), text(o, "answer", where), text(o, "gold", where), kind,
                    o.hasNonNull("chain") ? o.get("chain").asText() : null));
        }
        return out;
    }

    private static String text(JsonNode o, String field, String where) {
        JsonNode v = o.get(field);
        if (v == null || !v.isTextual()) {
            throw new IllegalArgumentException(where + ": field '" + field + "' is missing or not a string");
        }
        return v.asText();
    }
}
