package dev.lorapar.tests.eval.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorapar.eval.bench.Accuracy;
import dev.lorapar.eval.bench.AnswerScorer;
import dev.lorapar.eval.bench.Benchmark;
import dev.lorapar.eval.bench.EvalItem;
import dev.lorapar.eval.bench.FewShot;
import dev.lorapar.eval.bench.SubjectAccuracy;
import dev.lorapar.tests.io.SharedData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Every benchmark file of ../shared/data loads completely (counts from its README), with the fields as the file
 * has them; each dataset's own solution, run through its extractor, gives its gold answer. Skipped when the
 * folder is missing.
 */
class BenchmarkFilesTest {
    private static List<EvalItem> load(Benchmark benchmark, String relative) {
        return benchmark.load(SharedData.require(relative));
    }

    private static Path folder(String relative) {
        Path data = SharedData.find();
        Assumptions.assumeTrue(data != null && Files.isDirectory(data.resolve(relative)), relative + " missing");
        return data.resolve(relative);
    }

    /** The fraction of items whose own solution scores as correct. */
    private static double selfConsistency(List<EvalItem> items) {
        long correct = items.stream().filter(i -> AnswerScorer.score(i, i.solution()).correct()).count();
        return (double) correct / items.size();
    }

    @Test
    void gsm8k() {
        List<EvalItem> test = load(Benchmark.GSM8K, "gsm8k/test.jsonl");
        assertEquals(1319, test.size());
        EvalItem first = test.getFirst();
        assertTrue(first.question().startsWith("Janet’s ducks lay 16 eggs per day."), first.question());
        assertEquals("18", first.gold());
        assertEquals("gsm8k/test/0", first.id());
        assertEquals(1, first.source().line());
        assertEquals(1.0, selfConsistency(test));
        assertTrue(test.stream().anyMatch(i -> i.gold().equals("-10")), "a negative gold");
        assertTrue(test.stream().anyMatch(i -> i.gold().equals("1450000")), "\"1,450,000\" without commas");
    }

    @Test
    void mmlu() {
        List<EvalItem> test = Benchmark.MMLU.load(folder("mmlu/test"));
        List<EvalItem> dev = Benchmark.MMLU.load(folder("mmlu/dev"));
        assertEquals(14042, test.size());
        assertEquals(285, dev.size());
        Map<String, Long> devPerSubject = dev.stream().collect(Collectors.groupingBy(EvalItem::subject, Collectors.counting()));
        assertEquals(57, devPerSubject.size());
        assertTrue(devPerSubject.values().stream().allMatch(n -> n == 5));
        assertEquals(devPerSubject.keySet(), test.stream().map(EvalItem::subject).collect(Collectors.toSet()));
        EvalItem first = dev.getFirst();
        assertEquals("abstract_algebra", first.subject());
        assertEquals("Find all c in Z_3 such that Z_3[x]/(x^2 + c) is a field.", first.question());
        assertEquals(List.of("0", "1", "2", "3"), first.choices());
        assertEquals("B", first.gold());
        assertEquals(2, first.source().line());
        assertTrue(test.stream().anyMatch(i -> i.question().contains("\n")), "quoted line breaks are kept");
        for (EvalItem item : test) {
            List<EvalItem> shots = FewShot.firstOfSubject(dev, item, 5);
            assertTrue(shots.stream().allMatch(s -> s.subject().equals(item.subject())), item.id());
        }
    }

    @Test
    void arc() {
        List<EvalItem> challenge = load(Benchmark.ARC_CHALLENGE, "arc/arc_challenge.jsonl");
        List<EvalItem> easy = load(Benchmark.ARC_EASY, "arc/arc_easy.jsonl");
        assertEquals(1172, challenge.size());
        assertEquals(2376, easy.size());
        EvalItem first = easy.getFirst();
        assertEquals("Which statement best explains why photosynthesis is the foundation of most food webs?", first.question());
        assertEquals("A", first.gold());
        assertEquals("Sunlight is the source of energy for nearly all ecosystems.", first.goldText());
    }

