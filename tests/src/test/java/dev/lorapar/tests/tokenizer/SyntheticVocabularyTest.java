package dev.lorapar.tests.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorapar.tokenizer.BpeTokenizer;
import dev.lorapar.tokenizer.Normalizer;
import dev.lorapar.tokenizer.TokenType;
import dev.lorapar.tokenizer.TokenizerFormatException;
import dev.lorapar.tokenizer.Vocabulary;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * SentencePiece BPE rules on hand-made vocabularies, where the expected segmentation can be worked out
 * by hand: highest score first, leftmost on ties, user-defined pieces never merged, UNUSED pieces split
 * back, unknowns fused without byte fallback, whitespace squeezing, bad vocabularies rejected.
 */
class SyntheticVocabularyTest {
    private static final Path SOURCE = Path.of("synthetic.model");

    private static BpeTokenizer tokenizer(TinyVocab vocab, Normalizer normalizer, boolean byteFallback) {
        Vocabulary vocabulary = new Vocabulary(SOURCE, vocab.pieces.toArray(String[]::new), vocab.scoreArray(),
                vocab.types.toArray(TokenType[]::new), 0, 1, 2);
        return BpeTokenizer.sentencePiece(vocabulary, normalizer, byteFallback, BpeTokenizer.DEFAULT_UNK_SURFACE);
    }

    private static final Normalizer NO_PREFIX = new Normalizer(false, false, true);

    @Test
    void higherScoreMergesFirstWhateverItsPosition() {
        // "abc" with pieces ab and bc but no abc: whichever pair scores higher merges, the other cannot
        TinyVocab rightWins = new TinyVocab().normal("a", -10).normal("b", -10).normal("c", -10)
                .normal("ab", -5).normal("bc", -1);
        assertArrayEquals(new int[] {rightWins.idOf("a"), rightWins.idOf("bc")},
                tokenizer(rightWins, NO_PREFIX, true).encode("abc", false, false));
        TinyVocab leftWins = new TinyVocab().normal("a", -10).normal("b", -10).normal("c", -10)
                .normal("ab", -1).normal("bc", -5);
        assertArrayEquals(new int[] {leftWins.idOf("ab"), leftWins.idOf("c")},
                tokenizer(leftWins, NO_PREFIX, true).encode("abc", false, false));
        // a piece is formed from any two adjacent symbols that concatenate to it: a + bc -> abc
        TinyVocab whole = new TinyVocab().normal("a", -10).normal("b", -10).normal("c", -10)
                .normal("bc", -1).normal("abc", -9);
        assertArrayEquals(new int[] {whole.idOf("abc")}, tokenizer(whole, NO_PREFIX, true).encode("abc", false, false));
    }

    @Test
    void tiesMergeLeftmostFirst() {
        // "aaa": both pairs are "aa" with the same score; the left one merges -> [aa, a]
        TinyVocab vocab = new TinyVocab().normal("a", -10).normal("aa", -1);
        assertArrayEquals(new int[] {vocab.idOf("aa"), vocab.idOf("a")},
                tokenizer(vocab, NO_PREFIX, true).encode("aaa", false, false));
    }

    @Test
    void userDefinedPiecesAreMatchedWholeAndNeverMerged() {
        TinyVocab vocab = new TinyVocab().normal("x", -10).normal("y", -10).normal("xy", -1)
                .add("<tool>", 0, TokenType.USER_DEFINED).normal("<", -10).normal(">", -10);
        BpeTokenizer tokenizer = tokenizer(vocab, NO_PREFIX, true);
        assertArrayEquals(new int[] {vocab.idOf("x"), vocab.idOf("<tool>"), vocab.idOf("y")},
                tokenizer.encode("x<tool>y", false, false));
        assertEquals("x<tool>y", tokenizer.decode(tokenizer.encode("x<tool>y", false, false)));
    }

    @Test
    void unusedPiecesAreSplitBackIntoWhatFormedThem() {
        // "ab" is UNUSED: formed (score -1) but emitted as a, b; "abc" still forms from ab + c
        TinyVocab vocab = new TinyVocab().normal("a", -10).normal("b", -10).normal("c", -10)
                .add("ab", -1, TokenType.UNUSED).normal("abc", -2);
        BpeTokenizer tokenizer = tokenizer(vocab, NO_PREFIX, true);
        assertArrayEquals(new int[] {vocab.idOf("a"), vocab.idOf("b")}, tokenizer.encode("ab", false, false));
        assertArrayEquals(new int[] {vocab.idOf("abc")}, tokenizer.encode("abc", false, false));
    }

    @Test
    void withoutByteFallbackUnknownRunsFuseIntoOneUnk() {
        TinyVocab vocab = new TinyVocab().normal("a", -10).normal("▁", -10);
        BpeTokenizer tokenizer = tokenizer(vocab, Normalizer.LLAMA, false);
        assertArrayEquals(new int[] {vocab.idOf("▁"), vocab.idOf("a"), 0, vocab.idOf("a")},
                tokenizer.encode("aöüa", false, false));
        assertEquals("a \u2047 a", tokenizer.decode(tokenizer.encode("aöüa", false, false)));
        BpeTokenizer withBytes = tokenizer(vocab, Normalizer.LLAMA, true);
        assertArrayEquals(new int[] {vocab.idOf("▁"), vocab.idOf("a"), vocab.idOf("<0xC3>"), vocab.idOf("<0xB6>"),
                vocab.idOf("a")}, withBytes.encode("aöa", false, false));
    }

    @Test
    void removeExtraWhitespacesSqueezesAndTrims() {
        Normalizer squeeze = new Normalizer(true, true, true);
        assertEquals("▁a▁b▁c", squeeze.normalize("  a   b c  "));
        assertEquals("", squeeze.normalize("   "));
        assertEquals("▁▁▁a▁▁b", Normalizer.LLAMA.normalize("  a  b"));
        assertEquals("a b", new Normalizer(false, false, false).normalize("a b"));
    }

    @Test
    void badVocabulariesAreRejectedNamingTheFile() {
        TinyVocab duplicate = new TinyVocab().normal("a", -1).normal("a", -2);
        TokenizerFormatException e = assertThrows(TokenizerFormatException.class,
                () -> tokenizer(duplicate, NO_PREFIX, true));
        assertTrue(e.getMessage().startsWith("synthetic.model: piece 'a' appears twice"), e.getMessage());
        TinyVocab badByte = new TinyVocab().add("<0xZZ>", 0, TokenType.BYTE);
        e = assertThrows(TokenizerFormatException.class, () -> tokenizer(badByte, NO_PREFIX, true));
        assertTrue(e.getMessage().contains("is not <0xNN>"), e.getMessage());
        TinyVocab nan = new TinyVocab().normal("a", Float.NaN);
        assertThrows(TokenizerFormatException.class, () -> tokenizer(nan, NO_PREFIX, true));
        e = assertThrows(TokenizerFormatException.class, () -> new Vocabulary(SOURCE, new String[] {"<unk>"},
                new float[1], new TokenType[] {TokenType.UNKNOWN}, 0, 1, 2));
        assertTrue(e.getMessage().contains("BOS token id 1 is outside the vocabulary [0, 1)"), e.getMessage());
    }
}
