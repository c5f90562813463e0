package dev.lorapar.tests.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorapar.tests.support.Rng;
import dev.lorapar.tests.tokenizer.TokenizerData.Source;
import dev.lorapar.tokenizer.TokenType;
import dev.lorapar.tokenizer.Tokenizer;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The round-trip property SentencePiece guarantees with byte fallback and identity normalisation:
 * {@code decode(encode(x)) == x} for every valid string, except that the meta symbol "▁" (U+2581) reads
 * back as a space; an unpaired surrogate (not encodable as UTF-8) reads back as U+FFFD. Checked on edge
 * cases (emoji, CJK, combining marks, control characters, empty text, whitespace runs) and random strings,
 * for every loader, with all loaders agreeing id for id.
 */
class RoundTripTest {
    static final List<String> EDGE_CASES = List.of(
            "", " ", "  ", "\t", "\n", "\r\n", "   \t\n  ", "a  b   c    d", "trailing   ", "   leading",
            "😀", "👩‍👩‍👧‍👦 family", "🇫🇷🇩🇪", "emoji 🚀 in 🌍 text ✅",
            "中文分词测试", "日本語のテキストです", "한국어 텍스트", "混合 mixed テキスト",
            "e\u0301 (e + combining acute)", "a\u0300\u0301\u0302\u0303\u0304 stacked", "ﬁ ligature, Å vs A\u030A",
            "\u0000\u0001\u0002\u001F\u007F controls", "bell\u0007 escape\u001B[0m", "zero\u200Bwidth\u200Djoiner",
            "line\u2028separator\u2029paragraph", "\uFEFFbom", "\uFFFD replacement", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 math",
            "\uDBFF\uDFFF",
            "<s>", "</s>", "<unk>", "<0x0A>", "[INST] <<SYS>>", "▁already▁escaped", "▁", "x▁ ▁y");

    @ParameterizedTest
    @EnumSource(Source.class)
    void edgeCasesRoundTrip(Source source) {
        Tokenizer tokenizer = TokenizerData.llama(source);
        for (String text : EDGE_CASES) {
            int[] ids = tokenizer.encode(text, true, true);
            assertEquals(text.replace('\u2581', ' '), tokenizer.decode(ids),
                    () -> source + " " + LlamaCppVectorsTest.quote(text) + " ids " + Arrays.toString(ids));
        }
    }

    @Test
    void specialTokenTextIsEncodedAsPlainCharacters() {
        for (Source source : Source.values()) {
            Tokenizer tokenizer = TokenizerData.llama(source);
            for (String text : List.of("<s>", "</s>", "<unk>", "a<s>b</s>", "<0x41>")) {
                int[] ids = tokenizer.encode(text, false, false);
                for (int id : ids) {
                    assertTrue(tokenizer.type(id) == TokenType.NORMAL, () -> source + " " + text + " gave a "
                            + tokenizer.type(id) + " token " + id + " in " + Arrays.toString(ids));
                }
            }
            // "▁<", "s", ">": SentencePiece's segmentation of the text <s> (control pieces are never formed)
            assertArrayEquals(new int[] {tokenizer.id("▁<").orElseThrow(), tokenizer.id("s").orElseThrow(),
                    tokenizer.id(">").orElseThrow()}, tokenizer.encode("<s>", false, false), source.toString());
        }
    }

    @Test
    void emptyTextIsEmptyAndBosEosAreIds() {
        for (Source source : Source.values()) {
            Tokenizer tokenizer = TokenizerData.llama(source);
            assertArrayEquals(new int[0], tokenizer.encode("", false, false));
            assertArrayEquals(new int[] {1, 2}, tokenizer.encode("", true, true));
            assertEquals("", tokenizer.decode(new int[] {1, 2, 1}));
        }
    }

    @Test
    void unpairedSurrogatesBecomeReplacementCharacters() {
        for (Source source : Source.values()) {
            Tokenizer tokenizer = TokenizerData.llama(source);
            String text = "a\uD800b\uDC00c\uD83D";
            assertEquals("a\uFFFDb\uFFFDc\uFFFD", tokenizer.decode(tokenizer.encode(text, false, false)));
        }
    }

    @Test
    void randomStringsRoundTripAndAllLoadersAgree(TestInfo info) {
        Rng rng = Rng.forTest(info);
        Tokenizer model = TokenizerData.llama(Source.MODEL);
        for (int trial = 0; trial < 3000; trial++) {
            String text = randomText(rng, rng.between(0, 40));
            int[] reference = model.encode(text, false, false);
            for (Source source : Source.values()) {
                Tokenizer tokenizer = TokenizerData.llama(source);
                int[] ids = tokenizer.encode(text, false, false);
                int[] expected = source == Source.JSON ? TokenizerData.expandLineSeparator(tokenizer, reference)
                        : reference;
                assertArrayEquals(expected, ids,
                        () -> source + " on " + LlamaCppVectorsTest.quote(text) + " " + rng.tag());
                assertEquals(text.replace('\u2581', ' '), tokenizer.decode(ids),
                        () -> source + " on " + LlamaCppVectorsTest.quote(text) + " " + rng.tag());
            }
        }
    }

    /** A random valid string mixing ASCII, whitespace runs, controls, CJK, emoji, combining marks, "▁". */
    static String randomText(Rng rng, int codePoints) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < codePoints; i++) {
            int c = switch (rng.nextInt(10)) {
                case 0 -> " \t\n\r".charAt(rng.nextInt(4));
                case 1 -> rng.nextInt(0x20);                          // C0 controls
                case 2 -> 0x4E00 + rng.nextInt(0x5200);               // CJK
                case 3 -> 0x1F300 + rng.nextInt(0x300);               // emoji
                case 4 -> 0x0300 + rng.nextInt(0x70);                 // combining marks
                case 5 -> rng.nextBoolean() ? 0x2581 : 0x2028;        // "▁", LINE SEPARATOR
                case 6 -> {
                    int bmp = rng.nextInt(0x10000);                   // any BMP scalar value
                    yield Character.isSurrogate((char) bmp) ? 'x' : bmp;
                }
                case 7 -> 0x10000 + rng.nextInt(0x100000);            // any supplementary code point
                default -> 0x20 + rng.nextInt(0x5F);                  // printable ASCII
            };
            text.appendCodePoint(c);
        }
        return text.toString();
    }
}
