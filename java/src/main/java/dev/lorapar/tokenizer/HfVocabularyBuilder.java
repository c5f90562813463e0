package dev.lorapar.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Builds the {@link Vocabulary} of a Hugging Face BPE {@code tokenizer.json} from {@code model.vocab}
 * and {@code added_tokens}: ids must run from 0 without gaps; special added tokens become CONTROL (the
 * {@code unk_token} UNKNOWN); with byte fallback, pieces {@code <0xNN>} become BYTE; all others NORMAL.
 */
final class HfVocabularyBuilder {
    private final Path file;
    private final TreeMap<Integer, String> pieceById = new TreeMap<>();
    private final Set<Integer> specialIds = new HashSet<>();
    private final String unkToken;

    HfVocabularyBuilder(Path file, JsonNode vocab, JsonNode addedTokens, JsonNode unkToken) {
        this.file = file;
        if (!vocab.isObject() || vocab.isEmpty()) {
            throw new TokenizerFormatException(file, "model.vocab is missing, empty or not an object");
        }
        for (Map.Entry<String, JsonNode> entry : vocab.properties()) {
            put(entry.getKey(), entry.getValue(), "model.vocab");
        }
        if (!addedTokens.isMissingNode() && !addedTokens.isNull()) {
            if (!addedTokens.isArray()) {
                throw new TokenizerFormatException(file, "added_tokens is not an array");
            }
            for (JsonNode added : addedTokens) {
                addToken(added);
            }
        }
        this.unkToken = unkToken.isTextual() ? unkToken.asText() : null;
    }

    private int put(String piece, JsonNode idNode, String where) {
        if (!idNode.isIntegralNumber() || !idNode.canConvertToInt() || idNode.asInt() < 0) {
            throw new TokenizerFormatException(file, where + ": '" + piece + "' has id " + idNode
                    + ", not an int in [0, 2^31)");
        }
        int id = idNode.asInt();
        String previous = pieceById.putIfAbsent(id, piece);
        if (previous != null && !previous.equals(piece)) {
            throw new TokenizerFormatException(file, where + ": id " + id + " is given to both '" + previous
                    + "' and '" + piece + "'");
        }
        return id;
    }

    private void addToken(JsonNode added) {
        JsonNode content = added.path("content");
        if (!content.isTextual()) {
            throw new TokenizerFormatException(file, "added_tokens entry " + added + " has no content");
        }
        int id = put(content.asText(), added.path("id"), "added_tokens");
        boolean special = added.path("special").asBoolean(false);
        if (!special) {
            throw new TokenizerFormatException(file, "non-special added token '" + content.asText() + "' (id " + id
                    + ") is not supported: it would be matched in the text before BPE");
        }
        specialIds.add(id);
    }

    Vocabulary build(String bosPiece, String eosPiece, boolean byteFallback) {
        int size = pieceById.size();
        int last = pieceById.lastKey();
        if (last != size - 1) {
            int gap = 0;
            while (pieceById.containsKey(gap)) {
                gap++;
            }
            throw new TokenizerFormatException(file, "token ids have a gap: id " + gap + " is missing (largest id "
                    + last + ")");
        }
        String[] pieces = pieceById.values().toArray(String[]::new);  // in id order 0..size-1
        Map<String, Integer> idByPiece = new HashMap<>();
        for (int id = 0; id < size; id++) {
            idByPiece.putIfAbsent(pieces[id], id);  // duplicates are reported by Vocabulary
        }
        int unk = idOf(idByPiece, unkToken, "unk_token");
        int bos = idOf(idByPiece, bosPiece, "bos_token");
        int eos = idOf(idByPiece, eosPiece, "eos_token");
        TokenType[] types = new TokenType[size];
        for (int id = 0; id < size; id++) {
            if (id == unk) {
                types[id] = TokenType.UNKNOWN;
            } else if (specialIds.contains(id)) {
                types[id] = TokenType.CONTROL;
            } else if (byteFallback && Vocabulary.parseBytePiece(pieces[id]) >= 0) {
                types[id] = TokenType.BYTE;
            } else {
                types[id] = TokenType.NORMAL;
            }
        }
        Vocabulary vocabulary = new Vocabulary(file, pieces, new float[size], types, unk, bos, eos);
        if (byteFallback && !vocabulary.hasAllBytePieces()) {
            throw new TokenizerFormatException(file, "byte_fallback is set but the 256 pieces <0x00>..<0xFF> are not "
                    + "all in the vocab");
        }
        return vocabulary;
    }

    private int idOf(Map<String, Integer> idByPiece, String piece, String what) {
        if (piece == null) {
            throw new TokenizerFormatException(file, what + " is not set (LLaMA-style BPE needs it)");
        }
        Integer id = idByPiece.get(piece);
        if (id == null) {
            throw new TokenizerFormatException(file, what + " '" + piece + "' is not in the vocab");
        }
        return id;
    }
}
