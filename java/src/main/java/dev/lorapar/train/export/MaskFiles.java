package dev.lorapar.train.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lorapar.core.MaskMode;
import dev.lorapar.core.Stream;
import dev.lorapar.core.Tensor;
import dev.lorapar.model.LlamaConfig;
import dev.lorapar.model.LoraAdapter;
import dev.lorapar.model.LoraPair;
import dev.lorapar.model.io.CheckpointException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The LoRA-PAR masks of an adapter beside its PEFT files: {@link PeftNames#MASKS} holds one U8 tensor per masked
 * matrix ({@code ….lora_A.mask} / {@code ….lora_B.mask}, bit-packed by {@link MaskPacking}, rows in the same layout as
 * the exported matrices), and {@link PeftNames#MASKS_DESCRIPTION} says how lorapar applied them (mask mode), how they
 * are packed, and each matrix's shape and active count (checked on reading). PEFT ignores both files.
 */
public final class MaskFiles {
    /** The {@code format} of the description. */
    public static final String FORMAT = "lorapar-lora-masks/1";
    static final String PACKING = "bits, little bit order: numpy.unpackbits(x, axis=1, bitorder=\"little\")[:, :cols]";
    private static final long MAX_HEADER_BYTES = 100_000_000L;

    private MaskFiles() {
    }

    /**
     * Writes the masks of {@code adapter} into {@code dir}, or — when no pair has a mask — deletes mask files an
     * earlier export left there. Returns true when masks were written.
     *
     * @param maskedValues true when the exported A and B already hold zeros at inactive elements (FORWARD mode)
     */
    static boolean write(LoraAdapter adapter, Stream stream, Path dir, boolean maskedValues) throws IOException {
        LlamaConfig c = adapter.weights().config();
        List<SafetensorsWriter.Entry> entries = new ArrayList<>();
        ObjectNode matrices = JsonText.MAPPER.createObjectNode();
        long active = 0, elements = 0;
        for (LoraPair p : adapter.pairs()) {
            for (boolean isA : new boolean[] {true, false}) {
                Tensor mask = isA ? p.maskA() : p.maskB();
                if (mask == null) continue;
                Tensor param = isA ? p.a() : p.b();
                int rows = (int) param.dim(0), cols = (int) param.dim(1);
                byte[] values = mask.toByteArray(stream); // [rows×cols]
                if (!isA && RopeRows.moves(c, p.target())) values = RopeRows.toHf(values, cols, c.headDim());
                byte[] packed = MaskPacking.pack(values, rows, cols);
                String name = isA ? PeftNames.maskA(p.layer(), p.target()) : PeftNames.maskB(p.layer(), p.target());
                entries.add(new SafetensorsWriter.Entry(name, "U8", new long[] {rows, MaskPacking.packedCols(cols)},
                        sink -> sink.putBytes(packed, 0, packed.length)));
                long n = MaskPacking.active(values);
                ObjectNode m = matrices.putObject(name);
                m.putArray("shape").add(rows).add(cols);
                m.put("active", n);
                active += n;
                elements += (long) rows * cols;
            }
        }
        Path file = dir.resolve(PeftNames.MASKS), description = dir.resolve(PeftNames.MASKS_DESCRIPTION);
        if (entries.isEmpty()) {
            Files.deleteIfExists(file);
            Files.deleteIfExists(description);
            return false;
        }
        ObjectNode json = JsonText.MAPPER.createObjectNode();
        json.put("format", FORMAT);
        json.put("masks_file", PeftNames.MASKS);
        json.put("mask_mode", adapter.maskMode().name());
        json.put("mask_mode_meaning", adapter.maskMode() == MaskMode.GRADIENT
                ? "masks gate only the gradients of A and B (LoRA-PAR): the forward uses every element"
                : "inactive elements are absent everywhere: the forward uses A⊙maskA and B⊙maskB");
        json.put("adapter_values", maskedValues ? "masked: inactive elements of lora_A / lora_B are written as 0"
                : "raw: lora_A / lora_B hold every element as trained");
        json.put("packing", PACKING);
        json.put("rows", "as in " + PeftNames.WEIGHTS + " (q_proj / k_proj lora_B rows in Hugging Face's rotate-half layout)");
        json.put("active", active);
        json.put("elements", elements);
        json.set("matrices", matrices);
        SafetensorsWriter.write(file, Map.of("format", FORMAT), entries);
        AtomicFiles.writeString(description, JsonText.pretty(json));
        return true;
    }

    /**
     * Reads the masks in {@code dir} (when {@link PeftNames#MASKS_DESCRIPTION} is there) onto {@code adapter}: sets
     * its mask mode and every listed pair's masks, and returns the mask tensors made (the caller owns them); an empty
     * list when the folder has no masks.
     *
     * @throws CheckpointException naming the file and tensor when the masks are malformed or do not fit the adapter
     */
    public static List<Tensor> read(Path dir, LoraAdapter adapter, Stream stream) {
        Path description = dir.resolve(PeftNames.MASKS_DESCRIPTION), file = dir.resolve(PeftNames.MASKS);
        if (!Files.exists(description)) {
            if (Files.exists(file)) {
                throw new CheckpointException(file, "is there without " + PeftNames.MASKS_DESCRIPTION);
            }
            return List.of();
        }
        JsonNode json = JsonText.readObject(description, PeftNames.MASKS_DESCRIPTION);
        if (!FORMAT.equals(json.path("format").asText(null))) {
            throw new CheckpointException(description, "format " + json.get("format") + " is not \"" + FORMAT + "\"");
        }
        MaskMode mode;
        try {
            mode = MaskMode.valueOf(json.path("mask_mode").asText(""));
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(description, "mask_mode " + json.get("mask_mode") + " is not GRADIENT or FORWARD");
        }
        JsonNode matrices = json.get("matrices");
        if (matrices == null || !matrices.isObject()) throw new CheckpointException(description, "has no matrices object");
        Map<String, byte[]> packed = readU8(file);
        for (String name : packed.keySet()) {
            if (!matrices.has(name)) {
                throw new CheckpointException(file, name, "is not listed in " + PeftNames.MASKS_DESCRIPTION);
            }
        }
        LlamaConfig c = adapter.weights().config();
        List<Tensor> made = new ArrayList<>();
        try {
            for (LoraPair p : adapter.pairs()) {
                Tensor maskA = load(file, description, matrices, packed, PeftNames.maskA(p.layer(), p.target()), p.a(),
                        null, stream, made);
                int[] rope = RopeRows.moves(c, p.target()) ? new int[] {c.headDim()} : null;
                Tensor maskB = load(file, description, matrices, packed, PeftNames.maskB(p.layer(), p.target()), p.b(),
                        rope, stream, made);
                if (maskA != null || maskB != null) adapter.setMasks(p.layer(), p.target(), maskA, maskB);
            }
            for (var e : matrices.properties()) {
                if (!packed.containsKey(e.getKey())) {
                    throw new CheckpointException(description, e.getKey(), "is listed but not in " + PeftNames.MASKS);
                }
                if (!consumed(adapter, e.getKey())) {
                    throw new CheckpointException(description, e.getKey(), "is not a matrix of this adapter");
                }
            }
            adapter.setMaskMode(mode);
            return made;
        } catch (RuntimeException e) {
            made.forEach(Tensor::close);
            throw e;
        }
    }

    private static boolean consumed(LoraAdapter adapter, String name) {
        for (LoraPair p : adapter.pairs()) {
            if (name.equals(PeftNames.maskA(p.layer(), p.target())) || name.equals(PeftNames.maskB(p.layer(), p.target()))) {
                return true;
            }
        }
        return false;
    }

    /** The mask of {@code param} stored under {@code name}, uploaded, or null when the file has none. */
    private static Tensor load(Path file, Path description, JsonNode matrices, Map<String, byte[]> packed, String name,
                               Tensor param, int[] ropeHeadDim, Stream stream, List<Tensor> made) {
        JsonNode entry = matrices.get(name);
        if (entry == null) return null;
        int rows = (int) param.dim(0), cols = (int) param.dim(1);
        JsonNode shape = entry.get("shape");
        if (shape == null || !shape.isArray() || shape.size() != 2 || shape.get(0).asLong(-1) != rows
                || shape.get(1).asLong(-1) != cols) {
            throw new CheckpointException(description, name, "shape " + shape + " does not match the adapter's ["
                    + rows + ", " + cols + "]");
        }
        byte[] bits = packed.get(name);
        if (bits == null) return null; // reported as listed-but-missing by the caller
        if (bits.length != (long) rows * MaskPacking.packedCols(cols)) {
            throw new CheckpointException(file, name, bits.length + " bytes, expected [" + rows + ", "
                    + MaskPacking.packedCols(cols) + "] for a [" + rows + ", " + cols + "] mask");
        }
        byte[] values;
        try {
            values = MaskPacking.unpack(bits, rows, cols);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(file, name, e.getMessage());
        }
        long active = MaskPacking.active(values);
        if (entry.path("active").asLong(-1) != active) {
            throw new CheckpointException(file, name, "has " + active + " active elements, "
                    + PeftNames.MASKS_DESCRIPTION + " says " + entry.get("active") + " (corrupted?)");
        }
        if (ropeHeadDim != null) values = RopeRows.fromHf(values, cols, ropeHeadDim[0]);
        Tensor t = Tensor.ofBytes(stream, values, rows, cols);
        made.add(t);
        return t;
    }

    /** Every tensor of a safetensors file of U8 tensors [rows × cols], by name. */
    static Map<String, byte[]> readU8(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) throw new CheckpointException(file, "is " + size + " bytes: too short for a safetensors header");
            long headerLength = readFully(ch, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            if (headerLength < 0 || headerLength > size - 8 || headerLength > MAX_HEADER_BYTES) {
                throw new CheckpointException(file, "header length " + Long.toUnsignedString(headerLength)
                        + " does not fit the file (" + size + " bytes)");
            }
            ByteBuffer headerBytes = readFully(ch, 8, (int) headerLength);
            JsonNode header;
            try {
                header = JsonText.MAPPER.readTree(new String(headerBytes.array(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new CheckpointException(file, null, "header is not valid JSON: " + e.getMessage(), e);
            }
            if (header == null || !header.isObject()) throw new CheckpointException(file, "header is not a JSON object");
            long dataStart = 8 + headerLength, dataSize = size - dataStart;
            Map<String, byte[]> out = new LinkedHashMap<>();
            List<long[]> extents = new ArrayList<>();
            for (var e : header.properties()) {
                if (e.getKey().equals("__metadata__")) continue;
                String name = e.getKey();
                JsonNode node = e.getValue();
                if (!"U8".equals(node.path("dtype").asText(null))) {
                    throw new CheckpointException(file, name, "dtype " + node.get("dtype") + " is not U8");
                }
                JsonNode shape = node.get("shape"), offsets = node.get("data_offsets");
                if (shape == null || !shape.isArray() || shape.size() != 2 || !shape.get(0).canConvertToInt()
                        || !shape.get(1).canConvertToInt() || shape.get(0).asInt() < 0 || shape.get(1).asInt() < 0) {
                    throw new CheckpointException(file, name, "shape " + shape + " is not [rows, cols]");
                }
                long bytes = (long) shape.get(0).asInt() * shape.get(1).asInt();
                if (offsets == null || !offsets.isArray() || offsets.size() != 2 || !offsets.get(0).canConvertToLong()
                        || !offsets.get(1).canConvertToLong()) {
                    throw new CheckpointException(file, name, "data_offsets " + offsets + " are not two integers");
                }
                long begin = offsets.get(0).asLong(), end = offsets.get(1).asLong();
                if (begin < 0 || end < begin || end > dataSize || end - begin != bytes || bytes > Integer.MAX_VALUE) {
                    throw new CheckpointException(file, name, "data_offsets " + offsets + " do not hold shape " + shape
                            + " within the " + dataSize + " data bytes");
                }
                extents.add(new long[] {begin, end});
                out.put(name, readFully(ch, dataStart + begin, (int) bytes).array());
            }
            extents.sort(Comparator.comparingLong(x -> x[0]));
            for (int i = 1; i < extents.size(); i++) {
                if (extents.get(i)[0] < extents.get(i - 1)[1]) throw new CheckpointException(file, "tensors overlap");
            }
            return out;
        } catch (IOException e) {
            throw new CheckpointException(file, null, "cannot be read: " + e, e);
        }
    }

    private static ByteBuffer readFully(FileChannel ch, long position, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length);
        while (b.hasRemaining()) {
            if (ch.read(b, position + b.position()) < 0) throw new IOException("unexpected end of file");
        }
        b.flip();
        return b;
    }
}
