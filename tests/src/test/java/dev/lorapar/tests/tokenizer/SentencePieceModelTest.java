package dev.lorapar.tests.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lorapar.tests.tokenizer.TokenizerData.Source;
import dev.lorapar.tokenizer.BpeTokenizer;
import dev.lorapar.tokenizer.Normalizer;
import dev.lorapar.tokenizer.SentencePieceModelLoader;
import dev.lorapar.tokenizer.TokenType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tokenizer.model reader on hand-written ModelProto messages: the fields it reads
 * (sentencepiece_model.proto numbers), proto2 defaults when fields are absent, unknown fields skipped,
 * unsupported models rejected by name.
 */
class SentencePieceModelTest {
    @TempDir
    Path dir;

    private Path write(byte[] bytes) throws IOException {
        return Files.write(dir.resolve("tokenizer.model"), bytes);
    }

    private static TinyVocab vocab() {
        return new TinyVocab().normal("▁", -1).normal("a", -2).normal("b", -3).normal("▁a", -4).normal("ab", -5);
    }

    @Test
    void llamaTokenizerModelSettings() {
        BpeTokenizer tokenizer = TokenizerData.llama(Source.MODEL);
        assertEquals(Normalizer.LLAMA, tokenizer.normalizer());
        assertEquals(32000, tokenizer.vocabSize());
        assertEquals(TokenType.UNKNOWN, tokenizer.type(0));
        assertEquals(TokenType.CONTROL, tokenizer.type(1));
        assertEquals(TokenType.BYTE, tokenizer.type(13));
        assertEquals("<0x0A>", tokenizer.piece(13));
        assertEquals("▁▁", tokenizer.piece(259));
        assertEquals(-1e9f, tokenizer.vocabulary().score(259));
        assertEquals("\u2028", tokenizer.piece(TokenizerData.LINE_SEPARATOR_ID));
    }

    @Test
    void handWrittenModelLoadsWithItsFields() throws IOException {
        TinyVocab vocab = vocab();
        ProtoWriter trainer = TinyVocab.bpeTrainer().varintField(41, 2).varintField(42, 1).stringField(44, "<?>")
                .varintField(99, 7).floatField(98, 1f).tag(97, 1).raw(new byte[8]);  // unknown fields: skipped
        Path file = write(vocab.modelProto(trainer, TinyVocab.llamaNormalizer()));
        BpeTokenizer tokenizer = SentencePieceModelLoader.load(file);
        assertEquals(2, tokenizer.bosId());
        assertEquals(1, tokenizer.eosId());
        assertEquals(Normalizer.LLAMA, tokenizer.normalizer());
        // "▁ab": (▁,a) -4 vs (a,b) -5: ▁a first, then ▁a+b is no piece
        assertArrayEquals(new int[] {2, vocab.idOf("▁a"), vocab.idOf("b"), 1}, tokenizer.encode("ab", true, true));
        assertEquals("<?>ab", tokenizer.decode(new int[] {0, vocab.idOf("a"), vocab.idOf("b")}), "unk_surface is read");
    }

    @Test
    void absentFieldsTakeProto2Defaults() throws IOException {
        // no normalizer_spec: add_dummy_prefix = remove_extra_whitespaces = escape_whitespaces = true
        BpeTokenizer tokenizer = SentencePieceModelLoader.load(write(vocab().modelProto(TinyVocab.bpeTrainer(), null)));
        assertEquals(new Normalizer(true, true, true), tokenizer.normalizer());
        assertEquals(tokenizer.decode(tokenizer.encode("a b", false, false)),
                tokenizer.decode(tokenizer.encode("  a   b ", false, false)));
        assertEquals(0, tokenizer.vocabulary().unkId());
        assertEquals(1, tokenizer.bosId());
        assertEquals(2, tokenizer.eosId());
    }

    @Test
    void unsupportedModelsAreRejected() throws IOException {
        BadFilesTest.fails(write(vocab().modelProto(null, null)), SentencePieceModelLoader::load,
                "model_type UNIGRAM is not supported");
        BadFilesTest.fails(write(vocab().modelProto(new ProtoWriter().varintField(3, 4), null)),
                SentencePieceModelLoader::load, "model_type CHAR is not supported");
        BadFilesTest.fails(write(vocab().modelProto(TinyVocab.bpeTrainer(),
                new ProtoWriter().stringField(1, "nmt_nfkc").bytesField(2, new byte[] {1, 2, 3}))),
                SentencePieceModelLoader::load, "normalizer 'nmt_nfkc' has a 3-byte precompiled character map");
        BadFilesTest.fails(write(vocab().modelProto(TinyVocab.bpeTrainer().varintField(24, 1), null)),
                SentencePieceModelLoader::load, "treat_whitespace_as_suffix is not supported");
        BadFilesTest.fails(write(vocab().modelProto(TinyVocab.bpeTrainer().varintField(41, -1), null)),
                SentencePieceModelLoader::load, "TrainerSpec.bos_id = -1");
        TinyVocab missingByte = new TinyVocab();
        missingByte.types.set(3 + 0x41, TokenType.NORMAL);
        BadFilesTest.fails(write(missingByte.modelProto(TinyVocab.bpeTrainer(), null)), SentencePieceModelLoader::load,
                "byte_fallback is set but the 256 BYTE pieces");
        byte[] badType = new ProtoWriter().messageField(1, ProtoWriter.piece("a", 0, 9)).toByteArray();
        BadFilesTest.fails(write(badType), SentencePieceModelLoader::load, "piece 0 has unknown type 9");
    }
}
