package dev.lorapar.tests.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.lorapar.tests.support.Rng;
import dev.lorapar.tests.tokenizer.TokenizerData.Source;
import dev.lorapar.tokenizer.StreamingDecoder;
import dev.lorapar.tokenizer.Tokenizer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * A {@link StreamingDecoder} fed ids one at a time returns, joined, exactly {@link Tokenizer#decode}:
 * on random ids over the whole vocabulary, on byte tokens that split characters (valid and invalid UTF-8),
 * and on encoded text; {@link Tokenizer#decodePiece} gives llama2.c's per-token text.
 */
class StreamingDecodeTest {
    @Test
    void streamingEqualsWholeDecodeOnRandomIds(TestInfo info) {
        Rng rng = Rng.forTest(info);
        for (Source source : Source.values()) {
            Tokenizer tokenizer = TokenizerData.llama(source);
            StreamingDecoder stream = tokenizer.newStreamingDecoder();  // reused: finish() resets it
            for (int trial = 0; trial < 2000; trial++) {
                int[] ids = randomIds(rng, tokenizer, rng.between(0, 30));
                assertEquals(tokenizer.decode(ids), streamed(stream, ids),
                        () -> source + " ids " + Arrays.toString(ids) + " " + rng.tag());
            }
        }
    }

    @Test
    void bytesOfOneCharacterAreHeldUntilComplete() {
        Tokenizer tokenizer = TokenizerData.llama(Source.MODEL);
        StreamingDecoder stream = tokenizer.newStreamingDecoder();
        int[] emoji = byteIds(tokenizer, "🚀".getBytes(StandardCharsets.UTF_8));  // F0 9F 9A 80
        assertEquals("", stream.accept(tokenizer.bosId()));
        assertEquals("", stream.accept(emoji[0]));
        assertEquals("", stream.accept(emoji[1]));
        assertEquals("", stream.accept(emoji[2]));
        assertEquals("🚀", stream.accept(emoji[3]));
        assertEquals(" go", stream.accept(tokenizer.id("▁go").orElseThrow()));
        assertEquals("", stream.accept(emoji[0]));
        assertEquals("\uFFFD", stream.finish(), "an incomplete character at the end becomes U+FFFD");
        assertEquals("Hi", stream.accept(tokenizer.id("▁Hi").orElseThrow()), "after finish() a new stream starts");
    }

    @Test
    void streamingEncodedTextGivesTheText(TestInfo info) {
        Rng rng = Rng.forTest(info);
        for (Source source : Source.values()) {
            Tokenizer tokenizer = TokenizerData.llama(source);
            StreamingDecoder stream = tokenizer.newStreamingDecoder();
            for (int trial = 0; trial < 500; trial++) {
                String text = RoundTripTest.randomText(rng, rng.between(0, 30));
                assertEquals(text.replace('\u2581', ' '), streamed(stream, tokenizer.encode(text, true, true)),
                        () -> source + " " + LlamaCppVectorsTest.quote(text) + " " + rng.tag());
            }
        }
    }

    @Test
    void decodePieceFollowsLlama2c() {
        Tokenizer tokenizer = TokenizerData.llama(Source.BIN);
        int hello = tokenizer.id("▁Hello").orElseThrow();
        assertEquals("Hello", tokenizer.decodePiece(tokenizer.bosId(), hello), "leading space dropped after BOS");
        assertEquals("Hello", tokenizer.decodePiece(-1, hello), "and at the start");
        assertEquals(" Hello", tokenizer.decodePiece(hello, hello));
        assertEquals("A", tokenizer.decodePiece(hello, tokenizer.id("<0x41>").orElseThrow()));
        assertEquals("\n", tokenizer.decodePiece(hello, 13));
        assertEquals("", tokenizer.decodePiece(hello, tokenizer.id("<0xE2>").orElseThrow()), "part of a character");
        assertEquals("", tokenizer.decodePiece(hello, tokenizer.eosId()));
        assertThrows(IllegalArgumentException.class, () -> tokenizer.decodePiece(hello, 32000));
        assertThrows(IllegalArgumentException.class, () -> tokenizer.decode(new int[] {5, -1}));
        assertThrows(IllegalArgumentException.class, () -> tokenizer.newStreamingDecoder().accept(40000));
    }

    private static String streamed(StreamingDecoder stream, int[] ids) {
        StringBuilder text = new StringBuilder();
        for (int id : ids) {
            text.append(stream.accept(id));
        }
        return text.append(stream.finish()).toString();
    }

    /** Random ids: any token, byte runs of whole characters, truncated or stray continuation bytes. */
    private static int[] randomIds(Rng rng, Tokenizer tokenizer, int count) {
        int[] ids = new int[count];
        int i = 0;
        while (i < count) {
            switch (rng.nextInt(4)) {
                case 0 -> ids[i++] = rng.nextInt(tokenizer.vocabSize());
                case 1 -> ids[i++] = tokenizer.id(String.format("<0x%02X>", rng.nextInt(256))).orElseThrow();
                case 2 -> ids[i++] = rng.nextInt(3);  // <unk>, <s>, </s>
                default -> {
                    String character = Character.toString(rng.nextBoolean() ? 0x1F300 + rng.nextInt(0x300)
                            : 0x80 + rng.nextInt(0xD000));
                    byte[] bytes = character.getBytes(StandardCharsets.UTF_8);
                    int keep = rng.nextInt(4) == 0 ? rng.between(1, bytes.length) : bytes.length;  // sometimes cut
                    for (int b = 0; b < keep && i < count; b++) {
                        ids[i++] = tokenizer.id(String.format("<0x%02X>", bytes[b] & 0xFF)).orElseThrow();
                    }
                }
            }
        }
        return ids;
    }

    private static int[] byteIds(Tokenizer tokenizer, byte[] bytes) {
        int[] ids = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            ids[i] = tokenizer.id(String.format("<0x%02X>", bytes[i] & 0xFF)).orElseThrow();
        }
        return ids;
    }
}
