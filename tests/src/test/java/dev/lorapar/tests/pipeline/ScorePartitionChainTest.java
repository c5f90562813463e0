package dev.lorapar.tests.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lorapar.cli.Lorapar;
import dev.lorapar.pipeline.partition.StageMasks;
import dev.lorapar.pipeline.score.ImportanceScores;
import dev.lorapar.pipeline.score.ScoreRun;
import dev.lorapar.tests.io.SharedData;
import dev.lorapar.train.export.PeftNames;
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
 * {@code lorapar score} then {@code lorapar partition} on the trained stories260K (llama2.c, 5 layers): importance
 * files named by PEFT keys for every adapted matrix, the summary, masks for both stages; a second score run is
 * skipped, and changing θ re-runs the partition only.
 */
class ScorePartitionChainTest {
    static final ObjectMapper JSON = new ObjectMapper();

    record Ran(int status, String out, String err) {
    }

    static Ran lorapar(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int status = Lorapar.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Ran(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static List<Path> stageDirs(Path root, String prefix) throws IOException {
        try (Stream<Path> s = Files.list(root)) {
            return s.filter(p -> p.getFileName().toString().startsWith(prefix + "-")).sorted().toList();
        }
    }

    @Test
    void scoreThenPartitionWithCaching(@TempDir Path dir) throws IOException {
        Path model = SharedData.require("llama2c-stories260K/stories260K.bin");
        Path s1 = Files.writeString(dir.resolve("s1.jsonl"), """
                {"question": "What is the cat's name?", "answer": "The cat is Tom."}
                {"question": "Who is happy?", "answer": "Lily is happy."}
                {"question": "Where is the ball?", "answer": "In the park."}
                """);
        Path s2 = Files.writeString(dir.resolve("s2.jsonl"), """
                {"question": "Tom has 3 apples and gets 2 more. How many?", "answer": "He had 3. Then 2 more. 3 + 2 = 5."}
                {"question": "Lily walks 2 miles a day for 3 days. How far?", "answer": "Each day 2. 3 days. 2 * 3 = 6."}
                """);
        Path root = dir.resolve("runs");
        String[] score = {"score", "--model", model.toString(), "--data", "s1=" + s1 + ",s2=" + s2, "--samples", "2",
                "--max_length", "64", "--device", "cpu", "--progress", "silent", "--output_dir", root.toString()};
        Ran first = lorapar(score);
        assertEquals(0, first.status(), first.err());
        List<Path> scoreDirs = stageDirs(root, "score");
        assertEquals(1, scoreDirs.size());
        Path scoreDir = scoreDirs.getFirst();
        JsonNode summary = JSON.readTree(scoreDir.resolve(ScoreRun.SUMMARY).toFile());
        assertEquals(2, summary.at("/systems/0/samples").asLong());
        assertEquals(2, summary.at("/systems/1/samples").asLong());
        assertEquals(8, summary.at("/lora/r").asInt());
        ImportanceScores imp = ImportanceScores.read(scoreDir.resolve("importance-s1.safetensors"), "s1", 2);
        assertEquals(5 * 6 * 2, imp.matrices().size(), "5 layers × QKVGUD × (A, B)");
        assertEquals(PeftNames.loraA(0, dev.lorapar.model.LoraTarget.Q), imp.matrices().getFirst().name());
        // stories260K: dim 64, kv_dim 32, hidden 172, r 8
        long expected = 5L * (8 * 64 + 64 * 8 + 2 * (8 * 64 + 32 * 8) + 2 * (8 * 64 + 172 * 8) + (8 * 172 + 64 * 8));
        assertEquals(expected, imp.elements());
        assertTrue(summary.at("/systems/0/nonzero").asLong() > imp.elements() / 2, "Gaussian init on A and B: most scores non-zero");
        assertEquals(summary.at("/systems/0/elements").asLong(), expected);

        Ran second = lorapar(score);
        assertEquals(0, second.status(), second.err());
        assertTrue(second.out().contains("skipped"), second.out());

        Ran p9 = lorapar("partition", "--scores", scoreDir.toString(), "--theta", "0.9", "--device", "cpu",
                "--output_dir", root.toString());
        assertEquals(0, p9.status(), p9.err());
        Ran p9again = lorapar("partition", "--scores", scoreDir.toString(), "--theta", "0.9", "--device", "cpu",
                "--output_dir", root.toString());
        assertTrue(p9again.out().contains("skipped"), p9again.out());
        Ran p5 = lorapar("partition", "--scores", scoreDir.toString(), "--theta", "0.5", "--device", "cpu",
                "--output_dir", root.toString());
        assertEquals(0, p5.status(), p5.err());
        assertFalse(p5.out().contains("skipped"), p5.out());
        assertEquals(2, stageDirs(root, "partition").size(), "θ changed: one more partition folder");
        assertEquals(1, stageDirs(root, "score").size(), "the score stage is not re-run");
        for (Path p : stageDirs(root, "partition")) {
            byte[] m1 = StageMasks.read(p.resolve("masks/s1"), imp.matrices());
            long active = 0;
            for (byte b : m1) active += b;
            assertTrue(active > 0 && active < m1.length, "stage-1 mask is a proper subset: " + active);
        }
    }
}
