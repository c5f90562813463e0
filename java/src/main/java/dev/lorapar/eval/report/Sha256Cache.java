package dev.lorapar.eval.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A small side file remembering the SHA-256 of large files, keyed by (absolute real path, size, modification
 * time in nanoseconds), so a 13 GB checkpoint is hashed once and not on every run. A file whose size or
 * modification time changed is a miss and is hashed again (a rewrite that keeps both is not noticed: that is the
 * price of not reading the file).
 *
 * <p>The file has one entry per line: {@code sha256 TAB size TAB mtimeNanos TAB path}. It is only a cache: lines
 * that do not parse are ignored (and dropped at the next store). {@link #store} re-reads the file, so entries of
 * other processes are kept, and replaces it atomically (temporary file + rename).
 */
public final class Sha256Cache {
    private final Path file;

    private Sha256Cache(Path file) {
        this.file = file;
    }

    /** A cache kept in {@code file} (created on the first store, with its parent folders). */
    public static Sha256Cache at(Path file) {
        return new Sha256Cache(Objects.requireNonNull(file, "cache file is null").toAbsolutePath());
    }

    /** {@code $XDG_CACHE_HOME/lorapar/sha256-cache.tsv}, or {@code ~/.cache/lorapar/sha256-cache.tsv}. */
    public static Path defaultFile() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("lorapar").resolve("sha256-cache.tsv");
    }

    public Path file() {
        return file;
    }

    /** The digest remembered for this exact (path, size, mtime), or null. */
    public synchronized String lookup(Path realPath, long size, long mtimeNanos) throws IOException {
        Entry e = load().get(realPath.toString());
        return e != null && e.size == size && e.mtimeNanos == mtimeNanos ? e.sha256 : null;
    }

    /** Remembers a digest, replacing any older entry of the path. */
    public synchronized void store(Path realPath, long size, long mtimeNanos, String sha256) throws IOException {
        if (!ContentHasher.isSha256Hex(sha256)) throw new IllegalArgumentException("\"" + sha256 + "\" is not a SHA-256 hex digest");
        String path = realPath.toString();
        if (path.indexOf('\n') >= 0 || path.indexOf('\t') >= 0 || path.indexOf('\r') >= 0) return; // not representable: just don't cache
        Map<String, Entry> entries = load();
        entries.remove(path);
        entries.put(path, new Entry(sha256, size, mtimeNanos));
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, Entry> e : entries.entrySet()) {
            Entry v = e.getValue();
            sb.append(v.sha256).append('\t').append(v.size).append('\t').append(v.mtimeNanos).append('\t').append(e.getKey()).append('\n');
        }
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling("." + file.getFileName() + "." + ProcessHandle.current().pid() + "." + System.nanoTime() + ".tmp");
        try {
            Files.writeString(tmp, sb, StandardCharsets.UTF_8);
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new IOException("SHA-256 cache " + file + ": cannot write: " + e.getMessage(), e);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private record Entry(String sha256, long size, long mtimeNanos) {
    }

    private Map<String, Entry> load() throws IOException {
        Map<String, Entry> out = new LinkedHashMap<>();
        if (!Files.exists(file)) return out;
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (java.nio.charset.MalformedInputException e) {
            return out; // a damaged cache is an empty one
        }
        for (String line : lines) {
            String[] f = line.split("\t", 4);
            if (f.length != 4 || !ContentHasher.isSha256Hex(f[0]) || f[3].isEmpty()) continue;
            try {
                out.put(f[3], new Entry(f[0], Long.parseLong(f[1]), Long.parseLong(f[2])));
            } catch (NumberFormatException ignored) {
                // not an entry
            }
        }
        return out;
    }
}
