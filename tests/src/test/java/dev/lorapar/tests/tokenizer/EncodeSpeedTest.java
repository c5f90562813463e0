package dev.lorapar.tests.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lorapar.tests.support.Rng;
import dev.lorapar.tests.tokenizer.TokenizerData.Source;
import dev.lorapar.tokenizer.Tokenizer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * Encoding speed of a 1 MB text per loader (printed, not asserted: timings depend on the machine), and
 * the same ids from every loader on it. The merge loop is O(n log n), so 1 MB takes well under a second.
 */
class EncodeSpeedTest {
    @Test
    void oneMegabyteOfEnglish() {
        String text = TokenizerData.read("gsm8k/train.jsonl");
        text = text.substring(0, 1_000_000);
        measure("GSM8K JSONL, 1,000,000 chars", text);
    }

    @Test
    void oneMegabyteOfMixedScripts(TestInfo info) {
        Rng rng = Rng.forTest(info);
        StringBuilder text = new StringBuilder();
        while (text.toString().getBytes(StandardCharsets.UTF_8).length < 1_000_000) {
            text.append(RoundTripTest.randomText(rng, 50_000));
        }
        measure("random mixed scripts, " + text.toString().getBytes(StandardCharsets.UTF_8).length + " UTF-8 bytes",
                text.toString());
    }

    private static void measure(String what, String text) {
        int[] reference = null;
        for (Source source : Source.values()) {
            Tokenizer tokenizer = TokenizerData.llama(source);
            long best = Long.MAX_VALUE;
            int[] ids = null;
            for (int run = 0; run < 3; run++) {  // the first runs warm up the JIT
                long start = System.nanoTime();
                ids = tokenizer.encode(text, true, false);
                best = Math.min(best, System.nanoTime() - start);
            }
            System.out.printf("[tokenizer] encode %s with %s: %d tokens in %.3f s (best of 3)%n", what, source,
                    ids.length, best / 1e9);
            if (source != Source.JSON) {  // (tokenizer.json differs only on U+2028; see LoaderAgreementTest)
                if (reference == null) {
                    reference = ids;
                }
                assertArrayEquals(reference, ids, source.toString());
            } else {
                assertArrayEquals(TokenizerData.expandLineSeparator(tokenizer, reference), ids);
            }
            assertEquals(text.replace('\u2581', ' '), tokenizer.decode(ids));
        }
    }
}
