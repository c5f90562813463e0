package dev.lorapar.tests.rl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.lorapar.eval.sandbox.Limits;
import dev.lorapar.eval.sandbox.Sandbox;
import dev.lorapar.rl.AnswerRewards;
import dev.lorapar.rl.Gsm8kRewards;
import dev.lorapar.rl.Reward;
import dev.lorapar.rl.RewardSet;
import dev.lorapar.rl.RlItem;
import dev.lorapar.rl.XmlAnswer;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The built-in rewards on hand-computed cases, component by component, including the reference script's quirks
 * (format regexes without DOTALL, the tag-count penalty counting the whole text when the closing tag has no newline).
 */
class RewardsTest {
    static final RlItem SEVEN = RlItem.of("What is 3 + 4?", "3 + 4 = 7\n#### 7");
    static final String PERFECT = "<reasoning>\nThree plus four is seven.\n</reasoning>\n<answer>\n7\n</answer>\n";

    /** [correctness, digits, strict, soft, xml_count] of a completion. */
    static double[] gsm8k(String completion, RlItem item) {
        return Gsm8kRewards.all().stream().mapToDouble(r -> r.score(completion, item)).toArray();
    }

    @Test
    void perfectCompletion() {
        // soft fails: its .*? does not cross the newlines after <reasoning> (re.match without DOTALL, as the reference)
        assertArrayEquals(new double[] {2.0, 0.5, 0.5, 0.0, 0.5}, gsm8k(PERFECT, SEVEN), 1e-12);
        assertEquals(List.of("correctness", "digits", "strict_format", "soft_format", "xml_count"),
                Gsm8kRewards.all().stream().map(Reward::name).toList());
    }

    @Test
    void softFormatOnOneLine() {
        assertArrayEquals(new double[] {2.0, 0.5, 0.0, 0.5, 0.0},
                gsm8k("<reasoning>think</reasoning> <answer>7</answer>", SEVEN), 1e-12);
        assertArrayEquals(new double[] {0.0, 0.5, 0.0, 0.5, 0.0},
                gsm8k("<reasoning>think</reasoning>\n\n<answer>8</answer> trailing", SEVEN), 1e-12);
        assertEquals(0.0, Gsm8kRewards.softFormat().score(" <reasoning>a</reasoning><answer>7</answer>", SEVEN),
                "re.match anchors at the start");
    }

    @Test
    void strictFormatEdges() {
        Reward strict = Gsm8kRewards.strictFormat();
        assertEquals(0.5, strict.score(PERFECT + "\n", SEVEN), "$ also matches before one final newline");
        assertEquals(0.0, strict.score(PERFECT + "\n\n", SEVEN));
        assertEquals(0.0, strict.score(PERFECT.substring(0, PERFECT.length() - 1), SEVEN), "needs the final newline");
        assertEquals(0.0, strict.score("<reasoning>\nline one\nline two\n</reasoning>\n<answer>\n7\n</answer>\n", SEVEN),
                "two reasoning lines: . does not match a newline");
        assertEquals(0.5, strict.score(PERFECT.replace("seven.", "seven.\r\u2028"), SEVEN),
                "\\r and U+2028 are ordinary characters for Python's . (UNIX_LINES), so this still matches");
    }

    @Test
    void xmlCountByHand() {
        // no trailing newline: "\n</answer>\n" is absent, so the third tag's penalty counts the whole text (47 chars);
        // the fourth gains 0.001 (nothing after "\n</answer>", minus one)
        String text = "<reasoning>\nx\n</reasoning>\n<answer>\n7\n</answer>";
        assertEquals(47, text.length());
        assertEquals(0.5 - 0.047 + 0.001, Gsm8kRewards.xmlCount(text), 1e-12);
        // trailing "Hi!": 3 characters after "\n</answer>\n", 4 after "\n</answer>" (minus one = 3)
        assertEquals(0.5 - 0.003 - 0.003, Gsm8kRewards.xmlCount(PERFECT + "Hi!"), 1e-12);
        // a tag twice does not count
        assertEquals(0.375, Gsm8kRewards.xmlCount("<reasoning>\n" + PERFECT), 1e-12);
        // only "\n<answer>\n" and a long tail: negative
        String tail = "\n<answer>\n" + "a".repeat(600);
        assertEquals(0.125 - 0.610, Gsm8kRewards.xmlCount(tail), 1e-12);
        assertEquals(0.0, Gsm8kRewards.xmlCount(""), 0.0);
        // characters, not UTF-16 units: "é" and "😀" count one each
        assertEquals(0.5 - 0.002 - 0.002, Gsm8kRewards.xmlCount(PERFECT + "😀é"), 1e-12);
    }