    @Test
    void commonsenseQa() {
        List<EvalItem> dev = load(Benchmark.COMMONSENSE_QA, "commonsenseqa/dev_rand_split.jsonl");
        assertEquals(1221, dev.size());
        EvalItem first = dev.getFirst();
        assertEquals("1afa02df02c908a558b4036e80242fac", first.id());
        assertEquals(List.of("bank", "library", "department store", "mall", "new york"), first.choices());
        assertEquals("A", first.gold());
    }

    @Test
    void strategyQa() {
        List<EvalItem> items = load(Benchmark.STRATEGY_QA, "strategyqa/task.json");
        assertEquals(2290, items.size());
        assertEquals("Is it common to see frost during some college commencements?", items.getFirst().question());
        assertEquals("yes", items.getFirst().gold());
        assertEquals(0, items.getFirst().source().index());
        assertEquals(1071, items.stream().filter(i -> i.gold().equals("yes")).count());
        assertEquals(1.0, selfConsistency(items));
    }

    @Test
    void math() {
        List<EvalItem> items = load(Benchmark.MATH, "math/math.jsonl");
        assertEquals(5000, items.size());
        assertEquals("625/648", items.getFirst().gold());
        assertEquals("counting_and_probability", items.getFirst().subject());
        assertEquals(7, items.stream().map(EvalItem::subject).distinct().count());
        SubjectAccuracy own = SubjectAccuracy.of(items.stream().map(i -> AnswerScorer.score(i, i.solution())).toList());
        assertEquals(1187, own.perSubject().get("algebra").total());
        assertEquals(5000, own.micro().total());
        assertEquals(new Accuracy(5000, 5000, 0), own.micro(),
                "the boxed answer of every chain of thought is its gold answer");
    }

    @Test
    void aqua() {
        List<EvalItem> items = load(Benchmark.AQUA, "zero_shot_cot_reasoning/AQuA/test.json");
        assertEquals(254, items.size());
        EvalItem second = items.get(1);
        assertEquals(List.of("$61", "$65", "$67.40", "$70", "$78.20"), second.choices());
        assertEquals("E", second.gold());
        assertEquals(2, second.source().line());
    }

    @Test
    void arithmeticSets() {
        List<EvalItem> svamp = load(Benchmark.SVAMP, "zero_shot_cot_reasoning/SVAMP/SVAMP.json");
        assertEquals(1000, svamp.size());
        EvalItem first = svamp.getFirst();
        assertEquals("chal-1", first.id());
        assertEquals("Each pack of dvds costs 76 dollars. If there is a discount of 25 dollars on each pack How much do "
                + "you have to pay to buy each pack?", first.question());
        assertEquals("51", first.gold());
        assertEquals("Subtraction", first.subject());
        List<EvalItem> multiArith = load(Benchmark.MULTI_ARITH, "zero_shot_cot_reasoning/MultiArith/MultiArith.json");
        assertEquals(600, multiArith.size());
        assertEquals("39", multiArith.getFirst().gold());
        assertTrue(multiArith.getFirst().question().startsWith("For Halloween"), "stripped");
        List<EvalItem> addSub = load(Benchmark.ADD_SUB, "zero_shot_cot_reasoning/AddSub/AddSub.json");
        assertEquals(395, addSub.size());
        assertTrue(addSub.stream().anyMatch(i -> i.gold().equals("9.43")), "string solutions");
        List<EvalItem> singleEq = load(Benchmark.SINGLE_EQ, "zero_shot_cot_reasoning/SingleEq/questions.json");
        assertEquals(508, singleEq.size());
        EvalItem last = singleEq.getLast();
        assertEquals(507, last.source().index());
        assertEquals(1, last.source().line(), "the file is one line: the index locates the record");
        assertTrue(singleEq.stream().anyMatch(i -> i.gold().equals("1.84")));
    }

    @Test
    void everyDefaultFileIsThere() {
        Path data = SharedData.find();
        Assumptions.assumeTrue(data != null, "shared/data missing");
        Assumptions.assumeTrue(Files.isDirectory(data.resolve("mmlu")) && Files.isDirectory(data.resolve("humaneval")),
                data + " is a partial copy without all the benchmarks (the GPU bundle's)");
        for (Benchmark benchmark : Benchmark.values()) {
            assertTrue(Files.exists(benchmark.defaultFile(data)), benchmark.toString());
            assertEquals(benchmark, Benchmark.byKey(benchmark.key()));
        }
    }
}
