package dev.lorapar.tokenizer;

import java.util.OptionalInt;

/**
 * A LLaMA-style SentencePiece BPE tokenizer: text to token ids and back. Every loader
 * ({@link SentencePieceModelLoader tokenizer.model}, {@link Llama2cTokenizerLoader tokenizer.bin},
 * {@link HfTokenizerJsonLoader tokenizer.json}, {@link GgufVocabularyLoader GGUF}) yields one with the
 * same behaviour.
 *
 * <p>Special tokens: {@code <s>} and {@code </s>} enter a sequence only through {@code addBos} /
 * {@code addEos} (or as ids placed by a {@link PromptFormat}); the text {@code "<s>"} is encoded as
 * ordinary characters, as SentencePiece and llama.cpp (without special-token parsing) do.
 *
 * <p>Round trip: for every string {@code x} without unpaired surrogates,
 * {@code decode(encode(x, b, e)).equals(x.replace('▁', ' '))} when the tokenizer adds the dummy prefix,
 * keeps whitespace (LLaMA: {@code remove_extra_whitespaces = false}) and has byte fallback. The meta symbol
 * "▁" (U+2581) stands for a space inside the model, so a literal "▁" comes back as a space.
 */
public interface Tokenizer {
    /**
     * The token ids of {@code text}: normalised (dummy-prefix space, spaces as "▁"), split into
     * characters, merged by BPE; characters outside the vocabulary become their UTF-8 byte tokens.
     *
     * @param addBos put {@link #bosId()} first
     * @param addEos put {@link #eosId()} last
     */
    int[] encode(String text, boolean addBos, boolean addEos);

    /**
     * The text of {@code ids}: control tokens (BOS, EOS, padding) are skipped, pieces joined with "▁" as
     * a space, byte tokens {@code <0xNN>} joined into UTF-8 byte sequences (invalid sequences become
     * U+FFFD), unknown tokens written as SentencePiece's " ⁇ ", and the one leading space that the dummy
     * prefix adds removed from the start of the text.
     *
     * @throws IllegalArgumentException when an id is outside the vocabulary
     */
    String decode(int[] ids);

    /**
     * The text of token {@code id} alone, following {@code previous} (-1 at the start): the leading
     * space is dropped after BOS or at the start, as llama2.c does. A byte token that is not a whole
     * character by itself (a non-ASCII byte) gives "" here; to stream text use
     * {@link #newStreamingDecoder()}, which keeps such bytes until their character is complete.
     */
    String decodePiece(int previous, int id);

    /** A decoder that is fed ids one at a time and returns, joined, exactly {@link #decode}. */
    StreamingDecoder newStreamingDecoder();

    /** The number of tokens. */
    int vocabSize();

    /** The beginning-of-sequence id ({@code <s>}, 1 for LLaMA). */
    int bosId();

    /** The end-of-sequence id ({@code </s>}, 2 for LLaMA). */
    int eosId();

    /** The piece of {@code id}, whitespace written as "▁" (e.g. {@code "▁Hello"}, {@code "<0x0A>"}). */
    String piece(int id);

    /** The id of the piece {@code piece}, if there is one. */
    OptionalInt id(String piece);

    /** The type of {@code id}. */
    TokenType type(int id);
}
