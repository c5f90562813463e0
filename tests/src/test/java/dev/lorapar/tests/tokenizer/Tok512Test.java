package dev.lorapar.tests.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorapar.tokenizer.BpeTokenizer;
import dev.lorapar.tokenizer.Llama2cTokenizerLoader;
import dev.lorapar.tokenizer.TokenType;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The 512-token llama2.c tokenizers of stories260K and aidreams260K load and round-trip, and decode the
 * reference greedy outputs recorded in shared/data/README.md.
 */
class Tok512Test {
    private static final String STORIES = "llama2c-stories260K/tok512.bin";
    private static final String AIDREAMS = "llama2c-aidreams260K/tok512.bin";

    @Test
    void bothLoadWith512Tokens() {
        for (String name : List.of(STORIES, AIDREAMS)) {
            BpeTokenizer sized = Llama2cTokenizerLoader.load(TokenizerData.file(name), 512);
            BpeTokenizer toEnd = Llama2cTokenizerLoader.load(TokenizerData.file(name));
            assertEquals(512, sized.vocabSize(), name);
            assertEquals(512, toEnd.vocabSize(), name);
            assertEquals("<unk>", sized.piece(0));
            assertEquals("<s>", sized.piece(1));
            assertEquals("</s>", sized.piece(2));
            assertEquals(TokenType.CONTROL, sized.type(1));
            assertEquals("<0x00>", sized.piece(3));
            assertEquals(TokenType.BYTE, sized.type(258));
            assertEquals(TokenType.NORMAL, sized.type(259));
        }
    }

    @Test
    void simpleTextRoundTrips() {
        for (String name : List.of(STORIES, AIDREAMS)) {
            BpeTokenizer tokenizer = Llama2cTokenizerLoader.load(TokenizerData.file(name), 512);
            for (String text : List.of("Once upon a time, there was a little girl named Lily.",
                    "The cat sat on the mat.\nThen it slept!", "Echoes of vectors unfold",
                    "numbers 1234 and ünïcödé ✨",
                    "  two  spaces ", "")) {
                int[] ids = tokenizer.encode(text, true, false);
                assertEquals(text, tokenizer.decode(ids), name + " " + text);
            }
        }
    }

    @Test
    void storiesEncodesTheReadmeExample() {
        BpeTokenizer tokenizer = Llama2cTokenizerLoader.load(TokenizerData.file(STORIES), 512);
        assertArrayEquals(new int[] {1, 403, 407, 261, 378}, tokenizer.encode("Once upon a time", true, false));
    }

    @Test
    void referenceGreedyOutputsDecode() {
        BpeTokenizer stories = Llama2cTokenizerLoader.load(TokenizerData.file(STORIES), 512);
        int[] storyIds = ids("1 403 407 261 378 432 383 286 261 376 298 315 421 395 317 426 338 401 396 267 337 410"
                + " 408 419 292 411 322 265 282 295 433 426 385 328 432 358 394 261 370 432 352 266 268 388 426 338 391"
                + " 266 267 337 335 312 432 398 312 286 267 414 270 333 415 426 13 438 310");
        String story = stories.decode(storyIds);
        assertTrue(story.startsWith("Once upon a time, there was a little girl named Lily. She loved to play outside"
                + " in the park. One day, she saw a big, red ball. She wanted to play with it, but it was too high."
                + "\nLi"), story);
        BpeTokenizer aidreams = Llama2cTokenizerLoader.load(TokenizerData.file(AIDREAMS), 512);
        String dream = aidreams.decode(
                ids("1 319 459 355 260 275 429 339 315 374 327 446 262 421 392 275 280 269 440 270 283"));
        // README: `→ "Echoes of vectors unfold, …`; the quote mark is generated text, the 20 ids end at "precision"
        assertEquals("\"Echoes of vectors unfold, a gentle hum of precision", dream);
    }

    private static int[] ids(String list) {
        return Stream.of(list.split(" ")).mapToInt(Integer::parseInt).toArray();
    }
}
