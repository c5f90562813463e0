package dev.lorapar.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Writes a {@link BpeTrainer.Learned} vocabulary as a Hugging Face {@code tokenizer.json} in LLaMA-2's layout, which
 * {@code dev.lorapar.tokenizer.HfTokenizerJsonLoader} reads: ids 0–2 {@code <unk>}, {@code <s>}, {@code </s>}
 * (special added tokens), ids 3–258 the byte pieces {@code <0x00>}..{@code <0xFF>}, then the characters, then one
 * piece per merge in merge order; normalizer Prepend("▁") + Replace(" " → "▁"), no pre-tokenizer, byte fallback.
 */
public final class TokenizerJsonWriter {
    /** The file name the loaders look for in a model folder. */
    public static final String FILE = "tokenizer.json";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String META = "\u2581";

    private TokenizerJsonWriter() {
    }

    /** The pieces in id order. */
    public static List<String> pieces(BpeTrainer.Learned learned) {
        Set<String> pieces = new LinkedHashSet<>(List.of("<unk>", "<s>", "</s>"));
        for (int b = 0; b < 256; b++) {
            pieces.add(String.format(Locale.ROOT, "<0x%02X>", b));
        }
        pieces.addAll(learned.characters());
        for (String[] m : learned.merges()) {
            pieces.add(m[0] + m[1]);
        }
        return new ArrayList<>(pieces);
    }

    /** Writes {@code dir/tokenizer.json} (atomically); returns its path. */
    public static Path write(BpeTrainer.Learned learned, Path dir) throws IOException {
        Path file = dir.resolve(FILE);
        TextFiles.writeAtomically(file, json(learned));
        return file;
    }

    /** The text of the tokenizer.json. */
    public static String json(BpeTrainer.Learned learned) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        String[] special = {"<unk>", "<s>", "</s>"};
        for (int id = 0; id < special.length; id++) {
            added.addObject().put("id", id).put("content", special[id]).put("single_word", false)
                    .put("lstrip", false).put("rstrip", false).put("normalized", false).put("special", true);
        }
        ObjectNode normalizer = root.putObject("normalizer").put("type", "Sequence");
        ArrayNode steps = normalizer.putArray("normalizers");
        steps.addObject().put("type", "Prepend").put("prepend", META);
        ObjectNode replace = steps.addObject().put("type", "Replace");
        replace.putObject("pattern").put("String", " ");
        replace.put("content", META);
        root.putNull("pre_tokenizer");
        root.putNull("post_processor");
        ObjectNode decoder = root.putObject("decoder").put("type", "Sequence");
        ArrayNode decoders = decoder.putArray("decoders");
        ObjectNode back = decoders.addObject().put("type", "Replace");
        back.putObject("pattern").put("String", META);
        back.put("content", " ");
        decoders.addObject().put("type", "ByteFallback");
        decoders.addObject().put("type", "Fuse");
        decoders.addObject().put("type", "Strip").put("content", " ").put("start", 1).put("stop", 0);
        ObjectNode model = root.putObject("model").put("type", "BPE");
        model.putNull("dropout");
        model.put("unk_token", "<unk>");
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", true).put("byte_fallback", true).put("ignore_merges", false);
        ObjectNode vocab = model.putObject("vocab");
        List<String> pieces = pieces(learned);
        for (int id = 0; id < pieces.size(); id++) {
            vocab.put(pieces.get(id), id);
        }
        ArrayNode merges = model.putArray("merges");
        for (String[] m : learned.merges()) {
            merges.addArray().add(m[0]).add(m[1]);
        }
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root);
    }
}
