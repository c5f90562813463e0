package dev.lorapar.tests.io;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.lorapar.model.io.Checkpoint;
import dev.lorapar.model.io.CheckpointException;
import dev.lorapar.model.io.Checkpoints;
import dev.lorapar.model.io.WeightTensor;
import dev.lorapar.model.io.WeightType;
import dev.lorapar.tests.support.Rng;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * 2,000 seeded random mutations of a valid small file per format — flipped header bytes, truncations,
 * size / offset / count fields overwritten with huge or negative values, duplicated names, bad JSON
 * numbers — must each either load a valid checkpoint (every tensor then reads) or throw
 * CheckpointException. Any other exception, an error (OOM, stack overflow) or a hang fails.
 */
class CheckpointFuzzTest {
    static final int ATTEMPTS = 2000;
    static final long[] SPECIAL_64 = {0, 1, -1, Long.MAX_VALUE, Long.MIN_VALUE, 1L << 32, 1L << 62, 0xffffffffL, 1L << 40};
    static final int[] SPECIAL_32 = {0, 1, -1, Integer.MAX_VALUE, Integer.MIN_VALUE, 1 << 16, 4, 1000};
    static final String[] JSON_NUMBERS = {"-1", "0", "18446744073709551615", "9223372036854775807", "99999999999999999999999",
            "1e308", "-0", "1.5", "4294967296", "2147483647", "3"};

    @TempDir
    Path tmp;

    /** A valid file and what the mutator may aim at. */
    record Target(String format, Path file, byte[] valid, int headerEnd, List<LeBuffer.Field> fields, List<int[]> names) {
    }

    @Test
    void llama2cMutations(TestInfo info) throws IOException {
        Rng rng = Rng.forTest(info);
        TinyModel m = TinyModel.random(rng, WeightType.F32, false, true);
        List<LeBuffer.Field> fields = new ArrayList<>();
        byte[] valid = Llama2cWriter.compose(m, fields);
        fuzz(rng, new Target("llama2c", tmp.resolve("m.bin"), valid, 28, fields, List.of()), null);
    }

    @Test
    void ggufMutations(TestInfo info) throws IOException {
        Rng rng = Rng.forTest(info);
        TinyModel m = TinyModel.random(rng, WeightType.F16, rng.nextBoolean(), false);
        GgufWriter w = new GgufWriter().llama(m)
                .kv("tokenizer.ggml.tokens", GgufWriter.ARRAY, new Object[] {GgufWriter.STRING, List.of("<unk>", "<s>", "</s>", "ab")})
                .kv("tokenizer.ggml.scores", GgufWriter.ARRAY, new Object[] {GgufWriter.FLOAT32, List.of(0.0, -1.0, -2.0, -3.0)})
                .kv("nested", GgufWriter.ARRAY, new Object[] {GgufWriter.ARRAY, List.of((Object) new Object[] {GgufWriter.UINT8, List.of(1L)})})
                .kv("tokenizer.ggml.add_bos_token", GgufWriter.BOOL, 1L);
        byte[] valid = w.build();
        List<int[]> names = new ArrayList<>(); // GGUF strings: {offset of the bytes, length}
        for (LeBuffer.Field f : w.fields) {
            if (f.label().startsWith("length of ")) names.add(new int[] {f.offset() + 8, f.label().length() - 12});
        }
        fuzz(rng, new Target("gguf", tmp.resolve("m.gguf"), valid, w.dataOffset, w.fields, names), null);
    }

    @Test
    void huggingFaceMutations(TestInfo info) throws IOException {
        Rng rng = Rng.forTest(info);
        TinyModel m = TinyModel.random(rng, WeightType.BF16, rng.nextBoolean(), false);
        Path dir = tmp.resolve("hf");
        SafetensorsWriter.writeSingle(dir, m, "");
        byte[] valid = Files.readAllBytes(dir.resolve("model.safetensors"));
        int headerEnd = 8 + (int) HfCheckpointTest.readU64(valid);
        String header = new String(valid, 8, headerEnd - 8, StandardCharsets.UTF_8);
        List<int[]> names = new ArrayList<>(); // JSON keys: {offset, length}
        for (String name : m.tensors.keySet()) names.add(new int[] {8 + header.indexOf("\"" + name + "\"") + 1, name.length()});
        List<LeBuffer.Field> fields = List.of(new LeBuffer.Field(0, 8, "header length"));
        fuzz(rng, new Target("hf", dir.resolve("model.safetensors"), valid, headerEnd, fields, names),
                Files.readString(dir.resolve("config.json")));
    }

