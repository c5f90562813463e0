package dev.lorapar.tests.eval.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorapar.eval.bench.Benchmark;
import dev.lorapar.eval.bench.ChoiceFormat;
import dev.lorapar.eval.bench.ChoicePrompt;
import dev.lorapar.eval.bench.ChoicePrompts;
import dev.lorapar.eval.bench.EvalItem;
import dev.lorapar.eval.bench.FewShot;
import dev.lorapar.eval.bench.GenerationPrompt;
import dev.lorapar.eval.bench.GenerationPrompts;
import dev.lorapar.eval.bench.GenerationTemplate;
import dev.lorapar.tokenizer.PromptFormat;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Zero- and few-shot prompts, exactly as the standard harnesses write them, and the exemplar choice. */
class PromptsTest {
    private static final EvalItem DEV_1 = Items.mmlu("d1", "abstract_algebra", "What is 1+1?", "C");
    private static final EvalItem DEV_2 = Items.mmlu("d2", "abstract_algebra", "Pick z.", "D");
    private static final EvalItem TEST = Items.mmlu("t1", "abstract_algebra", "Which is x?", "B");

    @Test
    void mmluTwoShotLetters() {
        ChoicePrompt prompt = ChoicePrompts.build(TEST, List.of(DEV_1, DEV_2), ChoiceFormat.LETTERS);
        assertEquals("""
                The following are multiple choice questions (with answers) about abstract algebra.

                What is 1+1?
                A. w
                B. x
                C. y
                D. z
                Answer: C

                Pick z.
                A. w
                B. x
                C. y
                D. z
                Answer: D

                Which is x?
                A. w
                B. x
                C. y
                D. z
                Answer:""", prompt.context());
        assertEquals(List.of(" A", " B", " C", " D"), prompt.continuations());
        assertEquals(1, prompt.goldIndex());
    }

    @Test
    void mmluZeroShotAndTexts() {
        assertEquals("The following are multiple choice questions (with answers) about abstract algebra.\n\n"
                + "Which is x?\nA. w\nB. x\nC. y\nD. z\nAnswer:",
                ChoicePrompts.build(TEST, List.of(), ChoiceFormat.LETTERS).context());
        ChoicePrompt texts = ChoicePrompts.build(TEST, List.of(DEV_1), ChoiceFormat.TEXTS);
        assertEquals("The following are multiple choice questions (with answers) about abstract algebra.\n\n"
                + "What is 1+1?\nAnswer: y\n\nWhich is x?\nAnswer:", texts.context());
        assertEquals(List.of(" w", " x", " y", " z"), texts.continuations());
    }

    @Test
    void arcStyle() {
        EvalItem arc = Items.item("a", Benchmark.ARC_EASY, null, "Which is hot?", List.of("ice", "fire", "snow"), "B", null);
        EvalItem shot = Items.item("b", Benchmark.ARC_EASY, null, "Which is wet?", List.of("water", "sand", "dust"), "A", null);
        ChoicePrompt texts = ChoicePrompts.build(arc, List.of(shot), ChoiceFormat.TEXTS);
        assertEquals("Question: Which is wet?\nAnswer: water\n\nQuestion: Which is hot?\nAnswer:", texts.context());
        assertEquals(List.of(" ice", " fire", " snow"), texts.continuations());
        ChoicePrompt letters = ChoicePrompts.build(arc, List.of(), ChoiceFormat.LETTERS);
        assertEquals("Question: Which is hot?\nA. ice\nB. fire\nC. snow\nAnswer:", letters.context());
        assertThrows(IllegalArgumentException.class, () -> ChoicePrompts.build(arc, List.of(DEV_1), ChoiceFormat.TEXTS),
                "an exemplar with four choices for an item with three");
        EvalItem noChoices = Items.item("g", Benchmark.GSM8K, null, "Q", List.of(), "1", null);
        assertThrows(IllegalArgumentException.class, () -> ChoicePrompts.build(noChoices, List.of(), ChoiceFormat.LETTERS));
    }

    @Test
    void gsm8kFewShotGeneration() {
        EvalItem shot = Items.item("s", Benchmark.GSM8K, null, "How many legs do 2 cats have?", List.of(), "8",
                "Each cat has 4 legs, so 2*4=<<2*4=8>>8.\n#### 8");
        EvalItem item = Items.item("i", Benchmark.GSM8K, null, "  What is 3+4? ", List.of(), "7", "#### 7");
        GenerationPrompt prompt = GenerationPrompts.build(item, List.of(shot), GenerationTemplate.QUESTION_ANSWER);
        assertEquals("Question: How many legs do 2 cats have?\nAnswer: Each cat has 4 legs, so 2*4=<<2*4=8>>8.\n#### 8\n\n"
                + "Question: What is 3+4?\nAnswer:", prompt.text());
        assertEquals(PromptFormat.PLAIN, prompt.format());
        assertEquals("Question: What is 3+4?\nAnswer:",
                GenerationPrompts.build(item, List.of(), GenerationTemplate.QUESTION_ANSWER).text());
        assertEquals(" 3+4=7\n#### 7\n\n", prompt.truncate(" 3+4=7\n#### 7\n\nQuestion: What is 5+5?\nAnswer: 10"));
        assertEquals("no stop", prompt.truncate("no stop"));
    }

