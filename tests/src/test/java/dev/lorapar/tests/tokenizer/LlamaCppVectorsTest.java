package dev.lorapar.tests.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lorapar.tests.tokenizer.TokenizerData.Source;
import dev.lorapar.tests.tokenizer.TokenizerData.Vector;
import dev.lorapar.tokenizer.Tokenizer;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * llama.cpp's 46 tokenizer test vectors for the LLaMA SPM vocabulary
 * (shared/data/llamacpp-vocab-llama-spm/ggml-vocab-llama-spm.gguf.inp / .out), reproduced exactly by every
 * loader: tokenizer.model, tokenizer.bin, tokenizer.json and the GGUF vocabulary.
 */
class LlamaCppVectorsTest {
    @ParameterizedTest
    @EnumSource(Source.class)
    void everyVectorIsReproducedExactly(Source source) {
        List<Vector> vectors = TokenizerData.llamaCppVectors();
        assertEquals(46, vectors.size(), "number of llama.cpp test vectors");
        Tokenizer tokenizer = TokenizerData.llama(source);
        StringBuilder failures = new StringBuilder();
        for (int i = 0; i < vectors.size(); i++) {
            Vector vector = vectors.get(i);
            int[] actual = tokenizer.encode(vector.text(), false, false);
            if (!Arrays.equals(vector.ids(), actual)) {
                failures.append("\n  vector ").append(i).append(" ").append(quote(vector.text()))
                        .append("\n    expected ").append(Arrays.toString(vector.ids()))
                        .append("\n    actual   ").append(Arrays.toString(actual));
            }
        }
        assertEquals("", failures.toString(), source + " loader disagrees with llama.cpp on:");
    }

    @ParameterizedTest
    @EnumSource(Source.class)
    void bosAndEosAreAddedAsIdsAroundTheVector(Source source) {
        Tokenizer tokenizer = TokenizerData.llama(source);
        Vector hello = TokenizerData.llamaCppVectors().stream().filter(v -> v.text().equals("Hello world"))
                .findFirst().orElseThrow();
        assertArrayEquals(new int[] {15043, 3186}, hello.ids());
        int[] expected = new int[hello.ids().length + 2];
        expected[0] = 1;
        System.arraycopy(hello.ids(), 0, expected, 1, hello.ids().length);
        expected[expected.length - 1] = 2;
        assertArrayEquals(expected, tokenizer.encode(hello.text(), true, true));
        assertEquals(1, tokenizer.bosId());
        assertEquals(2, tokenizer.eosId());
        assertEquals(32000, tokenizer.vocabSize());
    }

    static String quote(String text) {
        StringBuilder out = new StringBuilder("\"");
        text.codePoints().forEach(c -> out.append(c < 0x20 ? String.format("\\x%02x", c) : Character.toString(c)));
        return out.append('"').toString();
    }
}
