package dev.lorapar.tests.eval.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorapar.eval.report.Bootstrap;
import dev.lorapar.eval.report.EvalCompare;
import dev.lorapar.eval.report.EvalRun;
import dev.lorapar.eval.report.EvalRunJson;
import dev.lorapar.eval.report.RunComparison;
import dev.lorapar.tests.support.Rng;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/** lorapar eval --compare: pairing, significance marks, determinism, the table, the command's exit codes. */
class EvalCompareTest {
    @TempDir
    Path dir;

    private static boolean[] shuffled(Rng rng, int n, int k) {
        boolean[] v = Runs.ones(n, k);
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            boolean t = v[i];
            v[i] = v[j];
            v[j] = t;
        }
        return v;
    }

    private static RunComparison compare(EvalRun... runs) {
        List<RunComparison.LabeledRun> labeled = new java.util.ArrayList<>();
        for (int i = 0; i < runs.length; i++) labeled.add(new RunComparison.LabeledRun("run" + (i + 1) + ".json", runs[i]));
        return EvalCompare.compare(labeled, EvalCompare.Options.defaults());
    }

    @Test
    void sharedItemsArePairedAndASmallGainIsSignificant(TestInfo ti) {
        Rng rng = Rng.forTest(ti);
        int n = 500;
        boolean[] a = shuffled(rng, n, 250);
        boolean[] better = a.clone();
        for (int i = 0, flipped = 0; i < n && flipped < 15; i++) if (!a[i]) { better[i] = true; flipped++; }
        RunComparison paired = compare(Runs.binary("gsm8k", "q", a), Runs.binary("gsm8k", "q", better));
        RunComparison.Difference d = paired.row("gsm8k", "accuracy").cells().get(1).difference();
        assertTrue(d.paired(), rng.tag());
        assertEquals(0.03, d.delta(), 1e-12);
        assertTrue(d.significant(), d + " " + rng.tag());
        assertTrue(paired.toMarkdown().contains("| +0.0300 * | ["), paired.toMarkdown());

        // the same numbers on items that are not the same ones: unpaired, within the noise
        RunComparison unpaired = compare(Runs.binary("gsm8k", "q", a), Runs.binary("gsm8k", "other", better));
        RunComparison.Difference u = unpaired.row("gsm8k", "accuracy").cells().get(1).difference();
        assertFalse(u.paired());
        assertFalse(u.significant(), u + " " + rng.tag());
        assertTrue(unpaired.toMarkdown().contains("| +0.0300 | ["), unpaired.toMarkdown());

        // item order does not matter for pairing: a reversed copy of the first run is identical to it
        EvalRun first = Runs.binary("gsm8k", "q", a);
        List<dev.lorapar.eval.report.ItemRecord> reversed = new java.util.ArrayList<>(first.benchmarks().get(0).items());
        java.util.Collections.reverse(reversed);
        EvalRun same = new EvalRun(first.info(), first.ended(),
                List.of(dev.lorapar.eval.report.BenchmarkResult.of("gsm8k", "accuracy", reversed)));
        RunComparison.Difference zero = compare(first, same).row("gsm8k", "accuracy").cells().get(1).difference();
        assertTrue(zero.paired());
        assertEquals(new Bootstrap.Interval(0, 0), zero.ci());
        assertFalse(zero.significant());
    }

    @Test
    void noiseBetweenRunsIsNotSignificant(TestInfo ti) {
        Rng rng = Rng.forTest(ti);
        int n = 400;
        boolean[] a = shuffled(rng, n, 200);
        boolean[] b = a.clone();
        int up = 0;
        int down = 0;
        for (int i = 0; i < n; i++) { // 10 items flip each way: same accuracy
            if (!a[i] && up < 10) { b[i] = true; up++; } else if (a[i] && down < 10) { b[i] = false; down++; }
        }
        RunComparison.Difference d = compare(Runs.binary("arc", "q", a), Runs.binary("arc", "q", b)).row("arc", "accuracy").cells().get(1).difference();
        assertEquals(0, d.delta(), 1e-15);
        assertTrue(d.paired());
        assertTrue(d.ci().low() < 0 && d.ci().high() > 0, d + " " + rng.tag());
        assertFalse(d.significant());
    }

    @Test
    void smallComparisonTableExactly() {
        EvalRun a = MarkdownReportTest.smallRun();
        EvalRun b = Runs.binary("gsm8k", "g", new boolean[] {true, false});
        // C against A unpaired: mean(C*) − mean(A*) = mean(C*) − 1 ∈ {−1, −0.5, 0}, each end with probability 1/4
        String md = compare(a, a, b).toMarkdown();
        String sha = "abababababab";
        String expected = """
                # Comparison of 3 evaluation runs

                - A: `run1.json`: model `/models/llama` sha256 `%1$s`, adapter none, started 2025-01-02T03:04:05Z
                - B: `run2.json`: model `/models/llama` sha256 `%1$s`, adapter none, started 2025-01-02T03:04:05Z
                - C: `run3.json`: model `/models/llama` sha256 `%1$s`, adapter none, started 2025-01-02T03:04:05Z

                | benchmark | metric | A | B | Δ B−A | 95%% CI of Δ | C | Δ C−A | 95%% CI of Δ |
                |---|---|---:|---:|---:|---|---:|---:|---|
                | gsm8k | accuracy | 1.0000 (n 4) | 1.0000 (n 4) | +0.0000 | [+0.0000, +0.0000] paired | 0.5000 (n 2) | -0.5000 | [-1.0000, +0.0000] unpaired |
                | mmlu | accuracy | 0.5000 (n 2) | 0.5000 (n 2) | +0.0000 | [+0.0000, +0.0000] paired | — | — | — |
                | mmlu | macro_accuracy | 0.5000 | 0.5000 | +0.0000 | — | — | — | — |

                \\* the 95%% CI of the difference excludes 0. Percentile bootstrap over items, B = 10000, seed 42; paired: both runs scored the same items, resampled together; unpaired: each run's items resampled on their own.
                """.formatted(sha);
        assertEquals(expected, md);
    }

    @Test
    void sameSeedSameTableOtherSeedOtherIntervals(TestInfo ti) {
        Rng rng = Rng.forTest(ti);
        EvalRun a = Runs.binary("gsm8k", "q", shuffled(rng, 300, 120));
        EvalRun b = Runs.binary("gsm8k", "q", shuffled(rng, 300, 140));
        List<RunComparison.LabeledRun> runs = List.of(new RunComparison.LabeledRun("a", a), new RunComparison.LabeledRun("b", b));
        String one = EvalCompare.compare(runs, new EvalCompare.Options(2000, 5, 0.95)).toMarkdown();
        assertEquals(one, EvalCompare.compare(runs, new EvalCompare.Options(2000, 5, 0.95)).toMarkdown());
        assertNotEquals(one, EvalCompare.compare(runs, new EvalCompare.Options(2000, 6, 0.95)).toMarkdown(), rng.tag());
        // a row's interval does not depend on the other runs in the table
        RunComparison three = EvalCompare.compare(List.of(runs.get(0), runs.get(1), new RunComparison.LabeledRun("c", a)),
                new EvalCompare.Options(2000, 5, 0.95));
        assertEquals(EvalCompare.compare(runs, new EvalCompare.Options(2000, 5, 0.95)).row("gsm8k", "accuracy").cells().get(1),
                three.row("gsm8k", "accuracy").cells().get(1));
        assertNull(three.row("gsm8k", "nothing"));
    }

    @Test
    void commandReadsFilesWritesTableAndReportsErrors(TestInfo ti) throws Exception {
        Rng rng = Rng.forTest(ti);
        Path r1 = dir.resolve("base.json");
        Path r2 = dir.resolve("lora.json");
        EvalRunJson.write(Runs.binary("gsm8k", "q", shuffled(rng, 50, 20)), r1);
        EvalRunJson.write(Runs.binary("gsm8k", "q", shuffled(rng, 50, 30)), r2);
        Path outMd = dir.resolve("cmp/table.md");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = EvalCompare.run(new String[] {"--compare", r1.toString(), r2.toString(), "--resamples", "500", "--seed", "3", "--out", outMd.toString()},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, rc, err.toString(StandardCharsets.UTF_8));
        String expected = EvalCompare.compareFiles(List.of(r1, r2), new EvalCompare.Options(500, 3, 0.95)).toMarkdown();
        assertEquals(expected, out.toString(StandardCharsets.UTF_8));
        assertEquals(expected, Files.readString(outMd));
        assertTrue(expected.contains("- A: `base.json`"), expected);

        assertEquals(2, runCommand(err, r1.toString()));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("at least two run files"));
        assertEquals(2, runCommand(err, r1.toString(), r2.toString(), "--seed", "x"));
        assertEquals(2, runCommand(err, r1.toString(), r2.toString(), "--bogus"));
        Path broken = Files.writeString(dir.resolve("broken.json"), "{\n\"format\": \"lorapar-eval-run\",\n\"version\": 1,\n\"started\": 5\n}");
        assertEquals(1, runCommand(err, r1.toString(), broken.toString()));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains(broken + ":4: started is 5, not a string"), err.toString(StandardCharsets.UTF_8));
    }

    private static int runCommand(ByteArrayOutputStream err, String... args) {
        err.reset();
        return EvalCompare.run(args, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }
}
