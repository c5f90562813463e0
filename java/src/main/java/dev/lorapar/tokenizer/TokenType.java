package dev.lorapar.tokenizer;

/**
 * The kind of a vocabulary entry. The codes are SentencePiece's {@code ModelProto.SentencePiece.Type}
 * values, which GGUF's {@code tokenizer.ggml.token_type} reuses.
 */
public enum TokenType {
    /** An ordinary piece: produced by encoding, decoded as its text. */
    NORMAL(1),
    /** The unknown token ({@code <unk>}). */
    UNKNOWN(2),
    /** A control token ({@code <s>}, {@code </s>}, padding): never produced from text, decoded as nothing. */
    CONTROL(3),
    /** A user-defined piece: matched in the text as one unit and never merged with its neighbours. */
    USER_DEFINED(4),
    /** A piece that may appear during merging but is split back into its parts in the output. */
    UNUSED(5),
    /** A byte-fallback piece {@code <0xNN>}: decodes to the raw byte NN. */
    BYTE(6);

    private final int code;

    TokenType(int code) {
        this.code = code;
    }

    /** The SentencePiece / GGUF code of this type. */
    public int code() {
        return code;
    }

    /** The type with SentencePiece / GGUF code {@code code}, or null when no type has that code. */
    public static TokenType ofCode(long code) {
        for (TokenType type : values()) {
            if (type.code == code) {
                return type;
            }
        }
        return null;
    }

    /** Whether encoding may build this piece by merging smaller pieces (SentencePiece's {@code pieces_}). */
    boolean mergeable() {
        return this == NORMAL || this == USER_DEFINED || this == UNUSED;
    }
}