    @Test
    void correctnessAndDigits() {
        RlItem thousand = RlItem.of("q", "steps\n#### 1000");
        assertArrayEquals(new double[] {2.0, 0.0}, first2("<answer>$1,000</answer>", thousand), 1e-12,
                "commas and $ removed for the comparison; isdigit sees the raw answer");
        assertArrayEquals(new double[] {2.0, 0.5}, first2("42", RlItem.of("q", "#### 42")), 1e-12,
                "no tags: the whole text is the answer (reference behaviour)");
        assertArrayEquals(new double[] {2.0, 0.5}, first2("<answer>5</answer> no, <answer>\n 7 \n</answer>", SEVEN),
                1e-12, "the last answer, stripped");
        assertArrayEquals(new double[] {2.0, 0.5}, first2("so <answer> 7", SEVEN), 1e-12, "an unclosed answer runs to the end");
        assertArrayEquals(new double[] {0.0, 0.0}, first2("<answer>7.0</answer>", SEVEN), 1e-12,
                "text comparison: 7.0 is not 7 for the GSM8K set (the numeric reward accepts it)");
        assertArrayEquals(new double[] {0.0, 0.0}, first2("<answer>-7</answer>", SEVEN), 1e-12);
        assertArrayEquals(new double[] {2.0, 0.5}, first2("<answer>12</answer>", RlItem.of("q", "  12 ")), 1e-12,
                "a reference without #### is the answer itself");
        assertEquals("7", XmlAnswer.hashAnswer("a #### 7 #### 9"));
        assertEquals(null, XmlAnswer.hashAnswer("no marks"));
        assertEquals(2, XmlAnswer.count("aaaa", "aa"), "non-overlapping, as str.count");
    }

    private static double[] first2(String completion, RlItem item) {
        return new double[] {Gsm8kRewards.correctness().score(completion, item), Gsm8kRewards.digits().score(completion, item)};
    }

    @Test
    void numericMatcher() {
        Reward numeric = AnswerRewards.numeric(1.0);
        RlItem item = RlItem.of("q", "work\n#### 1234");
        assertEquals(1.0, numeric.score("The answer is $1,234.", item));
        assertEquals(1.0, numeric.score("<answer>1234.0</answer>", item));
        assertEquals(1.0, numeric.score("first 5, then 1,234", item), "the last number");
        assertEquals(0.0, numeric.score("<answer>1234.5</answer>", item));
        assertEquals(0.0, numeric.score("no number", item));
        assertEquals(1.0, numeric.score("#### 0.75", RlItem.of("q", "3/4")), "exact values: 3/4 = 0.75");
        assertEquals(0.0, numeric.score("12", RlItem.of("q", "twelve")), "a reference that is no number never matches");
    }

    @Test
    void multipleChoiceMatcher() {
        Reward choice = AnswerRewards.multipleChoice(4, 1.0);
        assertEquals(1.0, choice.score("The answer is (C).", RlItem.of("q", "C")));
        assertEquals(0.0, choice.score("The answer is (B).", RlItem.of("q", "C")));
        assertEquals(1.0, choice.score("<answer>D</answer>", RlItem.of("q", "(D) a cat")));
        assertEquals(1.0, choice.score("answer: F", RlItem.of("q", "F")), "letters beyond the count reach the gold one");
        assertThrows(IllegalArgumentException.class, () -> choice.score("A", new RlItem(null, "q", "42", "f.jsonl:3")));
        assertThrows(IllegalArgumentException.class, () -> AnswerRewards.multipleChoice(1, 1.0));
    }

    @Test
    void codeExecutionInTheSandbox() {
        Sandbox sandbox = Sandbox.shared();
        Limits limits = Limits.defaults().withWallTime(Duration.ofSeconds(3)).withCpuTime(Duration.ofSeconds(2));
        Assumptions.assumeTrue(sandbox.run("pass", limits).passed(), "no working sandbox: " + sandbox.isolation().describe());
        Reward code = AnswerRewards.codeExecution(sandbox, limits, false, 2.0);
        RlItem item = RlItem.of("Write add(a, b).", "assert add(2, 3) == 5\nassert add(-1, 1) == 0");
        assertEquals(2.0, code.score("Here:\n```python\ndef add(a, b):\n    return a + b\n```\nDone.", item));
        assertEquals(0.0, code.score("```python\ndef add(a, b):\n    return a - b\n```", item));
        assertEquals(2.0, code.score("def add(a, b):\n    return a + b\nprint('x')", item), "cut at the stop sequences");
        assertEquals(0.0, code.score("while True: pass", item), "a timeout fails");
        Reward withPrompt = AnswerRewards.codeExecution(sandbox, limits, true, 1.0);
        assertEquals(1.0, withPrompt.score("    return a * b\n", RlItem.of("def mul(a, b):\n", "assert mul(3, 4) == 12")));
    }

    @Test
    void rewardSetSumsComponents() {
        RewardSet set = RewardSet.parse("gsm8k, contains");
        assertEquals(List.of("correctness", "digits", "strict_format", "soft_format", "xml_count", "contains"), set.names());
        RewardSet.Scores s = set.score(List.of(PERFECT, "nothing"), List.of(SEVEN, RlItem.of("q", "noth")), new int[] {0, 1});
        assertArrayEquals(new double[] {3.5, 0.0 + 1.0}, s.total(), 1e-12);
        assertEquals(1.0, s.components()[5][1]);
        assertThrows(IllegalArgumentException.class, () -> RewardSet.parse("gsm8k,bogus"));
        assertThrows(IllegalArgumentException.class, () -> RewardSet.parse("numeric,numeric"));
    }
}
