package dev.lorapar.tests.train.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorapar.tests.io.SharedData;
import dev.lorapar.tokenizer.PromptFormat;
import dev.lorapar.train.data.BatchOptions;
import dev.lorapar.train.data.BatchPlan;
import dev.lorapar.train.data.DataSummary;
import dev.lorapar.train.data.DropReason;
import dev.lorapar.train.data.EpochStats;
import dev.lorapar.train.data.EvalSize;
import dev.lorapar.train.data.MalformedReason;
import dev.lorapar.train.data.Progress;
import dev.lorapar.train.data.ReadOptions;
import dev.lorapar.train.data.Sample;
import dev.lorapar.train.data.SampleEncoder;
import dev.lorapar.train.data.SftData;
import dev.lorapar.train.data.SourceLine;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole chain: files → split → samples → batches, and the summary for the log. */
class SftDataTest {
    @TempDir
    Path dir;

    @Test
    void gsm8kEndToEnd() {
        Path file = SharedData.require("gsm8k/train.jsonl");
        SampleEncoder encoder = new SampleEncoder(DataFixtures.llamaTokenizer(), PromptFormat.REFERENCE_SCRIPT,
                SampleEncoder.Options.of(256));
        long start = System.nanoTime();
        SftData data = SftData.load(List.of(file), ReadOptions.defaults(), encoder, EvalSize.fraction(0.02), 42,
                Progress.NONE);
        double seconds = (System.nanoTime() - start) / 1e9;
        DataSummary summary = data.summary();
        assertEquals(7473, summary.examples());
        assertEquals(149, summary.eval().examples());
        assertEquals(7473 - 149, summary.train().examples());
        assertEquals(summary.train().examples(), data.train().size() + summary.train().droppedCount());
        Set<SourceLine> trainLines = new HashSet<>();
        data.train().forEach(s -> trainLines.add(s.source()));
        assertTrue(data.eval().stream().noneMatch(s -> trainLines.contains(s.source())), "eval is never trained on");
        assertEquals(summary.train().tokens(), data.train().stream().mapToLong(Sample::length).sum());
        assertTrue(summary.train().longestSample() <= 256);
        BatchPlan plan = BatchPlan.create(data.train(), BatchOptions.tokens(8 * 256, 256).withPadToMultiple(8), 42);
        EpochStats stats = plan.epochStats(0);
        System.out.printf(Locale.ROOT, "[data] GSM8K train read, split and tokenised in %.2f s; %d batches, padding "
                + "%.1f%%%n%s%n", seconds, stats.batches(), 100 * stats.paddingFraction(), summary);
        assertTrue(stats.paddingFraction() < 0.1);
    }

    @Test
    void summaryListsEveryCount() {
        Path file = DataFixtures.write(dir, "mixed.jsonl", """
                {"question": "Say yes.", "answer": "yes"}
                {"question": "broken", "answer": 1}

                {"question": "%s", "answer": "late"}
                {"question": "Say no.", "answer": "no no no no no no no no no no no no no no no no no no no no"}
                """.formatted("word ".repeat(100)));
        SampleEncoder encoder = new SampleEncoder(DataFixtures.llamaTokenizer(), PromptFormat.REFERENCE_SCRIPT,
                SampleEncoder.Options.of(16));
        SftData data = SftData.load(List.of(file), ReadOptions.defaults(), encoder, EvalSize.NONE, 1, Progress.NONE);
        DataSummary summary = data.summary();
        assertEquals(4, summary.records());
        assertEquals(1, summary.blankLines());
        assertEquals(1L, summary.malformedByReason().get(MalformedReason.WRONG_TYPE));
        assertEquals(2, summary.train().samples());
        assertEquals(1, summary.train().truncated());
        assertEquals(1L, summary.train().droppedByReason().get(DropReason.ANSWER_TRUNCATED));
        List<String> lines = summary.lines(20);
        String text = String.join("\n", lines);
        assertTrue(lines.getFirst().startsWith("data: 1 file(s), 4 records: 3 examples, 1 malformed (WRONG_TYPE 1), "
                + "1 blank lines passed over"), text);
        assertTrue(text.contains("  malformed " + file + ":2: WRONG_TYPE"), text);
        assertTrue(text.contains("train: 3 examples -> 2 samples, 1 truncated, 1 dropped (ANSWER_TRUNCATED 1)"), text);
        assertTrue(text.contains("  dropped " + file + ":4: ANSWER_TRUNCATED"), text);
        assertTrue(text.contains("max 16"), text);
    }

    @Test
    void noTrainingSampleLeftIsAnError() {
        Path file = DataFixtures.write(dir, "bad.jsonl", "{\"question\": \"q\"}\n");
        SampleEncoder encoder = new SampleEncoder(DataFixtures.llamaTokenizer(), PromptFormat.PLAIN,
                SampleEncoder.Options.of(16));
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> SftData.load(List.of(file),
                ReadOptions.defaults(), encoder, EvalSize.NONE, 1, Progress.NONE));
        assertTrue(error.getMessage().contains("MISSING_FIELD"), error.getMessage());
    }
}