    private void fuzz(Rng rng, Target target, String configJson) {
        Path loadPath = configJson == null ? target.file() : target.file().getParent();
        assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
            int loaded = 0, rejected = 0;
            Files.write(target.file(), target.valid());
            load(loadPath); // the unmutated file loads
            for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
                byte[] bytes = target.valid().clone();
                String config = configJson;
                StringBuilder what = new StringBuilder();
                int kind = rng.nextInt(configJson == null ? 5 : 7);
                switch (kind) {
                    case 0 -> bytes = flip(rng, bytes, Math.max(1, target.headerEnd()), what);
                    case 1 -> bytes = truncate(rng, bytes, what);
                    case 2 -> overwriteField(rng, bytes, target.fields(), what);
                    case 3 -> duplicateName(rng, bytes, target.names(), what);
                    case 4 -> bytes = flip(rng, bytes, bytes.length, what);
                    case 5 -> bytes = replaceJsonNumber(rng, bytes, target.headerEnd(), what);
                    default -> config = mutateConfig(rng, configJson, what);
                }
                Files.write(target.file(), bytes);
                if (configJson != null) Files.writeString(loadPath.resolve("config.json"), config);
                try {
                    load(loadPath);
                    loaded++;
                } catch (CheckpointException e) {
                    rejected++;
                    if (e.getMessage() == null || e.file() == null) fail("CheckpointException without file or message: " + e);
                } catch (Throwable t) {
                    StringWriter trace = new StringWriter();
                    t.printStackTrace(new PrintWriter(trace));
                    fail(target.format() + " attempt " + attempt + " (" + what + ") threw " + t + " " + rng.tag() + "\n" + trace);
                }
            }
            assertTrue(rejected > ATTEMPTS / 4, target.format() + ": only " + rejected + " of " + ATTEMPTS + " mutations rejected " + rng.tag());
            assertTrue(loaded > 0, target.format() + ": no mutation loaded (data flips should) " + rng.tag());
        });
    }

    /** Opens, reads every tensor, closes. */
    private static void load(Path path) {
        try (Checkpoint c = Checkpoints.open(path)) {
            for (WeightTensor t : c.tensors().values()) t.toFloats();
        }
    }

    private static byte[] flip(Rng rng, byte[] b, int region, StringBuilder what) {
        int n = rng.between(1, 4);
        for (int i = 0; i < n; i++) {
            int at = rng.nextInt(Math.min(region, b.length));
            b[at] ^= (byte) (1 + rng.nextInt(255));
            what.append("flip@").append(at).append(' ');
        }
        return b;
    }

    private static byte[] truncate(Rng rng, byte[] b, StringBuilder what) {
        int to = rng.nextInt(b.length);
        what.append("truncate to ").append(to);
        return java.util.Arrays.copyOf(b, to);
    }

    private static void overwriteField(Rng rng, byte[] b, List<LeBuffer.Field> fields, StringBuilder what) {
        LeBuffer.Field f = fields.get(rng.nextInt(fields.size()));
        long original = 0;
        for (int i = f.width() - 1; i >= 0; i--) original = (original << 8) | (b[f.offset() + i] & 0xff);
        long value = switch (rng.nextInt(4)) {
            case 0 -> f.width() == 8 ? SPECIAL_64[rng.nextInt(SPECIAL_64.length)] : SPECIAL_32[rng.nextInt(SPECIAL_32.length)];
            case 1 -> rng.nextLong();
            case 2 -> original + rng.between(-3, 3);
            default -> b.length + rng.between(-64, 64);
        };
        for (int i = 0; i < f.width(); i++) b[f.offset() + i] = (byte) (value >>> (8 * i));
        what.append(f.label()).append(" := ").append(f.width() == 8 ? value : (int) value);
    }

    private static void duplicateName(Rng rng, byte[] b, List<int[]> names, StringBuilder what) {
        if (names.isEmpty()) { // llama2c has no names: swap two header fields instead
            int i = rng.nextInt(7), j = rng.nextInt(7);
            for (int k = 0; k < 4; k++) {
                byte t = b[4 * i + k];
                b[4 * i + k] = b[4 * j + k];
                b[4 * j + k] = t;
            }
            what.append("swap header fields ").append(i).append(',').append(j);
            return;
        }
        for (int tries = 0; tries < 50; tries++) {
            int[] from = names.get(rng.nextInt(names.size())), to = names.get(rng.nextInt(names.size()));
            if (from == to || from[1] != to[1]) continue;
            System.arraycopy(b, from[0], b, to[0], from[1]);
            what.append("name@").append(from[0]).append(" copied over name@").append(to[0]);
            return;
        }
        what.append("no equal-length names");
    }

    /** Replaces a digit run of the JSON header; half the time the header length is fixed up to frame it. */
    private static byte[] replaceJsonNumber(Rng rng, byte[] b, int headerEnd, StringBuilder what) {
        String header = new String(b, 8, headerEnd - 8, StandardCharsets.ISO_8859_1);
        List<int[]> runs = new ArrayList<>();
        for (int i = 0; i < header.length(); i++) {
            if (!Character.isDigit(header.charAt(i))) continue;
            int j = i;
            while (j < header.length() && Character.isDigit(header.charAt(j))) j++;
            runs.add(new int[] {i, j});
            i = j;
        }
        int[] run = runs.get(rng.nextInt(runs.size()));
        String number = JSON_NUMBERS[rng.nextInt(JSON_NUMBERS.length)];
        String changed = header.substring(0, run[0]) + number + header.substring(run[1]);
        byte[] newHeader = changed.getBytes(StandardCharsets.ISO_8859_1);
        LeBuffer out = new LeBuffer();
        boolean fix = rng.nextBoolean();
        out.u64(fix ? newHeader.length : headerEnd - 8).bytes(newHeader);
        out.bytes(java.util.Arrays.copyOfRange(b, headerEnd, b.length));
        what.append("number ").append(header, run[0], run[1]).append(" → ").append(number).append(fix ? " (length fixed)" : "");
        return out.toArray();
    }

    private static String mutateConfig(Rng rng, String config, StringBuilder what) {
        if (rng.nextBoolean()) {
            byte[] b = config.getBytes(StandardCharsets.UTF_8);
            flip(rng, b, b.length, what);
            return new String(b, StandardCharsets.ISO_8859_1);
        }
        List<Integer> digits = new ArrayList<>();
        for (int i = 0; i < config.length(); i++) if (Character.isDigit(config.charAt(i))) digits.add(i);
        int at = digits.get(rng.nextInt(digits.size()));
        int end = at;
        while (end < config.length() && Character.isDigit(config.charAt(end))) end++;
        String number = JSON_NUMBERS[rng.nextInt(JSON_NUMBERS.length)];
        what.append("config number @").append(at).append(" → ").append(number);
        return config.substring(0, at) + number + config.substring(end);
    }
}
