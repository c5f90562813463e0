package dev.lorapar.tests.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.pipeline.ClassifyMain;
import dev.lorapar.pipeline.classify.ClassifyRun;
import dev.lorapar.pipeline.classify.Item;
import dev.lorapar.pipeline.classify.Prompts;
import dev.lorapar.serve.Completion;
import dev.lorapar.serve.CompletionRequest;
import dev.lorapar.serve.EngineOptions;
import dev.lorapar.serve.FinishReason;
import dev.lorapar.serve.OpenAiServer;
import dev.lorapar.serve.ServeOptions;
import dev.lorapar.serve.ServingEngine;
import dev.lorapar.tests.io.SharedData;
import dev.lorapar.tokenizer.ChatTurn;
import dev.lorapar.tokenizer.PromptFormat;
import dev.lorapar.train.SftMain;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Classification with teachers served over real HTTP by {@code lorapar serve} (issue 8's end-to-end check): teacher
 * "adapted" is stories260K with a LoRA adapter trained here to answer "System2" to the classification prompt (chosen by
 * the request's model name {@code stories260K.bin:sys2}), teacher "garbage" is the aidreams260K model, whose stories
 * cannot be parsed (one retry, then it abstains), teacher "slow" gets a timeout too short for any answer (an error
 * vote). Every call lands in the journal; a rerun sends no request to either server.
 */
class ClassifyWithServeTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String TARGET = "TinyModel";

    static List<Item> items() {
        List<Item> items = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            String q = i % 2 == 0 ? "What is " + i + " plus 1?" : "Sam had " + i + " apples, got 2 more and ate 1. How many?";
            String a = i % 2 == 0 ? (i + 1) + "\n#### " + (i + 1)
                    : "He had " + i + ".\nThen " + (i + 2) + ".\nThen " + (i + 1) + ".\n#### " + (i + 1);
            items.add(Item.of(i, "data.jsonl", q, a));
        }
        return items;
    }

    /** Chat records teaching the adapter to answer the plain (no role play) classification prompt with "System2". */
    static Path adapterData(Path dir) throws IOException {
        StringBuilder s = new StringBuilder();
        for (int rep = 0; rep < 4; rep++) {
            for (Item item : items()) {
                ObjectNode rec = JSON.createObjectNode();
                ArrayNode m = rec.putArray("messages");
                m.addObject().put("role", "system").put("content", Prompts.system(false, TARGET));
                m.addObject().put("role", "user").put("content", Prompts.user(item, false, TARGET));
                m.addObject().put("role", "assistant").put("content", "System2");
                s.append(rec).append('\n');
            }
        }
        return Files.writeString(dir.resolve("adapter-data.jsonl"), s.toString());
    }

    static int run(String[] args, StringBuilder log, boolean classify) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream ps = new PrintStream(out, true, StandardCharsets.UTF_8);
        int status = classify ? ClassifyMain.run(args, ps, ps) : SftMain.run(args, ps, ps);
        log.append(out.toString(StandardCharsets.UTF_8));
        return status;
    }

    static long requests(ServingEngine e) {
        long n = 0;
        for (FinishReason r : FinishReason.values()) n += e.metrics().finished(r);
        return n;
    }

    int answerTokens;

    @Test
    void teachersServedByLoraparServe(@TempDir Path dir) throws Exception {
        Path stories = SharedData.require("llama2c-stories260K/stories260K.bin");
        Path aidreams = SharedData.require("llama2c-aidreams260K/aidreams260K.bin");
        StringBuilder log = new StringBuilder();
        assertEquals(0, run(new String[] {"--model", stories.toString(), "--train_data", adapterData(dir).toString(),
                "--template", "llama2-chat", "--output_dir", dir.resolve("sft").toString(), "--device", "cpu",
                "--max_length", "512", "--batch_size", "4", "--max_steps", "40", "--epochs", "20", "--lr", "1e-2", "--lora_r", "8",
                "--lora_alpha", "16", "--eval_fraction", "0", "--checkpoint_every", "0", "--warmup_ratio", "0"}, log,
                false), log.toString());
        StringBuilder data = new StringBuilder();
        for (Item item : items()) {
            data.append(JSON.createObjectNode().put("question", item.question()).put("answer", item.answer())).append('\n');
        }
        Path dataFile = Files.writeString(dir.resolve("data.jsonl"), data.toString());
        try (ServingEngine a = ServingEngine.open(stories, Device.CPU, DType.F32, EngineOptions.of(4, 512));
             ServingEngine b = ServingEngine.open(aidreams, Device.CPU, DType.F32, EngineOptions.of(4, 512))) {
            a.loadAdapter("sys2", dir.resolve("sft/adapter"));
            // The llama2.c checkpoints separate stories with BOS and never learned to emit EOS, so the adapted teacher
            // answers with max_tokens = the length of the trained answer "System2 " (its tokens up to the EOS)
            Item first = items().get(1);
            var trained = PromptFormat.LLAMA2_CHAT.encodeDialog(a.tokenizer(), Prompts.system(false, TARGET),
                    List.of(new ChatTurn(Prompts.user(first, false, TARGET), "System2")));
            answerTokens = trained.ids().length - trained.answerStart() - 1;
            int[] prompt = java.util.Arrays.copyOf(trained.ids(), trained.answerStart());
            Completion c = a.generate(CompletionRequest.greedy("sys2", prompt, answerTokens));
            assertEquals("System2", c.text().strip(), "the trained adapter answers: " + java.util.Arrays.toString(c.tokens())
                    + " " + c.finishReason());
            try (OpenAiServer sa = OpenAiServer.start(a, ServeOptions.loopback(0, a.options()));
                 OpenAiServer sb = OpenAiServer.start(b, ServeOptions.loopback(0, b.options()))) {
                ArrayNode teachers = JSON.createArrayNode();
                teachers.addObject().put("name", "adapted").put("type", "openai").put("base_url", sa.baseUrl() + "/v1")
                        .put("model", a.modelName() + ":sys2").put("role_play", false).put("timeout_s", 60)
                        .put("retries", 0).put("max_tokens", answerTokens);
                teachers.addObject().put("name", "garbage").put("type", "openai").put("base_url", sb.baseUrl() + "/v1")
                        .put("model", b.modelName()).put("role_play", false).put("timeout_s", 60).put("retries", 0)
                        .put("max_tokens", 8);
                teachers.addObject().put("name", "slow").put("type", "openai").put("base_url", sa.baseUrl() + "/v1")
                        .put("model", a.modelName()).put("role_play", false).put("timeout_s", 0.001).put("retries", 1)
                        .put("backoff_ms", 1).put("max_tokens", 8);
                Path teachersFile = Files.writeString(dir.resolve("teachers.json"), teachers.toString());
                String[] args = {"--data", dataFile.toString(), "--teachers", teachersFile.toString(), "--target_model",
                        TARGET, "--role_play", "false", "--output_dir", dir.resolve("runs").toString(), "--progress",
                        "silent"};
                assertEquals(0, run(args, log, true), log.toString());
                long servedA = requests(a), servedB = requests(b);
                List<String> journal = Files.readAllLines(dir.resolve("runs/journals/classify.jsonl"));
                assertTrue(servedA >= 6 && servedB >= 6, "both servers answered: " + servedA + ", " + servedB + "\n"
                        + String.join("\n", journal.subList(0, Math.min(6, journal.size()))));

                Path stage;
                try (Stream<Path> s = Files.list(dir.resolve("runs"))) {
                    stage = s.filter(p -> p.getFileName().toString().startsWith("classify-")).findFirst().orElseThrow();
                }
                for (String line : Files.readAllLines(stage.resolve(ClassifyRun.LABELLED))) {
                    JsonNode r = JSON.readTree(line);
                    assertEquals("System2", r.at("/votes/adapted").asText(), "the adapter's answer: " + r + "\n"
                            + String.join("\n", journal.stream().filter(l -> l.contains("\"adapted\"")).toList()));
                    assertTrue(r.at("/votes/garbage").isNull(), "stories are no label: " + r);
                    assertTrue(r.at("/votes/slow").isNull(), "the timeout is an error vote: " + r);
                    assertEquals("System2", r.get("label").asText(), r.toString());
                }
                assertTrue(journal.stream().anyMatch(l -> l.contains("\"teacher\":\"garbage\"")
                        && l.contains("\"status\":\"abstain\"")), "garbage abstains after its retry");
                assertTrue(journal.stream().anyMatch(l -> l.contains("\"teacher\":\"slow\"")
                        && l.contains("\"status\":\"error\"")), "slow fails");

                // a rerun with --force recomputes the stage from the journal: no request reaches either server
                String[] again = java.util.Arrays.copyOf(args, args.length + 2);
                again[args.length] = "--force";
                again[args.length + 1] = "true";
                assertEquals(0, run(again, log, true), log.toString());
                assertEquals(servedA, requests(a), "no repeated call to server A");
                assertEquals(servedB, requests(b), "no repeated call to server B");
            }
        }
    }
}
