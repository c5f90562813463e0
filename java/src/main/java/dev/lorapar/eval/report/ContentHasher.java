package dev.lorapar.eval.report;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * SHA-256 identities of checkpoints and adapters: a file, or a folder of files (shards, configs, tokenizer),
 * read through a 1 MiB buffer, never whole into memory. With a {@link Sha256Cache}, a file whose (real path, size,
 * modification time) is remembered is not read again.
 *
 * <p>A folder's files are its regular files at any depth, symbolic links followed (a Hugging Face cache snapshot
 * links to its blobs), names starting with '.' skipped (with what is under them). The folder's digest is the
 * SHA-256 of the manifest in which every file has one line {@code <sha256 hex><two spaces><relative path>\n}
 * ('/' separators, lines sorted by the UTF-8 bytes of the path): the output of {@code sha256sum} run inside the
 * folder over the sorted file list.
 */
public final class ContentHasher {
    private static final int BUFFER_BYTES = 1 << 20;
    private static final HexFormat HEX = HexFormat.of();

    private final Sha256Cache cache;
    private long bytesHashed;

    /** A hasher using {@code cache}, or none when null. */
    public ContentHasher(Sha256Cache cache) {
        this.cache = cache;
    }

    /** A hasher with the cache in {@link Sha256Cache#defaultFile()}. */
    public static ContentHasher withDefaultCache() {
        return new ContentHasher(Sha256Cache.at(Sha256Cache.defaultFile()));
    }

    /** Bytes this hasher has read from files so far (cache hits read nothing). */
    public synchronized long bytesHashed() {
        return bytesHashed;
    }

    /** The identity of a file or folder: its path as given, total size, digest, and each file's digest (sorted by path). */
    public ArtifactIdentity identify(Path fileOrFolder) throws IOException {
        if (Files.isRegularFile(fileOrFolder)) {
            ArtifactIdentity.FileDigest d = new ArtifactIdentity.FileDigest(fileOrFolder.getFileName().toString(),
                    Files.size(fileOrFolder), sha256(fileOrFolder));
            return new ArtifactIdentity(fileOrFolder.toString(), d.bytes(), d.sha256(), List.of(d));
        }
        if (!Files.isDirectory(fileOrFolder)) throw new IOException(fileOrFolder + ": no such file or folder to hash");
        List<ArtifactIdentity.FileDigest> files = new ArrayList<>();
        long total = 0;
        List<Path> rels = new ArrayList<>(filesOf(fileOrFolder));
        rels.sort((a, b) -> Arrays.compareUnsigned(slashed(a).getBytes(StandardCharsets.UTF_8), slashed(b).getBytes(StandardCharsets.UTF_8)));
        for (Path rel : rels) {
            Path f = fileOrFolder.resolve(rel);
            ArtifactIdentity.FileDigest d = new ArtifactIdentity.FileDigest(slashed(rel), Files.size(f), sha256(f));
            files.add(d);
            total += d.bytes();
        }
        return new ArtifactIdentity(fileOrFolder.toString(), total, folderDigest(files), files);
    }

    /** The SHA-256 of one file, from the cache when its (real path, size, mtime) is remembered there. */
    public String sha256(Path file) throws IOException {
        if (cache == null) return read(file);
        Path real = file.toRealPath();
        long size = Files.size(real);
        long mtime = Files.getLastModifiedTime(real).to(TimeUnit.NANOSECONDS);
        String hit = cache.lookup(real, size, mtime);
        if (hit != null) return hit;
        String digest = read(real);
        // stored only when the file did not change while it was read
        if (Files.size(real) == size && Files.getLastModifiedTime(real).to(TimeUnit.NANOSECONDS) == mtime) {
            cache.store(real, size, mtime, digest);
        }
        return digest;
    }

    /** The SHA-256 of a file, always read (no cache). */
    public static String sha256Of(Path file) throws IOException {
        return new ContentHasher(null).read(file);
    }

    /** The digest of a folder from its files' digests: the SHA-256 of the sorted manifest (see the class comment). */
    public static String folderDigest(List<ArtifactIdentity.FileDigest> files) {
        List<ArtifactIdentity.FileDigest> sorted = new ArrayList<>(files);
        sorted.sort((a, b) -> Arrays.compareUnsigned(a.path().getBytes(StandardCharsets.UTF_8), b.path().getBytes(StandardCharsets.UTF_8)));
        MessageDigest md = newDigest();
        for (ArtifactIdentity.FileDigest f : sorted) {
            if (f.sha256() == null) throw new IllegalArgumentException("file " + f.path() + " has no digest");
            md.update((f.sha256() + "  " + f.path() + "\n").getBytes(StandardCharsets.UTF_8));
        }
        return HEX.formatHex(md.digest());
    }

    /** True for 64 lower-case hexadecimal digits. */
    public static boolean isSha256Hex(String s) {
        if (s == null || s.length() != 64) return false;
        for (int i = 0; i < 64; i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9') && !(c >= 'a' && c <= 'f')) return false;
        }
        return true;
    }

    private String read(Path file) throws IOException {
        MessageDigest md = newDigest();
        ByteBuffer buf = ByteBuffer.allocateDirect(BUFFER_BYTES);
        long n = 0;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            while (ch.read(buf) >= 0) {
                buf.flip();
                n += buf.remaining();
                md.update(buf);
                buf.clear();
            }
        } catch (IOException e) {
            throw new IOException(file + ": cannot read for hashing: " + e.getMessage(), e);
        }
        synchronized (this) {
            bytesHashed += n;
        }
        return HEX.formatHex(md.digest());
    }

    private static List<Path> filesOf(Path folder) throws IOException {
        try (Stream<Path> walk = Files.walk(folder, FileVisitOption.FOLLOW_LINKS)) {
            return walk.filter(Files::isRegularFile)
                    .map(folder::relativize)
                    .filter(rel -> { for (Path part : rel) if (part.toString().startsWith(".")) return false; return true; })
                    .toList();
        }
    }

    private static String slashed(Path rel) {
        StringBuilder sb = new StringBuilder();
        for (Path part : rel) {
            if (!sb.isEmpty()) sb.append('/');
            sb.append(part);
        }
        return sb.toString();
    }

    private static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }
}
