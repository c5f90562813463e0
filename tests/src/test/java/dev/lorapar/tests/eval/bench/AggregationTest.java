package dev.lorapar.tests.eval.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorapar.eval.bench.Accuracy;
import dev.lorapar.eval.bench.AnswerScorer;
import dev.lorapar.eval.bench.Benchmark;
import dev.lorapar.eval.bench.ChoiceFormat;
import dev.lorapar.eval.bench.ChoicePrompt;
import dev.lorapar.eval.bench.ChoicePrompts;
import dev.lorapar.eval.bench.ChoiceScoring;
import dev.lorapar.eval.bench.EvalItem;
import dev.lorapar.eval.bench.ItemOutcome;
import dev.lorapar.eval.bench.SubjectAccuracy;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Multiple-choice picking, scoring generated outputs, and accuracy per subject with macro/micro averages. */
class AggregationTest {
    @Test
    void mmluMacroAndMicroByHand() {
        // anatomy: 2 of 3 right (one unparseable); astronomy: 1 of 1; virology: 0 of 2.
        List<ItemOutcome> outcomes = List.of(
                ItemOutcome.of(Items.mmlu("a1", "anatomy", "q", "A"), "A"),
                ItemOutcome.of(Items.mmlu("a2", "anatomy", "q", "B"), "B"),
                ItemOutcome.of(Items.mmlu("a3", "anatomy", "q", "C"), null),
                ItemOutcome.of(Items.mmlu("s1", "astronomy", "q", "D"), "D"),
                ItemOutcome.of(Items.mmlu("v1", "virology", "q", "A"), "B"),
                ItemOutcome.of(Items.mmlu("v2", "virology", "q", "A"), "C"));
        SubjectAccuracy result = SubjectAccuracy.of(outcomes);
        assertEquals(new Accuracy(2, 3, 1), result.perSubject().get("anatomy"));
        assertEquals(new Accuracy(1, 1, 0), result.perSubject().get("astronomy"));
        assertEquals(new Accuracy(0, 2, 0), result.perSubject().get("virology"));
        assertEquals(List.of("anatomy", "astronomy", "virology"), List.copyOf(result.perSubject().keySet()));
        assertEquals(new Accuracy(3, 6, 1), result.micro());
        assertEquals(0.5, result.micro().value(), 1e-15);
        assertEquals((2.0 / 3 + 1 + 0) / 3, result.macro(), 1e-15);  // 0.5556, not the micro 0.5
        assertTrue(Double.isNaN(SubjectAccuracy.of(List.of()).macro()));
        EvalItem loose = Items.item("g", Benchmark.GSM8K, null, "q", List.of(), "1", null);
        assertEquals(1, SubjectAccuracy.of(List.of(ItemOutcome.of(loose, "1"))).perSubject()
                .get(SubjectAccuracy.NO_SUBJECT).correct());
    }

    @Test
    void choicePickingAccAndAccNorm() {
        EvalItem item = Items.item("a", Benchmark.ARC_EASY, null, "Q?", List.of("no", "a much longer answer"), "B", null);
        ChoicePrompt prompt = ChoicePrompts.build(item, List.of(), ChoiceFormat.TEXTS);
        assertEquals(List.of(" no", " a much longer answer"), prompt.continuations());
        double[] logLikelihoods = {-3.0, -10.5};  // per byte: -1.0 and -0.5
        ItemOutcome acc = ChoiceScoring.outcome(item, prompt, logLikelihoods);
        assertEquals("A", acc.predicted());
        assertFalse(acc.correct());
        ItemOutcome accNorm = ChoiceScoring.outcomeNormalized(item, prompt, logLikelihoods);
        assertEquals("B", accNorm.predicted());
        assertTrue(accNorm.correct());
        assertEquals(2, ChoiceScoring.argmax(new double[] {1, 2, 3, 3}));
        assertEquals(0, ChoiceScoring.argmax(new double[] {Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY}));
        assertThrows(IllegalArgumentException.class, () -> ChoiceScoring.argmax(new double[] {1, Double.NaN}));
        assertThrows(IllegalArgumentException.class, () -> ChoiceScoring.outcome(item, prompt, new double[] {1}));
        assertEquals(List.of(3, 5), java.util.Arrays.stream(ChoiceScoring.byteLengths(List.of(" ab", " éé"))).boxed().toList());
    }

    @Test
    void argmaxAgreesWithASortOnRandomScores() {
        Random random = new Random();
        for (int trial = 0; trial < 200; trial++) {
            double[] scores = new double[2 + random.nextInt(5)];
            for (int i = 0; i < scores.length; i++) {
                scores[i] = -random.nextInt(4) - random.nextDouble() * (random.nextBoolean() ? 0 : 1);
            }
            int best = ChoiceScoring.argmax(scores);
            for (int i = 0; i < scores.length; i++) {
                assertTrue(scores[best] > scores[i] || (scores[best] == scores[i] && best <= i));
            }
        }
    }

    @Test
    void scoringGeneratedOutputsPerKind() {
        EvalItem gsm = Items.item("g", Benchmark.GSM8K, null, "q", List.of(), "1234.5", null);
        EvalItem math = Items.item("m", Benchmark.MATH, "algebra", "q", List.of(), "0.5", null);
        EvalItem strategy = Items.item("s", Benchmark.STRATEGY_QA, null, "q", List.of(), "no", null);
        EvalItem aqua = Items.item("q", Benchmark.AQUA, null, "q", List.of("1", "2", "3", "4", "5"), "E", null);
        EvalItem mmlu = Items.mmlu("u", "anatomy", "q", "C");
        List<ItemOutcome> outcomes = new ArrayList<>(List.of(
                AnswerScorer.score(gsm, "The answer is $1,234.50."),
                AnswerScorer.score(math, "so $x=\\boxed{\\frac{1}{2}}$"),
                AnswerScorer.score(strategy, "No. Penguins live in the south."),
                AnswerScorer.score(aqua, "The answer is (E)."),
                AnswerScorer.score(mmlu, " C")));
        assertTrue(outcomes.stream().allMatch(ItemOutcome::correct), outcomes.toString());
        outcomes.add(AnswerScorer.score(gsm, "I cannot tell."));
        outcomes.add(AnswerScorer.score(strategy, "Yes."));
        assertEquals(new Accuracy(5, 7, 1), Accuracy.of(outcomes));
        assertEquals("yes", outcomes.getLast().predicted());
        assertThrows(IllegalArgumentException.class, () -> new ItemOutcome(gsm, "1", true));
        assertThrows(IllegalArgumentException.class, () -> Items.mmlu("x", "anatomy", "q", "E"), "gold outside A..D");
        assertThrows(IllegalArgumentException.class, () -> Items.mmlu("x", "anatomy", "q", "1"), "gold not a letter");
    }
}
