package dev.lorapar.tests.eval.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorapar.eval.sandbox.Completions;
import dev.lorapar.eval.sandbox.HumanEvalLoader;
import dev.lorapar.eval.sandbox.HumanEvalProblem;
import dev.lorapar.eval.sandbox.HumanEvalScorer;
import dev.lorapar.eval.sandbox.Limits;
import dev.lorapar.eval.sandbox.Outcome;
import dev.lorapar.eval.sandbox.Sandbox;
import dev.lorapar.eval.sandbox.Status;
import dev.lorapar.tests.io.SharedData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HumanEvalTest {
    static final Limits LIMITS = Limits.defaults().withWallTime(Duration.ofSeconds(3)).withCpuTime(Duration.ofSeconds(3))
            .withMemoryBytes(512L << 20);

    @Test
    void loadsAll164Problems() throws IOException {
        List<HumanEvalProblem> problems = HumanEvalLoader.load(SharedData.require("humaneval/HumanEval.jsonl.gz"));
        assertEquals(164, problems.size());
        assertEquals("HumanEval/0", problems.get(0).taskId());
        assertEquals("has_close_elements", problems.get(0).entryPoint());
        assertEquals("HumanEval/163", problems.get(163).taskId());
        String program = problems.get(0).program("    return True\n");
        assertTrue(program.startsWith(problems.get(0).prompt() + "    return True\n\n"), program);
        assertTrue(program.endsWith("\ncheck(has_close_elements)\n"), program);
    }

    @Test
    void canonicalSolutionsPassAndWrongOnesFail() throws IOException {
        Sandbox sandbox = Sandbox.shared();
        Assumptions.assumeTrue(sandbox.run("pass", LIMITS).passed(), "no working sandbox: " + sandbox.isolation().describe());
        List<HumanEvalProblem> all = HumanEvalLoader.load(SharedData.require("humaneval/HumanEval.jsonl.gz"));
        List<HumanEvalProblem> some = List.of(all.get(0), all.get(2), all.get(12), all.get(53), all.get(100), all.get(163));
        Map<String, List<String>> completions = new LinkedHashMap<>();
        for (HumanEvalProblem p : some) {
            // canonical, wrong (returns None), the canonical followed by a stop sequence and junk (truncated away),
            // an endless loop
            completions.put(p.taskId(), List.of(p.canonicalSolution(), "    return None\n",
                    p.canonicalSolution() + "\ndef junk(:\n", "    while True:\n        pass\n"));
        }
        List<HumanEvalScorer.ProblemResult> results = new HumanEvalScorer(sandbox,
                LIMITS.withWallTime(Duration.ofMillis(700)), 4).score(some, completions);
        for (HumanEvalScorer.ProblemResult r : results) {
            List<HumanEvalScorer.SampleResult> s = r.samples();
            assertEquals(Status.PASSED, s.get(0).outcome().status(), () -> r.taskId() + ": " + s.get(0).outcome());
            assertEquals(Status.FAILED, s.get(1).outcome().status(), () -> r.taskId() + ": " + s.get(1).outcome());
            assertEquals(Status.PASSED, s.get(2).outcome().status(), () -> r.taskId() + ": " + s.get(2).outcome());
            assertEquals(Status.TIMEOUT, s.get(3).outcome().status(), () -> r.taskId() + ": " + s.get(3).outcome());
            assertEquals(4, r.n());
            assertEquals(2, r.c());
        }
        assertEquals(0.5, HumanEvalScorer.passAtK(results, 1), 1e-15);
        assertEquals(1.0 - 1.0 / 6.0, HumanEvalScorer.passAtK(results, 2), 1e-15); // 1 - C(2,2)/C(4,2)
    }

    @Test
    void truncatesAtTheEarliestStopSequence() {
        assertEquals("    return 1\n", Completions.truncate("    return 1\n\ndef other():\n    pass"));
        assertEquals("    x = 1", Completions.truncate("    x = 1\n# comment\nclass A: pass"));
        assertEquals("    y = 2\n", Completions.truncate("    y = 2\n\nif __name__ == '__main__':\n    main()"));
        assertEquals("    z = 3", Completions.truncate("    z = 3\nprint(z)"));
        assertEquals("    # indented comment stays\n    return 0", Completions.truncate("    # indented comment stays\n    return 0"));
        assertEquals("", Completions.truncate("\ndef f(): pass"));
        assertEquals("abc", Completions.truncate("abcXYZ", List.of("Z", "X")));
        assertThrows(IllegalArgumentException.class, () -> Completions.truncate("a", List.of("")));
    }

    @Test
    void badFilesNameTheLine(@TempDir Path dir) throws IOException {
        String good = "{\"task_id\":\"T/0\",\"prompt\":\"def f():\\n\",\"entry_point\":\"f\",\"canonical_solution\":\"    return 1\\n\","
                + "\"test\":\"def check(c):\\n    assert c() == 1\\n\"}";
        Path ok = dir.resolve("ok.jsonl");
        Files.writeString(ok, good + "\n\n");
        HumanEvalProblem p = HumanEvalLoader.load(ok).get(0);
        Outcome o = Sandbox.shared().run(p.program(p.canonicalSolution()), LIMITS);
        Assumptions.assumeTrue(o.status() != Status.SANDBOX_ERROR, o::toString);
        assertEquals(Status.PASSED, o.status(), o::toString);

        Map<String, String> cases = Map.of(
                good + "\n{not json", "ok2.jsonl:2: not JSON",
                good + "\n" + good, "ok2.jsonl:2: task_id T/0 appears twice",
                good.replace("\"entry_point\":\"f\",", ""), "ok2.jsonl:1: missing field entry_point",
                good.replace("\"entry_point\":\"f\"", "\"entry_point\":\"f()\""), "ok2.jsonl:1: entry_point 'f()' is not a Python name",
                good.replace("\"test\":\"def check", "\"test\":\"def verify"), "ok2.jsonl:1: test does not define check",
                good.replace("\"prompt\":\"def f():\\n\"", "\"prompt\":7"), "ok2.jsonl:1: field prompt is not a string",
                "[1]", "ok2.jsonl:1: not a JSON object");
        for (var c : cases.entrySet()) {
            Path f = dir.resolve("ok2.jsonl");
            Files.writeString(f, c.getKey());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HumanEvalLoader.load(f));
            assertTrue(e.getMessage().contains(c.getValue()), e.getMessage() + " should contain " + c.getValue());
        }
    }
}
