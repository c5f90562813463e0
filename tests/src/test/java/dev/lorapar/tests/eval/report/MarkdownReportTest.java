package dev.lorapar.tests.eval.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lorapar.eval.report.BenchmarkResult;
import dev.lorapar.eval.report.EvalRun;
import dev.lorapar.eval.report.ItemRecord;
import dev.lorapar.eval.report.MarkdownReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Markdown report of a small run, character for character. */
class MarkdownReportTest {
    @TempDir
    Path dir;

    static EvalRun smallRun() {
        List<ItemRecord> gsm = List.of(
                ItemRecord.builder("g1").correct(true).build(), ItemRecord.builder("g2").correct(true).build(),
                ItemRecord.builder("g3").correct(true).build(), ItemRecord.builder("g4").correct(true).build(),
                ItemRecord.builder("g5").score(Double.NaN).build());
        // two items, one right: every resampled mean is 0, 0.5 or 1, and ~25% of them are 0 and ~25% are 1,
        // so the 2.5% and 97.5% quantiles are exactly 0 and 1
        List<ItemRecord> mmlu = List.of(
                ItemRecord.builder("m1").subject("algebra").correct(true).build(),
                ItemRecord.builder("m2").subject("biology|x").correct(false).build());
        return new EvalRun(Runs.info("/models/llama"), Runs.START.plusSeconds(3662),
                List.of(BenchmarkResult.of("gsm8k", "accuracy", gsm), BenchmarkResult.of("mmlu", "accuracy", mmlu)));
    }

    static final String EXPECTED = """
            # Evaluation run

            - started: 2025-01-02T03:04:05Z
            - ended: 2025-01-02T04:05:07Z (1:01:02)
            - device: cpu
            - model: `/models/llama` (1234 bytes in 2 files, sha256 `abababababababababababababababababababababababababababababababab`)
            - adapter: none
            - config: `max_new_tokens=256`, `shots=0`

            ## gsm8k

            | metric | value | n | 95% CI |
            |---|---:|---:|---|
            | accuracy | 1.0000 | 4 | [1.0000, 1.0000] |

            counts: items 5, scored 4, correct 4

            ## mmlu

            | metric | value | n | 95% CI |
            |---|---:|---:|---|
            | accuracy | 0.5000 | 2 | [0.0000, 1.0000] |
            | macro_accuracy | 0.5000 | — | — |

            counts: items 2, scored 2, correct 1

            ### mmlu by subject

            | subject | accuracy | n |
            |---|---:|---:|
            | algebra | 1.0000 | 1 |
            | biology\\|x | 0.0000 | 1 |

            CI: percentile bootstrap of the mean over items, B = 10000, seed 42.
            """;

    @Test
    void smallRunRendersExactly() throws Exception {
        assertEquals(EXPECTED, MarkdownReport.render(smallRun()));
        Path f = dir.resolve("reports/run.md");
        MarkdownReport.write(smallRun(), f);
        assertEquals(EXPECTED, Files.readString(f));
    }

    @Test
    void levelAndUnfinishedRun() {
        EvalRun run = new EvalRun(Runs.info("/m"), null, List.of());
        String md = MarkdownReport.render(run, 100, 7, 0.9);
        assertEquals(true, md.contains("- ended: not finished\n"), md);
        EvalRun one = Runs.binary("arc", "q", new boolean[] {true, false});
        assertEquals(true, MarkdownReport.render(one, 100, 7, 0.9).contains("| metric | value | n | 90% CI |"));
    }
}
