package dev.lorapar.pipeline.stage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lorapar.eval.report.ContentHasher;
import dev.lorapar.train.export.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A stage's output folder, keyed by its inputs: {@code root/<stage>-<first 16 hex digits of the key hash>}. The
 * stage writes its outputs there, then {@link #finish} writes {@value #MANIFEST} LAST and atomically (temporary
 * file, fsync, rename): the key, the key's canonical text and every output's size and SHA-256. The folder is
 * {@link #complete()} only when the manifest is there, names the same key and every listed output still has its
 * recorded size and hash, so a killed stage (no manifest) runs again, and a rerun with the same inputs is skipped.
 * A changed input (another θ) gives another folder; earlier folders stay, so going back to an old setting is free.
 */
public final class StageDir {
    /** The manifest's file name. */
    public static final String MANIFEST = "manifest.json";
    /** The manifest's {@code format}. */
    public static final String FORMAT = "lorapar-stage/1";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final StageKey key;
    private final Path dir;

    private StageDir(StageKey key, Path dir) {
        this.key = key;
        this.dir = dir;
    }

    /** The folder for {@code key} under {@code root} (not created). */
    public static StageDir of(Path root, StageKey key) {
        return new StageDir(key, root.resolve(key.stage() + "-" + key.hash().substring(0, 16)));
    }

    public Path dir() {
        return dir;
    }

    public StageKey key() {
        return key;
    }

    /** Creates the folder (when absent) and returns it. */
    public Path create() throws IOException {
        return Files.createDirectories(dir);
    }

    /** True when the manifest is there, for this key, and every output it lists is unchanged. */
    public boolean complete() throws IOException {
        Path manifest = dir.resolve(MANIFEST);
        if (!Files.isRegularFile(manifest)) return false;
        JsonNode json;
        try {
            json = JSON.readTree(manifest.toFile());
        } catch (IOException e) {
            return false; // unreadable manifest: the stage runs again and rewrites it
        }
        if (json == null || !FORMAT.equals(json.path("format").asText()) || !key.hash().equals(json.path("key").asText())) {
            return false;
        }
        for (var e : json.path("outputs").properties()) {
            Path f = dir.resolve(e.getKey());
            if (!Files.isRegularFile(f) || Files.size(f) != e.getValue().path("bytes").asLong(-1)
                    || !ContentHasher.sha256Of(f).equals(e.getValue().path("sha256").asText())) {
                return false;
            }
        }
        return true;
    }

    /** The SHA-256 of one output as the manifest records it (for the key of a following stage). */
    public String outputHash(String relativePath) throws IOException {
        JsonNode json = JSON.readTree(dir.resolve(MANIFEST).toFile());
        JsonNode h = json.path("outputs").path(relativePath).path("sha256");
        if (h.isMissingNode()) throw new IOException(dir.resolve(MANIFEST) + ": no output " + relativePath);
        return h.asText();
    }

    /**
     * Marks the stage done: hashes {@code outputs} (paths relative to the folder) and writes the manifest atomically,
     * after them. {@code summary} (nullable) is stored as is for people reading the folder.
     */
    public void finish(List<String> outputs, JsonNode summary) throws IOException {
        Map<String, ObjectNode> hashed = new LinkedHashMap<>();
        for (String rel : outputs) {
            Path f = dir.resolve(rel);
            if (!Files.isRegularFile(f)) throw new IOException("stage " + key.stage() + ": output " + f + " is missing");
            ObjectNode o = JSON.createObjectNode();
            o.put("bytes", Files.size(f));
            o.put("sha256", ContentHasher.sha256Of(f));
            hashed.put(rel, o);
        }
        ObjectNode json = JSON.createObjectNode();
        json.put("format", FORMAT);
        json.put("stage", key.stage());
        json.put("key", key.hash());
        json.put("inputs", key.canonical());
        json.put("finished", Instant.now().toString());
        ObjectNode out = json.putObject("outputs");
        hashed.forEach(out::set);
        if (summary != null) json.set("summary", summary);
        AtomicFiles.writeString(dir.resolve(MANIFEST), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(json));
    }
}
