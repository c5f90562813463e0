package dev.lorapar.tests.eval.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorapar.eval.report.ArtifactIdentity;
import dev.lorapar.eval.report.ContentHasher;
import dev.lorapar.eval.report.Sha256Cache;
import dev.lorapar.tests.support.Rng;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/** SHA-256 identities of files and folders against MessageDigest over whole byte arrays; the side-file cache. */
class ContentHasherTest {
    @TempDir
    Path dir;

    private static String sha(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    private static byte[] random(Rng rng, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte) rng.nextInt(256);
        return b;
    }

    @Test
    void fileDigestIsSha256sum(TestInfo ti) throws Exception {
        Rng rng = Rng.forTest(ti);
        Path abc = Files.writeString(dir.resolve("abc.txt"), "abc");
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", ContentHasher.sha256Of(abc));
        Path empty = Files.write(dir.resolve("empty"), new byte[0]);
        assertEquals("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", ContentHasher.sha256Of(empty));
        byte[] big = random(rng, (1 << 20) * 2 + rng.nextInt(5000)); // crosses the 1 MiB buffer
        Path f = Files.write(dir.resolve("model.bin"), big);
        ArtifactIdentity id = new ContentHasher(null).identify(f);
        assertEquals(sha(big), id.sha256(), rng.tag());
        assertEquals(big.length, id.bytes());
        assertEquals(List.of(new ArtifactIdentity.FileDigest("model.bin", big.length, sha(big))), id.files());
        assertEquals(f.toString(), id.path());
    }

    @Test
    void folderDigestIsTheSortedManifestHash(TestInfo ti) throws Exception {
        Rng rng = Rng.forTest(ti);
        Path model = Files.createDirectories(dir.resolve("llama"));
        byte[] shard2 = random(rng, 1500 + rng.nextInt(3000));
        byte[] shard1 = random(rng, (1 << 20) + rng.nextInt(3000));
        byte[] config = "{\"dim\": 8, \"name\": \"é\"}".getBytes(StandardCharsets.UTF_8);
        Files.write(model.resolve("model-00002.safetensors"), shard2);
        Files.write(model.resolve("model-00001.safetensors"), shard1);
        Files.createDirectories(model.resolve("tok"));
        Files.write(model.resolve("tok/tokenizer.json"), config);
        Files.writeString(model.resolve(".lock"), "skipped");
        Files.createDirectories(model.resolve(".cache/x"));
        Files.writeString(model.resolve(".cache/x/blob"), "skipped too");
        String manifest = sha(shard1) + "  model-00001.safetensors\n" + sha(shard2) + "  model-00002.safetensors\n"
                + sha(config) + "  tok/tokenizer.json\n";
        ArtifactIdentity id = new ContentHasher(null).identify(model);
        assertEquals(sha(manifest.getBytes(StandardCharsets.UTF_8)), id.sha256(), rng.tag());
        assertEquals(shard1.length + shard2.length + config.length, id.bytes());
        assertEquals(3, id.files().size());
        assertEquals(ContentHasher.folderDigest(List.of(id.files().get(2), id.files().get(0), id.files().get(1))), id.sha256());
        // a symbolic link to a file counts as the file (Hugging Face cache snapshots)
        Path linked = Files.createDirectories(dir.resolve("snapshot"));
        Files.createSymbolicLink(linked.resolve("model-00001.safetensors"), model.resolve("model-00001.safetensors"));
        ArtifactIdentity viaLink = new ContentHasher(null).identify(linked);
        assertEquals(sha((sha(shard1) + "  model-00001.safetensors\n").getBytes(StandardCharsets.UTF_8)), viaLink.sha256());
        IOException missing = assertThrows(IOException.class, () -> new ContentHasher(null).identify(dir.resolve("nope")));
        assertTrue(missing.getMessage().contains("nope"), missing.getMessage());
    }

    @Test
    void cacheSkipsRereadingAndNoticesChanges(TestInfo ti) throws Exception {
        Rng rng = Rng.forTest(ti);
        Path model = Files.createDirectories(dir.resolve("m"));
        byte[] a = random(rng, 70_000 + rng.nextInt(1000));
        byte[] b = random(rng, 5_000);
        Path fa = Files.write(model.resolve("a.bin"), a);
        Files.write(model.resolve("b.bin"), b);
        Sha256Cache cache = Sha256Cache.at(dir.resolve("cache/sha256.tsv"));

        ContentHasher first = new ContentHasher(cache);
        ArtifactIdentity id1 = first.identify(model);
        assertEquals(a.length + b.length, first.bytesHashed());
        assertTrue(Files.exists(cache.file()));

        ContentHasher second = new ContentHasher(cache);
        assertEquals(id1, second.identify(model));
        assertEquals(0, second.bytesHashed(), "second identify must come from the cache");

        // new content of the same size with the old modification time: the cache answers without reading,
        // so the stale digest proves the file was not read
        FileTime mtime = Files.getLastModifiedTime(fa);
        byte[] a2 = random(rng, a.length);
        Files.write(fa, a2);
        Files.setLastModifiedTime(fa, mtime);
        ContentHasher third = new ContentHasher(cache);
        assertEquals(sha(a), third.sha256(fa), rng.tag());
        assertEquals(0, third.bytesHashed());

        // a changed modification time invalidates the entry: only that file is read again
        Files.setLastModifiedTime(fa, FileTime.fromMillis(mtime.toMillis() + 1000));
        ContentHasher fourth = new ContentHasher(cache);
        ArtifactIdentity id2 = fourth.identify(model);
        assertEquals(a.length, fourth.bytesHashed());
        assertEquals(sha(a2), id2.files().get(0).sha256(), rng.tag());
        assertNotEquals(id1.sha256(), id2.sha256());

        // so does a changed size, even with the old modification time
        FileTime mtime2 = Files.getLastModifiedTime(fa);
        byte[] a3 = random(rng, a.length + 1);
        Files.write(fa, a3);
        Files.setLastModifiedTime(fa, mtime2);
        ContentHasher fifth = new ContentHasher(cache);
        assertEquals(sha(a3), fifth.sha256(fa), rng.tag());
        assertEquals(a3.length, fifth.bytesHashed());
    }

    @Test
    void damagedCacheLinesAreIgnoredAndDropped(TestInfo ti) throws Exception {
        Rng rng = Rng.forTest(ti);
        Path f = Files.write(dir.resolve("w.bin"), random(rng, 1000));
        Path cacheFile = dir.resolve("c.tsv");
        Files.writeString(cacheFile, "garbage\n" + "zz\t1\t2\t/x\n" + "a".repeat(64) + "\tnot-a-number\t2\t/y\n");
        Sha256Cache cache = Sha256Cache.at(cacheFile);
        ContentHasher h = new ContentHasher(cache);
        assertEquals(ContentHasher.sha256Of(f), h.sha256(f));
        List<String> lines = Files.readAllLines(cacheFile);
        assertEquals(1, lines.size(), lines.toString());
        assertTrue(lines.get(0).startsWith(ContentHasher.sha256Of(f) + "\t1000\t"), lines.get(0));
        assertTrue(lines.get(0).endsWith("\t" + f.toRealPath()), lines.get(0));
        ContentHasher again = new ContentHasher(cache);
        again.sha256(f);
        assertEquals(0, again.bytesHashed());
        assertFalse(ContentHasher.isSha256Hex("A".repeat(64)));
        assertTrue(ContentHasher.isSha256Hex("0123456789abcdef".repeat(4)));
    }
}
