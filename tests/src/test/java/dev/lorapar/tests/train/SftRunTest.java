package dev.lorapar.tests.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorapar.tests.io.SharedData;
import dev.lorapar.tests.support.Rng;
import dev.lorapar.train.OptimizerStep;
import dev.lorapar.train.SftMain;
import dev.lorapar.train.SftRun;
import dev.lorapar.train.TrainConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SFT command end to end on the CPU (stories260K, a small synthetic question/answer file): it trains, evaluates
 * and checkpoints; after a crash, a second run in the same output folder resumes from the last checkpoint and lands
 * on exactly the losses of one uninterrupted run; bad settings and bad data give exit status 2 with the reason.
 */
public class SftRunTest {
    public static Path data(Path dir, Rng rng) throws IOException {
        String[] words = {"cat", "dog", "sun", "tree", "ball", "red", "big", "happy", "ran", "saw"};
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            String q = words[rng.nextInt(10)] + " " + words[rng.nextInt(10)];
            lines.add("{\"question\": \"What is " + q + "?\", \"answer\": \"It is " + q + " " + words[i % 10] + ".\"}");
        }
        lines.add("{\"question\": \"broken\"");
        Path file = dir.resolve("qa.jsonl");
        Files.write(file, lines);
        return file;
    }

    static String[] args(Path model, Path data, Path out, int maxSteps) {
        return new String[] {"--model", model.toString(), "--train_data", data.toString(), "--output_dir", out.toString(),
                "--device", "cpu", "--epochs", "3", "--max_length", "48", "--batch_size", "4", "--grad_accumulation", "2", "--max_steps",
                String.valueOf(maxSteps), "--lr", "5e-3", "--eval_fraction", "0.1", "--eval_every", "3",
                "--checkpoint_every", "2", "--log_every", "1", "--lora_r", "4", "--lora_alpha", "8", "--lora_init", "gaussian", "--seed", "11"};
    }

    static List<String> lossLines(String log) {
        return log.lines().filter(l -> l.startsWith("step ")).toList();
    }

    static String run(String[] args, int expectedStatus) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int status = SftMain.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        String text = out.toString(StandardCharsets.UTF_8) + err.toString(StandardCharsets.UTF_8);
        assertEquals(expectedStatus, status, text);
        return text;
    }

    @Test
    void trainsResumesAndMatchesAnUninterruptedRun(TestInfo info, @TempDir Path dir) throws IOException {
        Rng rng = Rng.forTest(info);
        Path model = SharedData.require("llama2c-stories260K/stories260K.bin");
        Path data = data(dir, rng);
        String whole = run(args(model, data, dir.resolve("whole"), 7), 0);
        List<String> wholeLosses = lossLines(whole);
        assertEquals(7, wholeLosses.size(), whole);
        assertTrue(whole.contains("malformed") || whole.contains("MALFORMED") || whole.contains("INVALID_JSON"),
                "the broken line is reported:\n" + whole);
        assertTrue(whole.contains("eval step 3 loss"), whole);

        // a crash right after step 5 (its checkpoint would come at 6): the resumed run redoes step 5 from step 4's
        ByteArrayOutputStream firstLog = new ByteArrayOutputStream();
        SftRun.RunListener plain = SftRun.RunListener.plain(new PrintStream(firstLog, true, StandardCharsets.UTF_8));
        SftRun.RunListener crashing = new SftRun.RunListener() {
            @Override
            public void stepDone(OptimizerStep.Result r, long tokens, double seconds, long totalSteps) {
                plain.stepDone(r, tokens, seconds, totalSteps);
                if (r.step() == 5) {
                    throw new IllegalStateException("simulated crash");
                }
            }
        };
        assertThrows(IllegalStateException.class, () -> SftRun.run(TrainConfig.parse(args(model, data,
                dir.resolve("split"), 7)), crashing));
        String second = run(args(model, data, dir.resolve("split"), 7), 0);
        assertTrue(second.contains("starting at step 4 of 7"), second);
        List<String> resumed = new ArrayList<>(lossLines(firstLog.toString(StandardCharsets.UTF_8)).subList(0, 4));
        resumed.addAll(lossLines(second));
        assertEquals(wholeLosses, resumed, "losses of 4 + 3 resumed steps vs 7 steps in one run");
        assertEquals(finalLine(whole), finalLine(second));
        assertTrue(Files.isRegularFile(dir.resolve("whole/adapter/adapter_model.safetensors")), "PEFT adapter exported");
        assertTrue(Files.size(dir.resolve("whole/loss.png")) > 1000, "loss curve written");
        List<String> metrics = Files.readAllLines(dir.resolve("whole/metrics.jsonl"));
        assertEquals(7, metrics.stream().filter(l -> l.contains("\"loss\"")).count(), "a record per step\n" + metrics);
        assertTrue(metrics.stream().anyMatch(l -> l.contains("\"eval_loss\"")), "eval records\n" + metrics);
        assertTrue(Files.readString(dir.resolve("whole/adapter/adapter_config.json")).contains("\"r\": 4"));
    }

    static String finalLine(String log) {
        return log.lines().filter(l -> l.startsWith("lorapar sft: done")).findFirst().orElseThrow()
                .replaceAll("outputs in .*", "");
    }

    @Test
    void badSettingsAndDataExitWithStatus2(@TempDir Path dir) throws IOException {
        Path model = SharedData.require("llama2c-stories260K/stories260K.bin");
        String text = run(new String[] {"--model", model.toString()}, 2);
        assertTrue(text.contains("train_data"), text);
        Path empty = dir.resolve("empty.jsonl");
        Files.writeString(empty, "{\"question\": 1}\n");
        text = run(args(model, empty, dir.resolve("o"), 2), 2);
        assertTrue(text.contains("none to train on") || text.contains("no training samples"), text);
        assertEquals(0, SftMain.run(new String[] {"--help"}, new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(new ByteArrayOutputStream())));
    }
}
