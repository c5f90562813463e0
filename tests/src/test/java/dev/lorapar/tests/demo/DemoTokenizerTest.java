package dev.lorapar.tests.demo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorapar.demo.BpeTrainer;
import dev.lorapar.demo.DemoCorpus;
import dev.lorapar.demo.DemoItem;
import dev.lorapar.demo.GeneratorConfig;
import dev.lorapar.demo.TaskGenerator;
import dev.lorapar.demo.TokenizerJsonWriter;
import dev.lorapar.tests.support.Rng;
import dev.lorapar.tokenizer.PromptFormat;
import dev.lorapar.tokenizer.PromptTokens;
import dev.lorapar.tokenizer.TokenType;
import dev.lorapar.tokenizer.Tokenizer;
import dev.lorapar.tokenizer.Tokenizers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo's BPE tokenizer: merges by hand on a small text, the written tokenizer.json loaded by lorapar's own
 * loader encodes as a plain reference BPE would, round-trips the corpus and random Unicode, keeps digits single and
 * is the same file for the same corpus.
 */
class DemoTokenizerTest {
    private static List<String> texts(DemoCorpus c) {
        List<String> out = new ArrayList<>();
        for (List<DemoItem> set : List.of(c.pretrain(), c.trainS1(), c.trainS2())) {
            for (DemoItem i : set) {
                out.add(i.question());
                out.add(i.answer());
            }
        }
        return out;
    }

    @Test
    void mergesOfAHandWorkedText() {
        // "▁aaab▁aab": (a,a) occurs 3 times → merge 1; then (▁,aa) twice → merge 2; then every pair once → stop
        BpeTrainer.Learned l = BpeTrainer.learn(List.of("aaab aab"), 10);
        assertEquals(2, l.merges().size());
        assertArrayEquals(new String[] {"a", "a"}, l.merges().get(0));
        assertArrayEquals(new String[] {"\u2581", "aa"}, l.merges().get(1));
        assertEquals(List.of("\u2581", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "a", "b").stream().sorted(
                (x, y) -> Integer.compare(x.codePointAt(0), y.codePointAt(0))).toList(), l.characters());
        // ties go to the smaller pair: "ab cd" → (a,b)... every pair once → nothing merged
        assertEquals(0, BpeTrainer.learn(List.of("ab cd"), 10).merges().size());
        // digits and newlines never merge, however frequent
        BpeTrainer.Learned digits = BpeTrainer.learn(List.of("11 11 11\n\n\n"), 10);
        digits.merges().forEach(m -> assertTrue(!(m[0] + m[1]).matches(".*[0-9\n].*"), m[0] + "|" + m[1]));
    }

