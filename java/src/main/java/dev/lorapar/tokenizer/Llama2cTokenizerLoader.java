package dev.lorapar.tokenizer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Loads a llama2.c {@code tokenizer.bin}: little-endian {@code int32 max_token_length}, then per token
 * {@code float32 score, int32 len, len bytes of UTF-8}. The file does not store the vocabulary size (the
 * model header does). llama2.c writes SentencePiece's "▁" as a space, BOS as {@code "\n<s>\n"} and EOS as
 * {@code "\n</s>\n"}; this loader maps them back ("▁", {@code <s>}, {@code </s>}). As in llama2.c's run.c,
 * id 0 is {@code <unk>}, 1 BOS, 2 EOS, pieces {@code <0xNN>} are byte-fallback tokens, and encoding
 * adds the dummy-prefix space.
 */
public final class Llama2cTokenizerLoader {
    private static final int UNK_ID = 0;
    private static final int BOS_ID = 1;
    private static final int EOS_ID = 2;

    private Llama2cTokenizerLoader() {
    }

    /**
     * Loads {@code file}, which must hold exactly {@code vocabSize} tokens (the model header's vocab_size).
     *
     * @throws TokenizerFormatException when the file is truncated, a length is out of range, or the token
     *     count differs from {@code vocabSize}
     */
    public static BpeTokenizer load(Path file, int vocabSize) {
        if (vocabSize < 3) {
            throw new TokenizerFormatException(file,
                    "vocab size " + vocabSize + " is too small (need <unk>, BOS, EOS)");
        }
        return read(file, vocabSize);
    }

    /** Loads {@code file}, reading tokens up to its end (the vocabulary size is the number found). */
    public static BpeTokenizer load(Path file) {
        return read(file, -1);
    }

    private static BpeTokenizer read(Path file, int expected) {
        ByteBuffer in = ByteBuffer.wrap(TokenizerFiles.readAll(file)).order(ByteOrder.LITTLE_ENDIAN);
        if (in.remaining() < 4) {
            throw new TokenizerFormatException(file, "file has " + in.remaining()
                    + " bytes, too short for the int32 max_token_length header");
        }
        int maxTokenLength = in.getInt();
        if (maxTokenLength <= 0) {
            throw new TokenizerFormatException(file, "max_token_length " + maxTokenLength + " is not positive");
        }
        List<String> pieces = new ArrayList<>();
        List<Float> scores = new ArrayList<>();
        while (expected < 0 ? in.hasRemaining() : pieces.size() < expected) {
            int id = pieces.size();
            if (in.remaining() < 8) {
                throw new TokenizerFormatException(file, "truncated: token " + id
                        + " needs an 8-byte score and length, " + in.remaining() + " bytes remain"
                        + (expected < 0 ? "" : " (expected " + expected + " tokens)"));
            }
            float score = in.getFloat();
            int length = in.getInt();
            if (length < 0 || length > maxTokenLength) {
                throw new TokenizerFormatException(file, "token " + id + " declares " + length
                        + " bytes, outside [0, max_token_length = " + maxTokenLength + "]");
            }
            if (length > in.remaining()) {
                throw new TokenizerFormatException(file, "truncated: token " + id + " declares " + length
                        + " bytes but only " + in.remaining() + " remain");
            }
            if (Float.isNaN(score)) {
                throw new TokenizerFormatException(file, "token " + id + " has a NaN score");
            }
            byte[] bytes = new byte[length];
            in.get(bytes);
            pieces.add(toPiece(file, id, bytes));
            scores.add(score);
        }
        if (in.hasRemaining()) {
            throw new TokenizerFormatException(file, in.remaining() + " bytes follow the last of the " + expected
                    + " tokens (does the vocab size match this tokenizer?)");
        }
        if (pieces.size() < 3) {
            throw new TokenizerFormatException(file, "only " + pieces.size() + " tokens (need <unk>, BOS, EOS)");
        }
        return build(file, pieces, scores);
    }

    private static String toPiece(Path file, int id, byte[] bytes) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new TokenizerFormatException(file, "token " + id + " is not valid UTF-8");
        }
        return switch (text) {
            case "\n<s>\n" -> "<s>";
            case "\n</s>\n" -> "</s>";
            default -> text.replace(' ', Vocabulary.SPACE_SYMBOL);
        };
    }

    private static BpeTokenizer build(Path file, List<String> pieces, List<Float> scores) {
        int size = pieces.size();
        float[] scoreArray = new float[size];
        TokenType[] types = new TokenType[size];
        for (int id = 0; id < size; id++) {
            scoreArray[id] = scores.get(id);
            types[id] = Vocabulary.parseBytePiece(pieces.get(id)) >= 0 ? TokenType.BYTE : TokenType.NORMAL;
        }
        types[UNK_ID] = TokenType.UNKNOWN;
        types[BOS_ID] = TokenType.CONTROL;
        types[EOS_ID] = TokenType.CONTROL;
        Vocabulary vocabulary = new Vocabulary(file, pieces.toArray(String[]::new), scoreArray, types, UNK_ID,
                BOS_ID, EOS_ID);
        if (!vocabulary.hasAllBytePieces()) {
            throw new TokenizerFormatException(file, "the 256 byte pieces <0x00>..<0xFF> are not all present "
                    + "(llama2.c tokenizers always fall back to bytes)");
        }
        return BpeTokenizer.sentencePiece(vocabulary, Normalizer.LLAMA, true, BpeTokenizer.DEFAULT_UNK_SURFACE);
    }
}
