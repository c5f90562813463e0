package dev.lorapar.tests.tokenizer;

import dev.lorapar.tests.io.GgufWriter;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lorapar.tests.tokenizer.TokenizerData.Source;
import dev.lorapar.tokenizer.BpeTokenizer;
import dev.lorapar.tokenizer.GgufVocabularyLoader;
import dev.lorapar.tokenizer.Normalizer;
import dev.lorapar.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The GGUF vocabulary reader: the real vocab-only file and the tiny-random model file carry the same
 * LLaMA vocabulary as tokenizer.model; the optional keys (ids, add_space_prefix) are honoured.
 */
class GgufVocabularyTest {
    @TempDir
    Path dir;

    @Test
    void bothRealGgufFilesCarryTheLlamaVocabulary() {
        Tokenizer model = TokenizerData.llama(Source.MODEL);
        BpeTokenizer vocabOnly = TokenizerData.llama(Source.GGUF);
        BpeTokenizer tinyRandom = GgufVocabularyLoader.load(
                TokenizerData.file("gguf-llama-2-tiny-random/llama-2-tiny-random.gguf"));
        for (BpeTokenizer gguf : new BpeTokenizer[] {vocabOnly, tinyRandom}) {
            assertEquals(Normalizer.LLAMA, gguf.normalizer());
            assertEquals(model.vocabSize(), gguf.vocabSize());
            for (int id = 0; id < model.vocabSize(); id++) {
                assertEquals(model.piece(id), gguf.piece(id), "piece " + id);
                assertEquals(model.type(id), gguf.type(id), "type " + id);
            }
            String text = "GGUF vocabularies: 🦙 llama.cpp\n\tok";
            assertArrayEquals(model.encode(text, true, true), gguf.encode(text, true, true));
        }
    }

    @Test
    void optionalKeysAreHonoured() throws IOException {
        TinyVocab vocab = new TinyVocab().normal("▁", -1).normal("a", -2).normal("▁a", -3);
        Path file = Files.write(dir.resolve("vocab.gguf"), new GgufWriter().string("tokenizer.ggml.model", "llama")
                .strings("tokenizer.ggml.tokens", vocab.pieces).floats("tokenizer.ggml.scores", vocab.scoreArray())
                .int32s("tokenizer.ggml.token_type", vocab.types.stream().mapToInt(t -> t.code()).toArray())
                .uint32("tokenizer.ggml.bos_token_id", 2).uint32("tokenizer.ggml.eos_token_id", 1)
                .bool("tokenizer.ggml.add_space_prefix", false).toByteArray());
        BpeTokenizer tokenizer = GgufVocabularyLoader.load(file);
        assertEquals(2, tokenizer.bosId());
        assertEquals(1, tokenizer.eosId());
        assertEquals(new Normalizer(false, false, true), tokenizer.normalizer());
        assertArrayEquals(new int[] {2, vocab.idOf("a"), vocab.idOf("▁a"), 1}, tokenizer.encode("a a", true, true));
    }
}
