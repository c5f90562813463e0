package dev.lorapar.pipeline.stage;

import dev.lorapar.eval.report.ContentHasher;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What a stage's output depends on: the stage's name, the content hash of every input file or folder (by role, not
 * by path: moving a file does not invalidate a stage, editing it does) and the settings that change the output.
 * {@link #canonical()} is one line per entry, sorted ({@code stage <name>}, {@code file <role> <sha256>},
 * {@code set <name>=<value>}); {@link #hash()} is its SHA-256. Settings that do not change the output (progress
 * mode, concurrency, paths of outputs) must not be added.
 */
public final class StageKey {
    private final String stage;
    private final Map<String, String> files = new TreeMap<>();    // role → sha256
    private final Map<String, String> settings = new TreeMap<>(); // name → value as text

    private StageKey(String stage) {
        this.stage = stage;
    }

    /** An empty key for the stage {@code stage} (a word: letters, digits, '-', '_'). */
    public static StageKey of(String stage) {
        if (stage == null || !stage.matches("[A-Za-z0-9_-]+")) {
            throw new IllegalArgumentException("stage name '" + stage + "' must be letters, digits, '-' or '_'");
        }
        return new StageKey(stage);
    }

    public String stage() {
        return stage;
    }

    /** Adds the content hash of a file (its bytes) or folder (the sha256sum manifest of its files) as {@code role}. */
    public StageKey file(String role, Path fileOrFolder) throws IOException {
        return file(role, fileOrFolder, new ContentHasher(null));
    }

    /** As {@link #file(String, Path)} with {@code hasher} (e.g. one with a cache, for multi-GB checkpoints). */
    public StageKey file(String role, Path fileOrFolder, ContentHasher hasher) throws IOException {
        return fileHash(role, hasher.identify(fileOrFolder).sha256());
    }

    /** Adds an already known content hash as {@code role} (e.g. a previous stage's output). */
    public StageKey fileHash(String role, String sha256) {
        checkName("file role", role);
        Objects.requireNonNull(sha256, "sha256 of " + role);
        if (files.put(role, sha256) != null) throw new IllegalArgumentException("input file role '" + role + "' added twice");
        return this;
    }

    /** Adds a setting; its text ({@link String#valueOf}) is what counts: 0.9 and 0.90 differ as doubles do not. */
    public StageKey setting(String name, Object value) {
        checkName("setting", name);
        String text = value instanceof Double d ? Double.toString(d) : value instanceof Float f ? Float.toString(f)
                : String.valueOf(value);
        if (text.indexOf('\n') >= 0) throw new IllegalArgumentException("setting " + name + " holds a line break");
        if (settings.put(name, text) != null) throw new IllegalArgumentException("setting '" + name + "' added twice");
        return this;
    }

    private static void checkName(String what, String name) {
        if (name == null || name.isEmpty() || !name.matches("[^\\s=]+")) {
            throw new IllegalArgumentException(what + " name '" + name + "' must be non-empty without spaces or '='");
        }
    }

    /** The sorted description the hash is taken of. */
    public String canonical() {
        StringBuilder s = new StringBuilder("stage ").append(stage).append('\n');
        files.forEach((role, h) -> s.append("file ").append(role).append(' ').append(h).append('\n'));
        settings.forEach((k, v) -> s.append("set ").append(k).append('=').append(v).append('\n'));
        return s.toString();
    }

    /** SHA-256 (hex) of {@link #canonical()}. */
    public String hash() {
        return sha256Hex(canonical());
    }

    /** SHA-256 (64 lower-case hex digits) of the UTF-8 bytes of {@code text}. */
    public static String sha256Hex(String text) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(md.digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }
}
