package dev.lorapar.tests.train.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The regions of a {@code .lpck} file, worked out by the tests from the documented format alone (not from the
 * product's code), each with the words the reader's message must hold when a byte of it is damaged.
 */
record FileLayout(List<Region> regions) {
    /** Bytes [from, to) of one field, and the message fragments a flipped byte there must produce. */
    record Region(String name, long from, long to, List<String> expected) {
        long length() {
            return to - from;
        }
    }

    private static final Map<String, Integer> ELEMENT_BYTES = Map.of("F32", 4, "U8", 1, "I32", 4, "I64", 8);

    static FileLayout of(byte[] file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        byte[] magic = Arrays.copyOf(file, 8);
        if (!Arrays.equals(magic, new byte[] {'L', 'P', 'C', 'K', '\r', '\n', 0x1a, '\n'})) {
            throw new IllegalArgumentException("not the documented magic: " + Arrays.toString(magic));
        }
        if (b.getInt(8) != 1) throw new IllegalArgumentException("version " + b.getInt(8));
        int h = b.getInt(12);
        JsonNode header = new ObjectMapper().readTree(Arrays.copyOfRange(file, 16, 16 + h));
        List<Region> r = new ArrayList<>();
        r.add(new Region("magic", 0, 8, List.of("bad magic")));
        r.add(new Region("version", 8, 12, List.of("unsupported format version")));
        r.add(new Region("header length", 12, 16, List.of("header")));
        r.add(new Region("header json", 16, 16 + h, List.of("header checksum mismatch")));
        r.add(new Region("header crc", 16 + h, 20 + h, List.of("header checksum mismatch")));
        long at = 20 + h;
        for (JsonNode a : header.get("arrays")) {
            long n = 1;
            for (JsonNode d : a.get("shape")) n *= d.asLong();
            long bytes = n * ELEMENT_BYTES.get(a.get("dtype").asText());
            String name = a.get("name").asText();
            List<String> msg = List.of("array '" + name + "'", "checksum mismatch");
            if (bytes > 0) r.add(new Region("data of " + name, at, at + bytes, msg));
            r.add(new Region("crc of " + name, at + bytes, at + bytes + 4, msg));
            at += bytes + 4;
        }
        r.add(new Region("footer magic", at, at + 8, List.of("footer magic")));
        r.add(new Region("footer length", at + 8, at + 16, List.of("footer file length")));
        r.add(new Region("file crc", at + 16, at + 20, List.of("file checksum mismatch")));
        if (at + 20 != file.length) {
            throw new IllegalArgumentException("documented layout ends at " + (at + 20) + ", file has " + file.length);
        }
        if (b.getLong((int) at + 8) != file.length) throw new IllegalArgumentException("footer length field");
        return new FileLayout(List.copyOf(r));
    }
}
