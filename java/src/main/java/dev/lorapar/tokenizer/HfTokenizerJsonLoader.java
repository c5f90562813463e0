package dev.lorapar.tokenizer;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Loads a Hugging Face {@code tokenizer.json} whose model is BPE with LLaMA's layout: {@code vocab}
 * (piece → id), {@code merges} (ranked pairs, as {@code "a b"} strings or {@code ["a", "b"]} arrays),
 * {@code byte_fallback}, {@code fuse_unk}, {@code unk_token}; {@code added_tokens} (special ones become
 * control tokens); the normaliser read by {@link HfTextPipeline}. BOS and EOS are the {@code bos_token} and
 * {@code eos_token} of a {@code tokenizer_config.json} in the same folder, else {@code <s>} and {@code </s>}.
 *
 * <p>Encoding merges by rank as HF {@code tokenizers} does; special added tokens are not matched in the
 * text (see {@link Tokenizer}). Known quirk of LLaMA's widely copied tokenizer.json: id 31353 is the empty
 * string instead of U+2028 (LINE SEPARATOR), so U+2028 encodes as its three byte tokens here, as in HF.
 */
public final class HfTokenizerJsonLoader {
    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
    private static final int MAX_EXACT_RANK = 1 << 24;  // ranks are compared as floats

    private HfTokenizerJsonLoader() {
    }

    /**
     * Loads {@code file}.
     *
     * @throws TokenizerFormatException when the JSON is malformed, the model is not BPE, an id or merge is
     *     inconsistent, or the text pipeline is not LLaMA's
     */
    public static BpeTokenizer load(Path file) {
        JsonNode root = parse(file);
        JsonNode model = root.path("model");
        String type = model.path("type").asText("(missing)");
        if (!type.equals("BPE")) {
            throw new TokenizerFormatException(file, "model type '" + type + "' is not supported (expected BPE)");
        }
        for (String field : new String[] {"continuing_subword_prefix", "end_of_word_suffix"}) {
            JsonNode value = model.path(field);
            if (!value.isMissingNode() && !value.isNull() && !value.asText().isEmpty()) {
                throw new TokenizerFormatException(file, "model." + field + " " + value + " is not supported");
            }
        }
        if (model.path("dropout").isNumber() && model.path("dropout").asDouble() > 0) {
            throw new TokenizerFormatException(file, "BPE dropout " + model.path("dropout") + " is not supported");
        }
        Normalizer normalizer = HfTextPipeline.read(file, root);
        boolean byteFallback = model.path("byte_fallback").asBoolean(false);
        HfVocabularyBuilder builder = new HfVocabularyBuilder(file, model.path("vocab"), root.path("added_tokens"),
                model.path("unk_token"));
        SpecialNames special = specialNames(file);
        Vocabulary vocabulary = builder.build(special.bos(), special.eos(), byteFallback);
        PairTable merges = readMerges(file, model.path("merges"), vocabulary);
        RankBpeSegmenter segmenter = new RankBpeSegmenter(vocabulary, merges, byteFallback,
                model.path("fuse_unk").asBoolean(false), model.path("ignore_merges").asBoolean(false));
        return BpeTokenizer.rankedMerges(vocabulary, normalizer, segmenter);
    }

    private static JsonNode parse(Path file) {
        try {
            JsonNode root = JSON.readTree(TokenizerFiles.readAll(file));
            if (root == null || !root.isObject()) {
                throw new TokenizerFormatException(file, "not a JSON object");
            }
            return root;
        } catch (JacksonException e) {
            throw new TokenizerFormatException(file, "malformed JSON: " + e.getOriginalMessage(), e);
        } catch (java.io.IOException e) {
            throw new TokenizerFormatException(file, "cannot read: " + e, e);
        }
    }

    private static PairTable readMerges(Path file, JsonNode merges, Vocabulary vocabulary) {
        if (!merges.isArray()) {
            throw new TokenizerFormatException(file, "model.merges is missing or not an array");
        }
        if (merges.size() >= MAX_EXACT_RANK) {
            throw new TokenizerFormatException(file,
                    merges.size() + " merges are more than supported (" + MAX_EXACT_RANK + ")");
        }
        PairTable table = new PairTable(merges.size());
        int rank = 0;
        for (JsonNode merge : merges) {
            String left;
            String right;
            if (merge.isTextual()) {
                String[] parts = merge.asText().split(" ", -1);
                if (parts.length != 2) {
                    throw new TokenizerFormatException(file,
                            "merge " + rank + " '" + merge.asText() + "' is not two pieces");
                }
                left = parts[0];
                right = parts[1];
            } else if (merge.isArray() && merge.size() == 2 && merge.get(0).isTextual() && merge.get(1).isTextual()) {
                left = merge.get(0).asText();
                right = merge.get(1).asText();
            } else {
                throw new TokenizerFormatException(file, "merge " + rank + " " + merge + " is not a pair of pieces");
            }
            int leftId = mergeId(file, vocabulary, rank, left);
            int rightId = mergeId(file, vocabulary, rank, right);
            int mergedId = mergeId(file, vocabulary, rank, left + right);
            table.put(leftId, rightId, PairTable.merge(rank, mergedId));  // a repeated pair: its last rank (as HF)
            rank++;
        }
        return table;
    }

    private static int mergeId(Path file, Vocabulary vocabulary, int rank, String piece) {
        int id = vocabulary.idOrMinusOne(piece);
        if (id < 0) {
            throw new TokenizerFormatException(file,
                    "merge " + rank + " refers to '" + piece + "', which is not in the vocab");
        }
        return id;
    }

    private record SpecialNames(String bos, String eos) {
    }

    /** bos_token / eos_token of the tokenizer_config.json beside {@code file}, else {@code <s>} / {@code </s>}. */
    private static SpecialNames specialNames(Path file) {
        Path config = file.resolveSibling("tokenizer_config.json");
        if (!Files.isRegularFile(config)) {
            return new SpecialNames("<s>", "</s>");
        }
        JsonNode root = parse(config);
        return new SpecialNames(tokenName(config, root, "bos_token", "<s>"),
                tokenName(config, root, "eos_token", "</s>"));
    }

    private static String tokenName(Path config, JsonNode root, String field, String fallback) {
        JsonNode node = root.path(field);
        if (node.isMissingNode() || node.isNull()) {
            return fallback;
        }
        JsonNode content = node.isObject() ? node.path("content") : node;
        if (!content.isTextual()) {
            throw new TokenizerFormatException(config,
                    field + " " + node + " is neither a string nor {\"content\": ...}");
        }
        return content.asText();
    }
}
