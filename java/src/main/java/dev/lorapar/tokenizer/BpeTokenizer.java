package dev.lorapar.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * The one {@link Tokenizer} implementation: a {@link Vocabulary}, a {@link Normalizer} and a BPE
 * segmenter (SentencePiece's score order, or Hugging Face's merge ranks for {@code tokenizer.json}).
 * Immutable and thread-safe.
 */
public final class BpeTokenizer implements Tokenizer {
    /** SentencePiece's default text for an unknown token: " ⁇ " (U+2047 between spaces). */
    public static final String DEFAULT_UNK_SURFACE = " \u2047 ";

    private final Vocabulary vocabulary;
    private final Normalizer normalizer;
    private final Segmenter segmenter;
    private final byte[][] surfaces;  // [vocabSize] the bytes each id decodes to (empty for control tokens)

    private BpeTokenizer(Vocabulary vocabulary, Normalizer normalizer, Segmenter segmenter, String unkSurface) {
        this.vocabulary = vocabulary;
        this.normalizer = normalizer;
        this.segmenter = segmenter;
        this.surfaces = new byte[vocabulary.size()][];
        byte[] unknown = unkSurface.getBytes(StandardCharsets.UTF_8);
        for (int id = 0; id < vocabulary.size(); id++) {
            surfaces[id] = surfaceOf(id, unknown);
        }
    }

    private byte[] surfaceOf(int id, byte[] unknown) {
        TokenType type = vocabulary.type(id);
        if (type == TokenType.CONTROL || id == vocabulary.bosId() || id == vocabulary.eosId()) {
            return new byte[0];
        }
        if (type == TokenType.UNKNOWN) {
            return unknown;
        }
        if (type == TokenType.BYTE) {
            return new byte[] {(byte) Vocabulary.parseBytePiece(vocabulary.piece(id))};
        }
        String piece = vocabulary.piece(id);
        if (normalizer.escapeWhitespaces()) {
            piece = piece.replace(Vocabulary.SPACE_SYMBOL, ' ');
        }
        return piece.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * A SentencePiece BPE tokenizer: merges by piece score ({@code tokenizer.model}, llama2.c
     * {@code tokenizer.bin}, GGUF "llama").
     *
     * @param byteFallback characters outside the vocabulary become byte tokens (needs all 256 of them)
     * @param unkSurface   the text an unknown token decodes to ({@link #DEFAULT_UNK_SURFACE})
     * @throws IllegalArgumentException when {@code byteFallback} is set but a byte piece is missing
     */
    public static BpeTokenizer sentencePiece(Vocabulary vocabulary, Normalizer normalizer, boolean byteFallback,
            String unkSurface) {
        checkByteFallback(vocabulary, byteFallback);
        return new BpeTokenizer(vocabulary, normalizer, new ScoreBpeSegmenter(vocabulary, byteFallback),
                unkSurface);
    }

    /** A Hugging Face BPE tokenizer (merge ranks); see {@link RankBpeSegmenter}. */
    static BpeTokenizer rankedMerges(Vocabulary vocabulary, Normalizer normalizer, RankBpeSegmenter segmenter) {
        return new BpeTokenizer(vocabulary, normalizer, segmenter, DEFAULT_UNK_SURFACE);
    }

    private static void checkByteFallback(Vocabulary vocabulary, boolean byteFallback) {
        if (byteFallback && !vocabulary.hasAllBytePieces()) {
            throw new IllegalArgumentException("byte fallback needs the 256 pieces <0x00>..<0xFF> of type BYTE");
        }
    }

    /** The vocabulary. */
    public Vocabulary vocabulary() {
        return vocabulary;
    }

    /** The normalisation settings. */
    public Normalizer normalizer() {
        return normalizer;
    }

    @Override
    public int[] encode(String text, boolean addBos, boolean addEos) {
        Objects.requireNonNull(text, "text");
        int[] body = segmenter.segment(normalizer.normalize(text));
        if (!addBos && !addEos) {
            return body;
        }
        int[] ids = new int[body.length + (addBos ? 1 : 0) + (addEos ? 1 : 0)];
        int at = 0;
        if (addBos) {
            ids[at++] = vocabulary.bosId();
        }
        System.arraycopy(body, 0, ids, at, body.length);
        if (addEos) {
            ids[ids.length - 1] = vocabulary.eosId();
        }
        return ids;
    }

    @Override
    public String decode(int[] ids) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(ids.length * 4);
        for (int id : ids) {
            bytes.writeBytes(surface(id));
        }
        String text = StreamingDecoder.decodeReplacing(bytes.toByteArray());
        return stripsLeadingSpace() && text.startsWith(" ") ? text.substring(1) : text;
    }

    private static String decodeOrThrow(byte[] bytes) throws CharacterCodingException {
        return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
    }

    @Override
    public String decodePiece(int previous, int id) {
        String text;
        try {
            text = decodeOrThrow(surface(id));
        } catch (CharacterCodingException partialCharacter) {
            return "";  // a lone byte of a multi-byte character: see newStreamingDecoder()
        }
        boolean atStart = previous < 0 || previous == vocabulary.bosId();
        return atStart && stripsLeadingSpace() && text.startsWith(" ") ? text.substring(1) : text;
    }

    @Override
    public StreamingDecoder newStreamingDecoder() {
        return new StreamingDecoder(this::surface, stripsLeadingSpace());
    }

    private boolean stripsLeadingSpace() {
        return normalizer.addDummyPrefix();
    }

    /** The bytes token {@code id} decodes to (shared array: do not modify). */
    private byte[] surface(int id) {
        return surfaces[vocabulary.checkedId(id)];
    }

    @Override
    public int vocabSize() {
        return vocabulary.size();
    }

    @Override
    public int bosId() {
        return vocabulary.bosId();
    }

    @Override
    public int eosId() {
        return vocabulary.eosId();
    }

    @Override
    public String piece(int id) {
        return vocabulary.piece(id);
    }

    @Override
    public OptionalInt id(String piece) {
        return vocabulary.id(piece);
    }

    @Override
    public TokenType type(int id) {
        return vocabulary.type(id);
    }
}
