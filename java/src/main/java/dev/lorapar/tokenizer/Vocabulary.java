package dev.lorapar.tokenizer;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * A SentencePiece-style vocabulary: for every id its piece (whitespace written as U+2581 "▁"), its score
 * (larger merges first) and its {@link TokenType type}; the unknown, BOS and EOS ids; the byte-fallback
 * ids {@code <0x00>..<0xFF>}. Immutable; every loader validates its file into one of these.
 */
public final class Vocabulary {
    /** SentencePiece's whitespace meta symbol U+2581 (LOWER ONE EIGHTH BLOCK). */
    public static final char SPACE_SYMBOL = '\u2581';

    private final String[] pieces;      // [vocabSize]
    private final float[] scores;       // [vocabSize]
    private final TokenType[] types;    // [vocabSize]
    private final Map<String, Integer> idByPiece;
    private final int[] byteIds;        // [256], -1 where the vocabulary has no such byte piece
    private final int unkId;
    private final int bosId;
    private final int eosId;
    private final int maxPieceChars;    // longest piece, in UTF-16 chars

    /**
     * Validates and copies the arrays. {@code source} names the file they came from in error messages.
     *
     * @throws TokenizerFormatException when the arrays disagree in length, a piece is null or appears
     *     twice, a score is NaN, a special id is out of range, or a BYTE piece is not {@code <0xNN>}
     */
    public Vocabulary(Path source, String[] pieces, float[] scores, TokenType[] types, int unkId, int bosId,
            int eosId) {
        Objects.requireNonNull(source, "source");
        if (pieces == null || scores == null || types == null) {
            throw new TokenizerFormatException(source, "vocabulary arrays are missing");
        }
        int size = pieces.length;
        if (size == 0 || scores.length != size || types.length != size) {
            throw new TokenizerFormatException(source, "vocabulary has " + size + " pieces, " + scores.length
                    + " scores and " + types.length + " types (need the same non-zero count)");
        }
        this.pieces = pieces.clone();
        this.scores = scores.clone();
        this.types = types.clone();
        this.idByPiece = HashMap.newHashMap(size);
        this.byteIds = new int[256];
        Arrays.fill(byteIds, -1);
        int longest = 0;
        for (int id = 0; id < size; id++) {
            String piece = this.pieces[id];
            if (piece == null || this.types[id] == null) {
                throw new TokenizerFormatException(source, "token " + id + " has no piece or no type");
            }
            if (Float.isNaN(this.scores[id])) {
                throw new TokenizerFormatException(source, "token " + id + " ('" + piece + "') has a NaN score");
            }
            Integer previous = idByPiece.putIfAbsent(piece, id);
            if (previous != null) {
                throw new TokenizerFormatException(source,
                        "piece '" + piece + "' appears twice, as tokens " + previous + " and " + id);
            }
            if (this.types[id] == TokenType.BYTE) {
                int value = parseBytePiece(piece);
                if (value < 0) {
                    throw new TokenizerFormatException(source,
                            "token " + id + " has type BYTE but its piece '" + piece + "' is not <0xNN>");
                }
                byteIds[value] = id;
            }
            longest = Math.max(longest, piece.length());
        }
        this.maxPieceChars = longest;
        this.unkId = checkId(source, "unknown", unkId, size);
        this.bosId = checkId(source, "BOS", bosId, size);
        this.eosId = checkId(source, "EOS", eosId, size);
    }

    private static int checkId(Path source, String what, int id, int size) {
        if (id < 0 || id >= size) {
            throw new TokenizerFormatException(source,
                    "the " + what + " token id " + id + " is outside the vocabulary [0, " + size + ")");
        }
        return id;
    }

    /** The byte value of a piece {@code <0xNN>} (two upper-case hex digits, as SentencePiece writes them), or -1. */
    static int parseBytePiece(String piece) {
        if (piece.length() != 6 || !piece.startsWith("<0x") || piece.charAt(5) != '>') {
            return -1;
        }
        int high = upperHexDigit(piece.charAt(3));
        int low = upperHexDigit(piece.charAt(4));
        return high < 0 || low < 0 ? -1 : high * 16 + low;
    }

    private static int upperHexDigit(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        return c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    }

    /** The number of tokens. */
    public int size() {
        return pieces.length;
    }

    /** The piece of token {@code id}. */
    public String piece(int id) {
        return pieces[checkedId(id)];
    }

    /** The score of token {@code id} (SentencePiece: larger merges first). */
    public float score(int id) {
        return scores[checkedId(id)];
    }

    /** The type of token {@code id}. */
    public TokenType type(int id) {
        return types[checkedId(id)];
    }

    /** The id of {@code piece}, if the vocabulary has it. */
    public OptionalInt id(String piece) {
        Integer id = idByPiece.get(piece);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    /** The id of {@code piece}, or -1. */
    int idOrMinusOne(String piece) {
        Integer id = idByPiece.get(piece);
        return id == null ? -1 : id;
    }

    /** The id of the byte-fallback piece of {@code value} (0..255), or -1 when there is none. */
    public int byteId(int value) {
        return byteIds[value & 0xFF];
    }

    /** Whether all 256 byte-fallback pieces exist. */
    public boolean hasAllBytePieces() {
        for (int id : byteIds) {
            if (id < 0) {
                return false;
            }
        }
        return true;
    }

    /** The unknown token id. */
    public int unkId() {
        return unkId;
    }

    /** The beginning-of-sequence token id. */
    public int bosId() {
        return bosId;
    }

    /** The end-of-sequence token id. */
    public int eosId() {
        return eosId;
    }

    /** The length of the longest piece in UTF-16 chars. */
    int maxPieceChars() {
        return maxPieceChars;
    }

    /** @throws IllegalArgumentException when {@code id} is not a token id of this vocabulary */
    int checkedId(int id) {
        if (id < 0 || id >= pieces.length) {
            throw new IllegalArgumentException("token id " + id + " is outside the vocabulary [0, "
                    + pieces.length + ")");
        }
        return id;
    }
}