    @Test
    void loadsEncodesLikeAReferenceBpeAndRoundTrips(TestInfo info, @TempDir Path dir) throws IOException {
        Rng rng = Rng.forTest(info);
        DemoCorpus c = new TaskGenerator(GeneratorConfig.cpuDefault(rng.nextLong())).generate();
        List<String> texts = texts(c);
        BpeTrainer.Learned learned = BpeTrainer.learn(texts, 300);
        assertEquals(300, learned.merges().size());
        Path file = TokenizerJsonWriter.write(learned, dir);
        Tokenizer tok = Tokenizers.open(file);
        List<String> pieces = TokenizerJsonWriter.pieces(learned);
        assertEquals(pieces.size(), tok.vocabSize());
        assertEquals(1, tok.bosId());
        assertEquals(2, tok.eosId());
        assertEquals("<0x41>", tok.piece(3 + 0x41));
        assertEquals(TokenType.BYTE, tok.type(3 + 0x41));
        for (int i = 0; i < pieces.size(); i++) assertEquals(pieces.get(i).replace(' ', '\u2581'), tok.piece(i), "id " + i);
        for (int t = 0; t < 200; t++) {
            String text = texts.get(rng.nextInt(texts.size()));
            int[] ids = tok.encode(text, false, false);
            assertEquals(text, tok.decode(ids), rng.tag());
            assertEquals(reference(text, learned, tok), List.of(toPieces(ids, tok)), rng.tag() + " " + text);
            for (int id : ids) {
                String p = tok.piece(id);
                assertTrue(!p.matches(".*[0-9].*") || p.matches("[0-9]"), "digit inside piece '" + p + "'");
            }
        }
        // random unicode, including characters never seen (byte fallback)
        for (int t = 0; t < 200; t++) {
            StringBuilder sb = new StringBuilder();
            int n = rng.nextInt(12);
            for (int k = 0; k < n; k++) {
                int cp;
                do {
                    cp = switch (rng.nextInt(4)) {
                        case 0 -> 0x20 + rng.nextInt(0x5F);
                        case 1 -> rng.nextInt(0x800);
                        case 2 -> rng.nextInt(0x10000);
                        default -> 0x10000 + rng.nextInt(0x100000);
                    };
                } while (Character.isSurrogate((char) cp) && cp < 0x10000 || cp == 0x2581);
                sb.appendCodePoint(cp);
            }
            String s = sb.toString();
            assertEquals(s, tok.decode(tok.encode(s, true, true)), rng.tag() + " " + s.codePoints().boxed().toList());
        }
        // numbers are digit by digit, so "12 + 345" is 1,2,+,3,4,5 tokens apart from spaces
        int[] ids = tok.encode("What is 12 + 345?", false, false);
        List<String> seen = List.of(toPieces(ids, tok));
        assertTrue(seen.containsAll(List.of("1", "2", "3", "4", "5")), seen.toString());
        // the prompt format of the data works unchanged
        PromptTokens p = PromptFormat.REFERENCE_SCRIPT.encode(tok, "What is 2 + 3?", "5");
        assertEquals(tok.eosId(), p.ids()[p.answerStart() - 1]);
        assertEquals("5", tok.decode(java.util.Arrays.copyOfRange(p.ids(), p.answerStart(), p.ids().length)));
    }

    @Test
    void sameCorpusSameFile(TestInfo info, @TempDir Path dir) throws IOException {
        long seed = Rng.forTest(info).nextLong();
        List<String> texts = texts(new TaskGenerator(GeneratorConfig.tiny(seed)).generate());
        Path a = TokenizerJsonWriter.write(BpeTrainer.learn(texts, 80), dir.resolve("a"));
        Path b = TokenizerJsonWriter.write(BpeTrainer.learn(texts, 80), dir.resolve("b"));
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b), "seed " + seed);
        Path other = TokenizerJsonWriter.write(BpeTrainer.learn(texts, 79), dir.resolve("c"));
        assertTrue(!java.util.Arrays.equals(Files.readAllBytes(a), Files.readAllBytes(other)));
    }

    private static String[] toPieces(int[] ids, Tokenizer tok) {
        String[] out = new String[ids.length];
        for (int i = 0; i < ids.length; i++) out[i] = tok.piece(ids[i]);
        return out;
    }

    /**
     * Plain BPE written from its definition: the normalised text as characters (unknown ones as their UTF-8 byte
     * pieces), then while some adjacent pair is a merge, apply the lowest-ranked one at its leftmost place.
     */
    private static List<String> reference(String text, BpeTrainer.Learned learned, Tokenizer tok) {
        String normalized = "\u2581" + text.replace(' ', '\u2581');
        List<String> symbols = new ArrayList<>();
        normalized.codePoints().forEach(cp -> {
            String ch = new String(Character.toChars(cp));
            if (tok.id(ch).isPresent()) {
                symbols.add(ch);
            } else {
                for (byte b : ch.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
                    symbols.add(String.format("<0x%02X>", b & 0xFF));
                }
            }
        });
        while (true) {
            int bestRank = Integer.MAX_VALUE, bestAt = -1;
            for (int i = 0; i + 1 < symbols.size(); i++) {
                for (int r = 0; r < Math.min(bestRank, learned.merges().size()); r++) {
                    String[] m = learned.merges().get(r);
                    if (m[0].equals(symbols.get(i)) && m[1].equals(symbols.get(i + 1))) {
                        bestRank = r;
                        bestAt = i;
                        break;
                    }
                }
            }
            if (bestAt < 0) return symbols;
            symbols.set(bestAt, symbols.get(bestAt) + symbols.remove(bestAt + 1));
        }
    }
}