    @Test
    void referenceTemplateAndChoiceBodies() {
        EvalItem item = Items.item("i", Benchmark.STRATEGY_QA, null, "Is ice cold?", List.of(), "yes", "Yes. It is.");
        GenerationPrompt reference = GenerationPrompts.build(item, List.of(), GenerationTemplate.REFERENCE_SCRIPT);
        assertEquals("Is ice cold?", reference.text());
        assertEquals(PromptFormat.REFERENCE_SCRIPT, reference.format());
        assertTrue(reference.stopStrings().isEmpty());
        assertThrows(IllegalArgumentException.class,
                () -> GenerationPrompts.build(item, List.of(item), GenerationTemplate.REFERENCE_SCRIPT));
        EvalItem aqua = Items.item("q", Benchmark.AQUA, null, "Cost?", List.of("$61", "$65"), "B", null);
        assertEquals("Cost?\nAnswer Choices: (A) $61 (B) $65", GenerationPrompts.body(aqua));
        assertEquals("The answer is B.", GenerationPrompts.exemplarAnswer(aqua));
        assertEquals("Which is x?\nA. w\nB. x\nC. y\nD. z", GenerationPrompts.body(TEST));
    }

    @Test
    void mmluExemplarsAreTheFirstOfTheSubject() {
        EvalItem other = Items.mmlu("o", "anatomy", "Bone?", "A");
        List<EvalItem> dev = List.of(other, DEV_1, DEV_2, Items.mmlu("d3", "abstract_algebra", "Third?", "A"));
        assertEquals(List.of(DEV_1, DEV_2), FewShot.firstOfSubject(dev, TEST, 2));
        assertEquals(List.of(), FewShot.firstOfSubject(dev, TEST, 0));
        assertThrows(IllegalArgumentException.class, () -> FewShot.firstOfSubject(dev, other, 2));
    }

    @Test
    void sampledExemplarsAreDeterministicDistinctAndExcludeTheItem() {
        List<EvalItem> pool = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            pool.add(Items.item("train/" + i, Benchmark.GSM8K, null, "question " + i, List.of(), "1", null));
        }
        long seed = new Random().nextLong();
        EvalItem self = pool.get(7);
        EvalItem sameText = Items.item("test/0", Benchmark.GSM8K, null, "question 9", List.of(), "1", null);
        for (EvalItem item : List.of(self, sameText)) {
            List<EvalItem> shots = FewShot.sample(pool, item, 8, seed);
            assertEquals(8, shots.size());
            assertEquals(8, new HashSet<>(shots).size(), "distinct");
            assertFalse(shots.stream().anyMatch(s -> s.question().equals(item.question())), "never the item itself");
            assertEquals(shots, FewShot.sample(new ArrayList<>(pool), item, 8, seed), "the same again");
        }
        assertNotEquals(FewShot.sample(pool, self, 8, seed), FewShot.sample(pool, self, 8, seed + 1), "seed matters");
        assertNotEquals(FewShot.sample(pool, self, 8, seed), FewShot.sample(pool, sameText, 8, seed), "item matters");
        assertEquals(29, FewShot.sample(pool, self, 29, seed).size());
        assertThrows(IllegalArgumentException.class, () -> FewShot.sample(pool, self, 30, seed));
    }

    @Test
    void sampledExemplarsAreUniformOverThePool() {
        List<EvalItem> pool = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            pool.add(Items.item("p" + i, Benchmark.GSM8K, null, "q" + i, List.of(), "1", null));
        }
        int[] counts = new int[10];
        for (int n = 0; n < 5000; n++) {
            EvalItem item = Items.item("item" + n, Benchmark.GSM8K, null, "x" + n, List.of(), "1", null);
            for (EvalItem shot : FewShot.sample(pool, item, 2, 1234)) {
                counts[Integer.parseInt(shot.id().substring(1))]++;
            }
        }
        for (int count : counts) {  // expected 1000 each, sd ≈ 28
            assertTrue(Math.abs(count - 1000) < 150, java.util.Arrays.toString(counts));
        }
    }
}
