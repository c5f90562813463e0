package dev.lorapar.tests.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorapar.eval.EvalMain;
import dev.lorapar.eval.report.EvalRun;
import dev.lorapar.eval.report.EvalRunJson;
import dev.lorapar.tests.io.SharedData;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The eval command end to end on the CPU with stories260K: GSM8K by generation, ARC-Easy / MMLU by likelihood and HumanEval
 * through the sandbox on a few items, the run file holding every item with the model's SHA-256, the Markdown report, and --compare of two runs.
 */
class EvalMainTest {
    static int run(List<String> args, StringBuilder log) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int status = EvalMain.run(args.toArray(String[]::new), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        log.append(out.toString(StandardCharsets.UTF_8)).append(err.toString(StandardCharsets.UTF_8));
        return status;
    }

    @Test
    void evaluatesWritesAndCompares(@TempDir Path dir) throws IOException {
        Path model = SharedData.require("llama2c-stories260K/stories260K.bin");
        SharedData.require("gsm8k/test.jsonl"); // skips where shared/data is a partial copy (the GPU bundle's)
        SharedData.require("arc/arc_easy.jsonl");
        Path data = SharedData.require("mmlu/dev").getParent().getParent();
        StringBuilder log = new StringBuilder();
        SharedData.require("humaneval/HumanEval.jsonl.gz");
        List<String> args = List.of("--model", model.toString(), "--benchmarks", "gsm8k,arc_easy,mmlu,humaneval", "--data_dir",
                data.toString(), "--limit", "3", "--shots", "1", "--max_new_tokens", "12", "--batch_size", "2",
                "--max_prompt_tokens", "480", "--device", "cpu", "--output_dir", dir.toString());
        assertEquals(0, run(args, log), log.toString());
        List<Path> runs;
        try (Stream<Path> files = Files.list(dir)) {
            runs = files.filter(p -> p.toString().endsWith(".json")).toList();
        }
        assertEquals(1, runs.size(), log.toString());
        EvalRun r = EvalRunJson.read(runs.get(0));
        assertEquals(4, r.benchmarks().size());
        for (var b : r.benchmarks()) {
            assertEquals(3, b.items().size(), b.name());
            assertTrue(b.items().stream().allMatch(i -> i.scored()), b.name());
        }
        assertTrue(r.benchmark("gsm8k").items().get(0).prediction() != null, "generated text kept");
        assertEquals(0.0, r.benchmark("humaneval").summary().metrics().get("pass@1"), "stories260K writes no Python");
        assertTrue(r.info().model().sha256().matches("[0-9a-f]{64}"));
        assertTrue(Files.exists(Path.of(runs.get(0).toString().replace(".json", ".md"))));
        StringBuilder cmp = new StringBuilder();
        assertEquals(0, run(List.of("--compare", runs.get(0).toString(), runs.get(0).toString()), cmp), cmp.toString());
        assertTrue(cmp.toString().contains("gsm8k"), cmp.toString());
    }

    /**
     * HumanEval with n samples: two made-up problems whose outcome does not depend on the story model's text (the
     * completion lands inside a string literal that the test closes), one always passing and one always failing, so
     * every item's c/n and the benchmark's pass@k are known: pass@1 = pass@2 = 0.5; sampling is seeded.
     */
    @Test
    void humanEvalSamplesGivePassAtK(@TempDir Path dir) throws IOException {
        Path model = SharedData.require("llama2c-stories260K/stories260K.bin");
        Path problems = dir.resolve("problems.jsonl");
        String test = "\"\"\"\ndef check(candidate):\n    assert candidate() == %d\n";
        Files.writeString(problems, String.join("\n",
                problem("t/pass", String.format(test, 1)), problem("t/fail", String.format(test, 2))) + "\n");
        List<String> args = List.of("--model", model.toString(), "--benchmarks", "humaneval", "--file_humaneval",
                problems.toString(), "--humaneval_samples", "3", "--humaneval_k", "1,2", "--max_new_tokens", "8",
                "--batch_size", "4", "--device", "cpu", "--output_dir", dir.resolve("a").toString());
        StringBuilder log = new StringBuilder();
        assertEquals(0, run(args, log), log.toString());
        EvalRun r = EvalRunJson.read(onlyRun(dir.resolve("a")));
        var he = r.benchmark("humaneval");
        assertEquals(List.of(1.0, 0.0), he.items().stream().map(i -> i.score()).toList(), log.toString());
        assertEquals("3/3 passed", he.items().get(0).extracted());
        assertEquals(0.5, he.summary().metrics().get("pass@1"), 1e-12);
        assertEquals(0.5, he.summary().passAtK().get(2), 1e-12);
        assertTrue(he.items().get(0).generatedTokens() > 8, "tokens of all 3 samples counted");
        List<String> again = new java.util.ArrayList<>(args);
        again.set(again.size() - 1, dir.resolve("b").toString());
        assertEquals(0, run(again, log), log.toString());
        assertEquals(he.items().get(1).prediction(),
                EvalRunJson.read(onlyRun(dir.resolve("b"))).benchmark("humaneval").items().get(1).prediction(),
                "seeded sampling repeats");
        assertEquals(2, run(List.of("--model", model.toString(), "--benchmarks", "humaneval", "--file_humaneval",
                problems.toString(), "--humaneval_samples", "2", "--humaneval_k", "5"), log));
        assertTrue(log.toString().contains("pass@5 needs"), log.toString());
    }

    /** One HumanEval line: f() returns 1, then the prompt opens a triple-quoted string the test's first line closes. */
    static String problem(String id, String test) {
        var json = com.fasterxml.jackson.databind.json.JsonMapper.builder().build();
        var node = json.createObjectNode().put("task_id", id).put("prompt", "def f():\n    return 1\nnote = \"\"\"")
                .put("entry_point", "f").put("canonical_solution", "").put("test", test);
        return node.toString();
    }

    static Path onlyRun(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> runs = files.filter(p -> p.toString().endsWith(".json")).toList();
            assertEquals(1, runs.size(), runs.toString());
            return runs.get(0);
        }
    }

    @Test
    void badArgumentsExitWith2() {
        StringBuilder log = new StringBuilder();
        assertEquals(2, run(List.of("--benchmarks", "gsm8k"), log));
        assertTrue(log.toString().contains("--model is required"), log.toString());
        assertEquals(2, run(List.of("--model", "m.bin", "--benchmarks", "gsm9k"), log));
        assertTrue(log.toString().contains("unknown benchmark"), log.toString());
        assertEquals(2, run(List.of("--model", "m.bin", "--benchmarks", "gsm8k", "--temperature", "1"), log));
    }
}
