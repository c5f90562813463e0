package dev.lorapar.tests.train.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lorapar.model.io.SafetensorsFile;
import dev.lorapar.model.io.WeightTensor;
import dev.lorapar.model.io.WeightType;
import dev.lorapar.tests.reference.Bf16;
import dev.lorapar.tests.support.Rng;
import dev.lorapar.train.export.ExportDType;
import dev.lorapar.train.export.SafetensorsWriter;
import dev.lorapar.train.export.SafetensorsWriter.Entry;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * The safetensors writer against lorapar's independent reader: random tensors of every float dtype and odd shapes
 * (empty ones included) come back exactly, the header is 8-byte aligned with contiguous offsets, and a body that
 * writes the wrong number of bytes fails naming the tensor and leaves no file (nor damages an existing one).
 */
class SafetensorsWriterTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void randomTensorsComeBackExactly(TestInfo info, @TempDir Path dir) throws IOException {
        Rng rng = Rng.forTest(info);
        List<Entry> entries = new ArrayList<>();
        List<float[]> values = new ArrayList<>();
        int count = rng.between(1, 9);
        for (int i = 0; i < count; i++) {
            long[] shape = rng.nextInt(5) == 0 ? new long[] {rng.between(0, 3), 0}
                    : rng.nextBoolean() ? new long[] {rng.between(1, 300)} : new long[] {rng.between(1, 40), rng.between(1, 40)};
            int n = (int) java.util.Arrays.stream(shape).reduce(1, (a, b) -> a * b);
            float[] v = rng.gaussian(n, 3);
            values.add(v);
            ExportDType dt = rng.nextBoolean() ? ExportDType.F32 : ExportDType.BF16;
            entries.add(new Entry("t." + i + ".w", dt.safetensorsName(), shape, sink -> {
                for (int from = 0; from < v.length; ) { // in uneven pieces
                    int k = Math.min(v.length - from, 1 + rng.nextInt(50));
                    sink.putFloats(dt, v, from, k);
                    from += k;
                }
            }));
        }
        Path file = dir.resolve("x.safetensors");
        long data = SafetensorsWriter.write(file, Map.of("format", "pt"), entries);
        byte[] bytes = Files.readAllBytes(file);
        long headerLength = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, headerLength % 8);
        assertEquals(bytes.length, 8 + headerLength + data);
        JsonNode header = JSON.readTree(new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8));
        assertEquals("pt", header.get("__metadata__").get("format").asText());
        long offset = 0;
        try (Arena arena = Arena.ofConfined()) {
            Map<String, WeightTensor> read = SafetensorsFile.read(file, arena);
            assertEquals(count, read.size());
            for (int i = 0; i < count; i++) {
                Entry e = entries.get(i);
                WeightTensor t = read.get(e.name());
                assertArrayEquals(e.shape(), t.shape(), e.name());
                assertEquals(e.dtype().equals("F32") ? WeightType.F32 : WeightType.BF16, t.type());
                float[] got = t.toFloats(), want = values.get(i);
                for (int j = 0; j < want.length; j++) {
                    assertEquals(e.dtype().equals("F32") ? want[j] : Bf16.round(want[j]), got[j], e.name() + "[" + j + "] " + rng.tag());
                }
                JsonNode offsets = header.get(e.name()).get("data_offsets");
                assertEquals(offset, offsets.get(0).asLong(), "contiguous offsets");
                offset = offsets.get(1).asLong();
            }
        }
        assertEquals(data, offset);
    }

    @Test
    void wrongByteCountFailsNamingTheTensorAndLeavesNothing(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("x.safetensors");
        Files.writeString(file, "earlier contents");
        List<Entry> entries = List.of(
                new Entry("ok", "F32", new long[] {2}, s -> s.putFloats(ExportDType.F32, new float[] {1, 2}, 0, 2)),
                new Entry("short", "BF16", new long[] {3, 2}, s -> s.putFloats(ExportDType.BF16, new float[5], 0, 5)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SafetensorsWriter.write(file, Map.of(), entries));
        assertEquals("safetensors: tensor short wrote 10 bytes, its shape [3, 2] of BF16 needs 12", e.getMessage());
        assertEquals("earlier contents", Files.readString(file), "the old file is untouched");
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "no temporary file left");
        }
    }

    @Test
    void badEntriesAreRefused(@TempDir Path dir) {
        SafetensorsWriter.Body none = s -> { };
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new Entry("x", "I64", new long[] {1}, none))
                .getMessage().contains("dtype I64"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new Entry("__metadata__", "F32", new long[] {0}, none))
                .getMessage().contains("not a usable tensor name"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new Entry("x", "F32", new long[] {-1}, none))
                .getMessage().contains("negative dimension"));
        List<Entry> twice = List.of(new Entry("x", "F32", new long[] {0}, none), new Entry("x", "U8", new long[] {0}, none));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> SafetensorsWriter.write(dir.resolve("y.safetensors"), Map.of(), twice)).getMessage().contains("listed twice"));
        assertFalse(Files.exists(dir.resolve("y.safetensors")));
    }
}
