package dev.lorapar.eval.report;

import java.util.List;
import java.util.Objects;

/**
 * What a model or adapter was: the path it was loaded from, its size in bytes and its SHA-256, plus each file's
 * own digest when it is a folder (shards, config, tokenizer). For a single file {@code sha256} is the file's digest
 * (what {@code sha256sum} prints) and {@code files} has that one file; for a folder see
 * {@link ContentHasher#folderDigest}. {@code sha256} is null when the artifact was not hashed.
 */
public record ArtifactIdentity(String path, long bytes, String sha256, List<FileDigest> files) {

    /** One file of an artifact: its path relative to the artifact's folder ('/' separators), size and SHA-256. */
    public record FileDigest(String path, long bytes, String sha256) {
        public FileDigest {
            Objects.requireNonNull(path, "file digest path is null");
            if (bytes < 0) throw new IllegalArgumentException("file " + path + ": size " + bytes + " is negative");
            if (sha256 != null && !ContentHasher.isSha256Hex(sha256)) {
                throw new IllegalArgumentException("file " + path + ": \"" + sha256 + "\" is not 64 lower-case hex digits");
            }
        }
    }

    public ArtifactIdentity {
        Objects.requireNonNull(path, "artifact path is null");
        if (bytes < 0) throw new IllegalArgumentException("artifact " + path + ": size " + bytes + " is negative");
        if (sha256 != null && !ContentHasher.isSha256Hex(sha256)) {
            throw new IllegalArgumentException("artifact " + path + ": \"" + sha256 + "\" is not 64 lower-case hex digits");
        }
        files = List.copyOf(Objects.requireNonNull(files, "artifact " + path + ": files list is null"));
    }

    /** An identity without digests (hashing switched off). */
    public static ArtifactIdentity unhashed(String path, long bytes) {
        return new ArtifactIdentity(path, bytes, null, List.of());
    }
}
