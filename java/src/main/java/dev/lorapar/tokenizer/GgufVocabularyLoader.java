package dev.lorapar.tokenizer;

import dev.lorapar.model.io.CheckpointException;
import dev.lorapar.model.io.GgufFile;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Builds a tokenizer from the vocabulary in a GGUF file's metadata ({@code tokenizer.ggml.model} =
 * "llama", llama.cpp's SentencePiece BPE): {@code tokenizer.ggml.tokens} (pieces), {@code .scores},
 * {@code .token_type} (SentencePiece type codes), {@code .bos_token_id} (default 1),
 * {@code .eos_token_id} (2), {@code .unknown_token_id} (0), {@code .add_space_prefix} (true),
 * {@code .remove_extra_whitespaces} (false). Byte fallback is on when all 256 BYTE pieces are present.
 */
public final class GgufVocabularyLoader {
    private static final String PREFIX = "tokenizer.ggml.";

    private GgufVocabularyLoader() {
    }

    /**
     * Opens {@code file}, reads its vocabulary and closes it.
     *
     * @throws TokenizerFormatException when the file is not a valid GGUF or has no LLaMA vocabulary
     */
    public static BpeTokenizer load(Path file) {
        try (GgufFile gguf = GgufFile.open(file)) {
            return fromMetadata(file, gguf.metadata());
        } catch (CheckpointException e) {
            String prefix = file.getFileName() + ": ";
            String reason = e.getMessage().startsWith(prefix) ? e.getMessage().substring(prefix.length())
                    : e.getMessage();
            throw new TokenizerFormatException(file, "not a readable GGUF file: " + reason, e);
        }
    }

    /** The tokenizer described by {@code metadata} (of GGUF file {@code file}, named in errors). */
    public static BpeTokenizer fromMetadata(Path file, Map<String, Object> metadata) {
        Object model = metadata.get(PREFIX + "model");
        if (!"llama".equals(model)) {
            throw new TokenizerFormatException(file, PREFIX + "model is "
                    + (model == null ? "missing" : "'" + model + "'")
                    + "; only 'llama' (SentencePiece BPE) is supported");
        }
        List<?> tokens = list(file, metadata, "tokens", true);
        List<?> scores = list(file, metadata, "scores", false);
        List<?> typeCodes = list(file, metadata, "token_type", true);
        int size = tokens.size();
        if ((scores != null && scores.size() != size) || typeCodes.size() != size) {
            throw new TokenizerFormatException(file, size + " tokens but " + (scores == null ? "no" : scores.size())
                    + " scores and " + typeCodes.size() + " token types");
        }
        String[] pieces = new String[size];
        float[] scoreArray = new float[size];
        TokenType[] types = new TokenType[size];
        for (int id = 0; id < size; id++) {
            if (!(tokens.get(id) instanceof String piece)) {
                throw new TokenizerFormatException(file, PREFIX + "tokens[" + id + "] is not a string");
            }
            pieces[id] = piece;
            if (scores != null) {
                if (!(scores.get(id) instanceof Number score)) {
                    throw new TokenizerFormatException(file, PREFIX + "scores[" + id + "] is not a number");
                }
                scoreArray[id] = score.floatValue();
            }
            TokenType type = typeCodes.get(id) instanceof Long code ? TokenType.ofCode(code) : null;
            if (type == null) {
                throw new TokenizerFormatException(file, PREFIX + "token_type[" + id + "] = " + typeCodes.get(id)
                        + " is not a token type (1..6)");
            }
            types[id] = type;
        }
        Vocabulary vocabulary = new Vocabulary(file, pieces, scoreArray, types,
                id(file, metadata, "unknown_token_id", 0), id(file, metadata, "bos_token_id", 1),
                id(file, metadata, "eos_token_id", 2));
        Normalizer normalizer = new Normalizer(flag(file, metadata, "add_space_prefix", true),
                flag(file, metadata, "remove_extra_whitespaces", false), true);
        return BpeTokenizer.sentencePiece(vocabulary, normalizer, vocabulary.hasAllBytePieces(),
                BpeTokenizer.DEFAULT_UNK_SURFACE);
    }

    private static List<?> list(Path file, Map<String, Object> metadata, String key, boolean required) {
        Object value = metadata.get(PREFIX + key);
        if (value == null && !required) {
            return null;
        }
        if (!(value instanceof List<?> list)) {
            throw new TokenizerFormatException(file,
                    PREFIX + key + " is " + (value == null ? "missing" : "not an array"));
        }
        return list;
    }

    private static int id(Path file, Map<String, Object> metadata, String key, int fallback) {
        Object value = metadata.get(PREFIX + key);
        if (value == null) {
            return fallback;
        }
        if (!(value instanceof Long id) || id < 0 || id > Integer.MAX_VALUE) {
            throw new TokenizerFormatException(file, PREFIX + key + " = " + value + " is not a token id");
        }
        return (int) (long) id;
    }

    private static boolean flag(Path file, Map<String, Object> metadata, String key, boolean fallback) {
        Object value = metadata.get(PREFIX + key);
        if (value == null) {
            return fallback;
        }
        if (!(value instanceof Boolean flag)) {
            throw new TokenizerFormatException(file, PREFIX + key + " = " + value + " is not a boolean");
        }
        return flag;
    }
}
