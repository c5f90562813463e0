package dev.lorapar.tests.train.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lorapar.tests.support.Rng;
import dev.lorapar.train.checkpoint.CheckpointFile;
import dev.lorapar.train.checkpoint.CorruptCheckpointException;
import dev.lorapar.train.checkpoint.TrainingState;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/** The file format: round trips, the documented layout, streaming, and detection of every damaged byte. */
class CheckpointFileTest {

    @Test
    void roundTripsEveryTypeBitExactlyInTheDocumentedLayout(TestInfo info, @TempDir Path dir) throws IOException {
        Rng rng = Rng.forTest(info);
        for (int round = 0; round < 5; round++) {
            TrainingState state = RandomStates.random(rng, rng.nextLong() & Long.MAX_VALUE, rng.between(0, 3000));
            Path f = dir.resolve("s" + round + ".lpck");
            long size = CheckpointFile.write(f, state, null);
            assertEquals(Files.size(f), size, rng.tag());
            assertEquals(state, CheckpointFile.read(f), rng.tag() + " round " + round);
            checkAgainstSpec(Files.readAllBytes(f), state);
        }
    }

    /** Every checksum and field of the file, recomputed from the documented format. */
    private static void checkAgainstSpec(byte[] file, TrainingState state) throws IOException {
        FileLayout layout = FileLayout.of(file);
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        int h = b.getInt(12);
        JsonNode header = new ObjectMapper().readTree(Arrays.copyOfRange(file, 16, 16 + h));
        assertEquals("lorapar-training-state", header.get("format").asText());
        assertEquals(state.step(), header.get("step").asLong());
        assertEquals(new ObjectMapper().readTree(state.configJson()), header.get("config"));
        assertEquals(SpecFile.crc(Arrays.copyOfRange(file, 0, 16 + h)), Integer.toUnsignedLong(b.getInt(16 + h)), "header crc");
        for (FileLayout.Region r : layout.regions()) {
            if (!r.name().startsWith("data of ")) continue;
            long stored = Integer.toUnsignedLong(b.getInt((int) r.to()));
            assertEquals(SpecFile.crc(Arrays.copyOfRange(file, (int) r.from(), (int) r.to())), stored, r.name());
        }
        assertEquals(SpecFile.crc(Arrays.copyOfRange(file, 0, file.length - 4)),
                Integer.toUnsignedLong(b.getInt(file.length - 4)), "file crc");
        // F32 data little-endian, element by element
        String first = state.arrayNames().getFirst();
        FileLayout.Region data = layout.regions().stream().filter(r -> r.name().equals("data of " + first)).findFirst().orElseThrow();
        float[] w = state.floats(first);
        for (int i = 0; i < w.length; i++) {
            assertEquals(Float.floatToRawIntBits(w[i]), b.getInt((int) data.from() + 4 * i), "element " + i);
        }
    }

    @Test
    void readsAFileWrittenFromTheSpec(@TempDir Path dir) throws IOException {
        String header = "{\"format\":\"lorapar-training-state\",\"step\":9,\"scalars\":{\"epoch\":3},\"config\":{\"r\":8},"
                + "\"arrays\":[{\"name\":\"w\",\"dtype\":\"F32\",\"shape\":[1,3]},{\"name\":\"m\",\"dtype\":\"U8\",\"shape\":[2]},"
                + "{\"name\":\"rng\",\"dtype\":\"I64\",\"shape\":[1]}]}";
        Path f = dir.resolve("spec.lpck");
        Files.write(f, SpecFile.build(header, List.of(SpecFile.floatsLe(1.5f, -2f, 0.25f), new byte[] {1, 0},
                SpecFile.le(8, -3L))));
        TrainingState s = CheckpointFile.read(f);
        assertEquals(TrainingState.builder(9).config("{\"r\":8}").scalar("epoch", 3)
                .floats("w", new float[] {1.5f, -2f, 0.25f}, 1, 3).bytes("m", new byte[] {1, 0})
                .longs("rng", new long[] {-3L}).build(), s);
    }

    @Test
    void sameStateGivesSameBytes(TestInfo info, @TempDir Path dir) throws IOException {
        Rng rng = Rng.forTest(info);
        TrainingState state = RandomStates.random(rng, 123, 500);
        CheckpointFile.write(dir.resolve("a.lpck"), state, null);
        CheckpointFile.write(dir.resolve("b.lpck"), CheckpointFile.read(dir.resolve("a.lpck")), null);
        assertEquals(-1, Files.mismatch(dir.resolve("a.lpck"), dir.resolve("b.lpck")), rng.tag());
    }

