package dev.lorapar.tests.tokenizer;

import dev.lorapar.tests.io.GgufWriter;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorapar.tokenizer.GgufVocabularyLoader;
import dev.lorapar.tokenizer.Llama2cTokenizerLoader;
import dev.lorapar.tokenizer.SentencePieceModelLoader;
import dev.lorapar.tokenizer.TokenizerFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad tokenizer files give a {@link TokenizerFormatException} whose message starts with the file name
 * and says what is wrong: truncated or lying tokenizer.bin, protobuf lengths that run past the end,
 * truncated GGUF, wrong GGUF vocabulary. (tokenizer.json errors: {@link HfTokenizerJsonTest}.)
 */
class BadFilesTest {
    @TempDir
    Path dir;

    static TokenizerFormatException fails(Path file, Function<Path, ?> loader, String expected) {
        TokenizerFormatException e = assertThrows(TokenizerFormatException.class, () -> loader.apply(file));
        assertEquals(file, e.file());
        assertTrue(e.getMessage().startsWith(file.getFileName() + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(expected), "expected \"" + expected + "\" in: " + e.getMessage());
        return e;
    }

    private Path write(String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }

    @Test
    void truncatedTokenizerBin() throws IOException {
        byte[] real = Files.readAllBytes(TokenizerData.file("llama2-tokenizer/tokenizer.bin"));
        for (int cut : new int[] {0, 3}) {
            Path file = write("tokenizer.bin", Arrays.copyOf(real, cut));
            fails(file, f -> Llama2cTokenizerLoader.load(f, 32000), "too short for the int32 max_token_length");
        }
        for (int cut : new int[] {4, 8, 11, 1000, 200_000, real.length - 100, real.length - 1}) {
            Path file = write("tokenizer.bin", Arrays.copyOf(real, cut));
            fails(file, f -> Llama2cTokenizerLoader.load(f, 32000), "truncated");
        }
        // reading to the end of the file notices a cut inside a token
        for (int cut : new int[] {11, real.length - 1}) {
            Path file = write("tokenizer.bin", Arrays.copyOf(real, cut));
            fails(file, Llama2cTokenizerLoader::load, "truncated");
        }
    }

    @Test
    void lyingTokenizerBinFields() throws IOException {
        byte[] real = Files.readAllBytes(TokenizerData.file("llama2-tokenizer/tokenizer.bin"));
        byte[] hugeLength = real.clone();
        ByteBuffer.wrap(hugeLength).order(ByteOrder.LITTLE_ENDIAN).putInt(4 + 4, Integer.MAX_VALUE);  // token 0's len
        fails(write("tokenizer.bin", hugeLength), f -> Llama2cTokenizerLoader.load(f, 32000),
                "token 0 declares 2147483647 bytes, outside [0, max_token_length = 27]");
        byte[] badMax = real.clone();
        ByteBuffer.wrap(badMax).order(ByteOrder.LITTLE_ENDIAN).putInt(0, -5);
        fails(write("tokenizer.bin", badMax), Llama2cTokenizerLoader::load, "max_token_length -5 is not positive");
        Path file = write("tokenizer.bin", real);
        fails(file, f -> Llama2cTokenizerLoader.load(f, 31999), "bytes follow the last of the 31999 tokens");
        fails(file, f -> Llama2cTokenizerLoader.load(f, 32001), "truncated: token 32000");
    }

    @Test
    void protobufLengthRunningPastTheEnd() throws IOException {
        // field 1 (pieces), length-delimited, claims 1000 bytes but 5 follow
        byte[] lying = new ProtoWriter().tag(1, 2).varint(1000).raw(new byte[] {10, 1, (byte) 'a', 21, 0})
                .toByteArray();
        fails(write("tokenizer.model", lying), SentencePieceModelLoader::load,
                "at byte 1: length 1000 runs past the end of its message (5 bytes left)");
        // a nested length that runs past its parent message
        byte[] nested = new ProtoWriter().messageField(1, new ProtoWriter().tag(1, 2).varint(50).raw((byte) 'x'))
                .toByteArray();
        fails(write("tokenizer.model", nested), SentencePieceModelLoader::load, "runs past the end of its message");
        byte[] real = Files.readAllBytes(TokenizerData.file("llama2-tokenizer/tokenizer.model"));
        fails(write("tokenizer.model", Arrays.copyOf(real, 250_000)), SentencePieceModelLoader::load,
                "runs past the end");
        fails(write("tokenizer.model", Arrays.copyOf(real, real.length - 3)), SentencePieceModelLoader::load,
                "runs past the end");
    }

    @Test
    void malformedProtobuf() throws IOException {
        byte[] endlessVarint = new byte[12];
        Arrays.fill(endlessVarint, (byte) 0x88);
        fails(write("tokenizer.model", endlessVarint), SentencePieceModelLoader::load, "varint");
        byte[] group = new ProtoWriter().tag(7, 3).toByteArray();
        fails(write("tokenizer.model", group), SentencePieceModelLoader::load, "unsupported wire type 3");
        byte[] wrongWire = new ProtoWriter().varintField(1, 5).toByteArray();  // pieces must be a message
        fails(write("tokenizer.model", wrongWire), SentencePieceModelLoader::load,
                "field ModelProto.pieces has wire type 0, expected 2");
        byte[] badUtf8 = new ProtoWriter().messageField(1, new ProtoWriter().bytesField(1, new byte[] {(byte) 0xC3}))
                .toByteArray();
        fails(write("tokenizer.model", badUtf8), SentencePieceModelLoader::load, "not valid UTF-8");
        fails(write("tokenizer.model", new byte[0]), SentencePieceModelLoader::load, "no pieces");
    }

    @Test
    void truncatedGguf() throws IOException {
        byte[] real = Files.readAllBytes(TokenizerData.file("llamacpp-vocab-llama-spm/ggml-vocab-llama-spm.gguf"));
        for (int cut : new int[] {0, 10, 100_000, real.length / 2}) {
            fails(write("vocab.gguf", Arrays.copyOf(real, cut)), GgufVocabularyLoader::load,
                    "not a readable GGUF file");
        }
    }

    @Test
    void ggufWithoutALlamaVocabulary() throws IOException {
        List<String> pieces = new TinyVocab().normal("a", -1).pieces;
        int[] types = new TinyVocab().normal("a", -1).types.stream().mapToInt(t -> t.code()).toArray();
        float[] scores = new float[pieces.size()];
        fails(write("vocab.gguf", new GgufWriter().string("tokenizer.ggml.model", "gpt2")
                .strings("tokenizer.ggml.tokens", pieces).toByteArray()), GgufVocabularyLoader::load,
                "tokenizer.ggml.model is 'gpt2'");
        fails(write("vocab.gguf", new GgufWriter().string("general.name", "x").toByteArray()),
                GgufVocabularyLoader::load, "tokenizer.ggml.model is missing");
        fails(write("vocab.gguf", new GgufWriter().string("tokenizer.ggml.model", "llama").toByteArray()),
                GgufVocabularyLoader::load, "tokenizer.ggml.tokens is missing");
        fails(write("vocab.gguf", new GgufWriter().string("tokenizer.ggml.model", "llama")
                .strings("tokenizer.ggml.tokens", pieces).floats("tokenizer.ggml.scores", scores)
                .int32s("tokenizer.ggml.token_type", Arrays.copyOf(types, 10)).toByteArray()),
                GgufVocabularyLoader::load, "260 tokens but 260 scores and 10 token types");
        int[] badType = types.clone();
        badType[7] = 9;
        fails(write("vocab.gguf", new GgufWriter().string("tokenizer.ggml.model", "llama")
                .strings("tokenizer.ggml.tokens", pieces).floats("tokenizer.ggml.scores", scores)
                .int32s("tokenizer.ggml.token_type", badType).toByteArray()),
                GgufVocabularyLoader::load, "token_type[7] = 9 is not a token type");
        fails(write("vocab.gguf", new GgufWriter().string("tokenizer.ggml.model", "llama")
                .strings("tokenizer.ggml.tokens", pieces).floats("tokenizer.ggml.scores", scores)
                .int32s("tokenizer.ggml.token_type", types).uint32("tokenizer.ggml.bos_token_id", 5000).toByteArray()),
                GgufVocabularyLoader::load, "BOS token id 5000 is outside the vocabulary [0, 260)");
    }
}
