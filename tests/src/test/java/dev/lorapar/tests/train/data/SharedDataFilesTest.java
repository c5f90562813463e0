package dev.lorapar.tests.train.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorapar.tests.io.SharedData;
import dev.lorapar.train.data.DataReader;
import dev.lorapar.train.data.Example;
import dev.lorapar.train.data.MalformedPolicy;
import dev.lorapar.train.data.MalformedReason;
import dev.lorapar.train.data.ReadOptions;
import dev.lorapar.train.data.ReadResult;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The real datasets of ../shared/data (counts from its README): each loads completely in its shape, with the
 * texts as the file has them. Skipped when the folder is missing.
 */
class SharedDataFilesTest {
    private static ReadResult readStrict(Path file, ReadOptions options) {
        return DataReader.read(file, options.withPolicy(MalformedPolicy.FAIL));
    }

    @Test
    void gsm8kTrain() {
        Path file = SharedData.require("gsm8k/train.jsonl");
        ReadResult result = readStrict(file, ReadOptions.defaults());
        assertEquals(7473, result.examples().size());
        Example.SingleTurn first = assertInstanceOf(Example.SingleTurn.class, result.examples().getFirst());
        assertTrue(first.prompt().startsWith("Natalia sold clips to 48 of her friends"), first.prompt());
        assertTrue(first.answer().endsWith("#### 72"), first.answer());
        assertEquals(7473, result.examples().getLast().source().line());
    }

    @Test
    void alpacaDemo() {
        Path file = SharedData.require("instructions/alpaca_en_demo.json");
        ReadResult result = readStrict(file, ReadOptions.defaults());
        assertEquals(999, result.examples().size());
        Example.SingleTurn first = assertInstanceOf(Example.SingleTurn.class, result.examples().getFirst());
        assertEquals("Describe a process of making crepes.", first.prompt());
        assertTrue(first.answer().startsWith("Making crepes is an easy"));
        assertEquals(2, first.source().line());
        assertTrue(result.examples().stream().anyMatch(e -> ((Example.SingleTurn) e).prompt().contains("\n\n")),
                "some records have an input");
    }

    @Test
    void wrappedQuestionAnswerArray() {
        Path file = SharedData.require("zero_shot_cot_reasoning/coin_flip/coin_flip.json");
        ReadResult result = readStrict(file, ReadOptions.defaults());
        assertEquals(500, result.examples().size());
        assertEquals("yes", ((Example.SingleTurn) result.examples().getFirst()).answer());
    }

    @Test
    void otherShapesThroughNamedFields() {
        // AQuA: JSONL under a .json name; MATH: context/answer; StrategyQA: a BIG-bench object; HumanEval: gzip
        assertEquals(254, readStrict(SharedData.require("zero_shot_cot_reasoning/AQuA/test.json"),
                ReadOptions.defaults().withFields("question", "rationale")).examples().size());
        assertEquals(5000, readStrict(SharedData.require("math/math.jsonl"),
                ReadOptions.defaults().withFields("context", "chain_of_thought")).examples().size());
        assertEquals(2290, readStrict(SharedData.require("strategyqa/task.json"),
                ReadOptions.defaults().withFields("input", "target")).examples().size());
        assertEquals(164, readStrict(SharedData.require("humaneval/HumanEval.jsonl.gz"),
                ReadOptions.defaults().withFields("prompt", "canonical_solution")).examples().size());
    }

    @Test
    void aFileOfAnotherShapeIsReportedNotDropped() {
        // self-instruct seed tasks: an instruction with "instances" instead of "output"
        Path file = SharedData.require("instructions/seed_tasks.jsonl");
        ReadResult result = DataReader.read(file, ReadOptions.defaults());
        assertEquals(0, result.examples().size());
        assertEquals(Map.of(MalformedReason.MISSING_FIELD, 175L), result.malformedByReason());
        assertEquals("no field 'output'", result.malformed().getFirst().detail());
    }
}