    @Test
    void streamsArraysLargerThanTheBlockWithoutAWholeFileBuffer(TestInfo info, @TempDir Path dir) throws IOException {
        Rng rng = Rng.forTest(info);
        int n = 1_500_000 + rng.nextInt(1000); // 6 MB of floats: several 1 MiB blocks, a ragged last one
        float[] big = rng.uniform(n, -1f, 1f);
        long[] longs = new long[300_000 + rng.nextInt(7)];
        for (int i = 0; i < longs.length; i++) longs[i] = rng.nextLong();
        TrainingState state = TrainingState.builder(5).bytes("odd", new byte[] {7, 7, 7}).floats("big", big)
                .longs("longs", longs).bytes("tail", rng.mask(1_100_000, Rng.MaskKind.RANDOM)).build();
        Path f = dir.resolve("big.lpck");
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = mx.getCurrentThreadAllocatedBytes();
        List<long[]> progress = new ArrayList<>();
        CheckpointFile.write(f, state, (done, total) -> progress.add(new long[] {done, total}));
        long writeAlloc = mx.getCurrentThreadAllocatedBytes() - before - progress.size() * 64L;
        assertTrue(writeAlloc < 2 << 20, "write allocated " + writeAlloc + " heap bytes for a "
                + state.arrayBytes() + "-byte state: it must stream, " + rng.tag());

        before = mx.getCurrentThreadAllocatedBytes();
        TrainingState back = CheckpointFile.read(f);
        long readAlloc = mx.getCurrentThreadAllocatedBytes() - before;
        assertTrue(readAlloc < state.arrayBytes() + (2 << 20), "read allocated " + readAlloc + " bytes for "
                + state.arrayBytes() + " bytes of arrays: it must stream into them, " + rng.tag());
        assertEquals(state, back, rng.tag());

        long size = Files.size(f);
        assertTrue(progress.size() >= 8, "progress reported " + progress.size() + " times");
        long last = 0;
        for (long[] p : progress) {
            assertTrue(p[0] > last && p[0] <= size && p[1] == size, Arrays.toString(p));
            last = p[0];
        }
        assertEquals(size, last, "progress ends at the file size");
    }

    @Test
    void everyDamagedByteIsDetectedAndNamed(TestInfo info, @TempDir Path dir) throws IOException {
        Rng rng = Rng.forTest(info);
        TrainingState state = RandomStates.random(rng, 77, 6);
        Path good = dir.resolve("good.lpck");
        CheckpointFile.write(good, state, null);
        byte[] bytes = Files.readAllBytes(good);
        FileLayout layout = FileLayout.of(bytes);
        Path bad = dir.resolve("bad.lpck");
        for (FileLayout.Region r : layout.regions()) {
            // every byte of the fixed-size fields, 24 random bytes of the header JSON and of each array's data
            List<Long> offsets = new ArrayList<>();
            if (r.length() <= 8) {
                for (long at = r.from(); at < r.to(); at++) offsets.add(at);
            } else {
                offsets.add(r.from());
                offsets.add(r.to() - 1);
                for (int k = 0; k < 22; k++) offsets.add(r.from() + rng.nextInt((int) r.length()));
            }
            for (long at : offsets) {
                byte[] copy = bytes.clone();
                int flip = 1 + rng.nextInt(255);
                copy[(int) at] ^= (byte) flip;
                Files.write(bad, copy);
                String where = "byte " + at + " (" + r.name() + ") xor " + flip + ", " + rng.tag();
                CorruptCheckpointException e = assertThrows(CorruptCheckpointException.class, () -> CheckpointFile.read(bad), where);
                for (String part : r.expected()) {
                    assertTrue(e.reason().contains(part), where + ": message '" + e.getMessage() + "' lacks '" + part + "'");
                }
                assertTrue(e.getMessage().startsWith("bad.lpck: "), e.getMessage());
                assertEquals(bad, e.file());
            }
        }
    }

