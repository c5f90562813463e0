package dev.lorapar.tests.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.lorapar.tests.io.SharedData;
import dev.lorapar.tokenizer.Tokenizer;
import dev.lorapar.tokenizer.Tokenizers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tokenizers.open picks the loader by file type; nextTo finds a checkpoint's tokenizer; misses are named. */
class TokenizersTest {
    @Test
    void opensEveryKindAndTheyAgree() {
        Path dir = SharedData.require("llama2-tokenizer/tokenizer.model").getParent();
        Tokenizer model = Tokenizers.open(dir.resolve("tokenizer.model"));
        Tokenizer json = Tokenizers.open(dir.resolve("tokenizer.json"));
        Tokenizer folder = Tokenizers.open(dir);
        String text = "Hello world, 12 apples cost $3.50.";
        assertArrayEquals(model.encode(text, true, false), json.encode(text, true, false));
        assertArrayEquals(model.encode(text, true, false), folder.encode(text, true, false));
        assertEquals(32000, model.vocabSize());
    }

    @Test
    void findsTheTokenizerNextToALlama2cCheckpoint() {
        Path bin = SharedData.require("llama2c-stories260K/stories260K.bin");
        assertEquals(512, Tokenizers.nextTo(bin).vocabSize());
    }

    @Test
    void missesAreNamed(@TempDir Path dir) throws IOException {
        Path lonely = dir.resolve("model.bin");
        Files.write(lonely, new byte[16]);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tokenizers.nextTo(lonely));
        assertEquals(true, e.getMessage().contains("no tokenizer found next to"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Tokenizers.open(dir.resolve("vocab.txt")));
        assertThrows(IllegalArgumentException.class, () -> Tokenizers.open(dir));
    }
}