    @Test
    void truncationAnywhereAndTrailingBytesAreDetected(TestInfo info, @TempDir Path dir) throws IOException {
        Rng rng = Rng.forTest(info);
        Path good = dir.resolve("good.lpck");
        CheckpointFile.write(good, RandomStates.random(rng, 3, 10), null);
        byte[] bytes = Files.readAllBytes(good);
        Path bad = dir.resolve("bad.lpck");
        List<Integer> lengths = new ArrayList<>();
        for (int len = 0; len < bytes.length; len++) {
            if (len < 64 || len >= bytes.length - 64 || rng.nextInt(8) == 0) lengths.add(len); // ends in full, middle sampled
        }
        for (int len : lengths) {
            Files.write(bad, Arrays.copyOf(bytes, len));
            var e = assertThrows(CorruptCheckpointException.class, () -> CheckpointFile.read(bad), "length " + len);
            assertTrue(e.reason().contains("truncated"), "length " + len + ": " + e.getMessage());
        }
        byte[] longer = Arrays.copyOf(bytes, bytes.length + 1 + rng.nextInt(100));
        Files.write(bad, longer);
        var e = assertThrows(CorruptCheckpointException.class, () -> CheckpointFile.read(bad));
        assertTrue(e.reason().contains("past the end the header declares"), e.getMessage());
    }

    @Test
    void aHeaderWithARightChecksumButWrongFieldsIsNamed(@TempDir Path dir) throws IOException {
        String ok = "\"format\":\"lorapar-training-state\",\"step\":1,\"scalars\":{},\"config\":{}";
        byte[] w = SpecFile.floatsLe(1f);
        Object[][] cases = {
                {"{" + ok + ",\"arrays\":[{\"name\":\"w\",\"dtype\":\"F16\",\"shape\":[1]}]}", "unknown dtype"},
                {"{" + ok + ",\"arrays\":[{\"name\":\"w\",\"dtype\":\"F32\",\"shape\":[1]},"
                        + "{\"name\":\"w\",\"dtype\":\"F32\",\"shape\":[1]}]}", "'w' twice"},
                {"{" + ok + ",\"arrays\":[{\"name\":\"w\",\"dtype\":\"F32\"}]}", "'w' has no shape"},
                {"{" + ok + ",\"arrays\":[{\"name\":\"w\",\"dtype\":\"F32\",\"shape\":[-1]}]}", "negative dimension"},
                {"{" + ok + ",\"arrays\":[{\"name\":\"w\",\"dtype\":\"F32\",\"shape\":[100000,100000]}]}", "larger than a Java array"},
                {"{" + ok + "}", "'arrays' is missing"},
                {"{\"format\":\"other\",\"step\":1,\"scalars\":{},\"config\":{},\"arrays\":[]}", "format is \"other\""},
                {"{\"format\":\"lorapar-training-state\",\"step\":1.5,\"scalars\":{},\"config\":{},\"arrays\":[]}", "step"},
                {"{\"format\":\"lorapar-training-state\",\"step\":1,\"scalars\":{\"e\":\"x\"},\"config\":{},\"arrays\":[]}", "scalar 'e'"},
                {"{\"format\":\"lorapar-training-state\",\"step\":1,\"scalars\":{},\"config\":[],\"arrays\":[]}", "'config'"},
                {"[1,2]", "not a JSON object"},
                {"{\"format\":", "not valid JSON"},
        };
        Path f = dir.resolve("h.lpck");
        for (Object[] c : cases) {
            String header = (String) c[0];
            List<byte[]> arrays = header.contains("\"w\"") && !header.contains("F16") && !header.contains("twice")
                    ? List.of(w) : List.of();
            Files.write(f, SpecFile.build(header, arrays));
            var e = assertThrows(CorruptCheckpointException.class, () -> CheckpointFile.read(f), header);
            assertTrue(e.reason().contains((String) c[1]), header + " → " + e.getMessage());
        }
    }

    @Test
    void checksumsAreCrc32cOfTheDocumentedBytes(@TempDir Path dir) throws IOException {
        // a known answer: CRC32C("123456789") = e3069283 (RFC 3720), the check value of the Castagnoli polynomial
        assertEquals(0xe3069283L, SpecFile.crc("123456789".getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
        Path f = dir.resolve("one.lpck");
        CheckpointFile.write(f, TrainingState.builder(0).bytes("b", "123456789".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).build(), null);
        byte[] file = Files.readAllBytes(f);
        FileLayout.Region crc = FileLayout.of(file).regions().stream().filter(r -> r.name().equals("crc of b")).findFirst().orElseThrow();
        assertArrayEquals(SpecFile.le(4, 0xe3069283L), Arrays.copyOfRange(file, (int) crc.from(), (int) crc.to()));
    }
}
