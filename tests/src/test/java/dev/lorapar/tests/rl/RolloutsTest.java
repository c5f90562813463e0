package dev.lorapar.tests.rl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.core.Stream;
import dev.lorapar.model.GenerationResult;
import dev.lorapar.model.LlamaGenerator;
import dev.lorapar.model.LlamaWeights;
import dev.lorapar.model.io.Checkpoint;
import dev.lorapar.model.io.Checkpoints;
import dev.lorapar.rl.GrpoData;
import dev.lorapar.rl.RlItem;
import dev.lorapar.rl.Rollout;
import dev.lorapar.rl.RolloutBatch;
import dev.lorapar.rl.RolloutOptions;
import dev.lorapar.rl.Rollouts;
import dev.lorapar.tests.io.SharedData;
import dev.lorapar.tokenizer.ChatTurn;
import dev.lorapar.tokenizer.PromptFormat;
import dev.lorapar.tokenizer.Tokenizer;
import dev.lorapar.tokenizer.Tokenizers;
import dev.lorapar.train.data.ReadOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rollouts on stories260K (CPU): prompts through the template with the system instruction and cut to their last
 * tokens, G completions per prompt in one call, reproducible per (seed, step) and distinct within a group, texts
 * without the stop token; the data reader's shapes become items; the epoch order is a seeded permutation.
 */
class RolloutsTest {
    static final String DIR = "llama2c-stories260K/";

    @Test
    void promptsCompletionsAndSeeds() throws IOException {
        Tokenizer tok = Tokenizers.open(SharedData.require(DIR + "tok512.bin"));
        try (Stream s = Stream.create(Device.CPU);
             Checkpoint ckpt = Checkpoints.open(SharedData.require(DIR + "stories260K.bin"));
             LlamaWeights w = LlamaWeights.upload(ckpt, s, DType.F32);
             LlamaGenerator gen = LlamaGenerator.create(w, s, LlamaGenerator.Options.of(8, 96), tok)) {
            RolloutOptions plain = new RolloutOptions(PromptFormat.PLAIN, "Be brief.", 12, 12, 4, 0.9f, 0, 1f, false,
                    3);
            Rollouts rollouts = new Rollouts(gen, tok, plain);
            RlItem item = RlItem.of("Once upon a time, there was a little girl named Lily. She", "x");
            int[] full = PromptFormat.PLAIN.encode(tok, "Be brief.\n\n" + item.prompt(), null).promptIds();
            assertTrue(full.length > 12, "the prompt is longer than max_prompt");
            assertArrayEquals(Arrays.copyOfRange(full, full.length - 12, full.length), rollouts.promptTokens(item),
                    "the end of the prompt is kept");
            RlItem own = new RlItem("Own.", "Hi", "x", null);
            assertArrayEquals(PromptFormat.PLAIN.encode(tok, "Own.\n\nHi", null).promptIds(),
                    rollouts.promptTokens(own),
                    "a record's system prompt wins");
            Rollouts chat = new Rollouts(gen, tok, new RolloutOptions(PromptFormat.LLAMA2_CHAT,
                    RolloutOptions.XML_SYSTEM_PROMPT, 500, 8, 2, 0.9f, 0, 1f, false, 3));
            assertArrayEquals(PromptFormat.LLAMA2_CHAT.encodeDialog(tok, RolloutOptions.XML_SYSTEM_PROMPT,
                    List.of(new ChatTurn("Hi", null))).promptIds(), chat.promptTokens(RlItem.of("Hi", "x")));

            List<RlItem> items = List.of(item, RlItem.of("Tom had a", "x"));
            RolloutBatch a = rollouts.generate(items, 5, null), again = rollouts.generate(items, 5, null);
            RolloutBatch other = rollouts.generate(items, 6, null);
            assertEquals(8, a.rollouts().size());
            Set<String> group = new HashSet<>();
            boolean differs = false;
            for (int k = 0; k < 8; k++) {
                Rollout r = a.rollouts().get(k);
                assertEquals(k / 4, r.item());
                assertEquals(k % 4, r.index());
                assertTrue(r.completion().length >= 1 && r.completion().length <= 12);
                assertArrayEquals(r.completion(), again.rollouts().get(k).completion(), "same seed, step: same sample");
                differs |= !Arrays.equals(r.completion(), other.rollouts().get(k).completion());
                int[] textIds = r.stop() == GenerationResult.StopReason.STOP_TOKEN
                        ? Arrays.copyOf(r.completion(), r.completion().length - 1) : r.completion();
                assertEquals(tok.decode(textIds), r.text());
                if (r.item() == 0) {
                    group.add(Arrays.toString(r.completion()));
                }
            }
            assertTrue(differs, "another step samples otherwise");
            assertTrue(group.size() > 1, "the completions of a group differ: " + group);
            assertEquals(a.newTokens(), a.rollouts().stream().mapToLong(r -> r.completion().length).sum());
            Set<Long> seeds = new HashSet<>();
            for (int step = 0; step < 4; step++) {
                for (int p = 0; p < 4; p++) {
                    for (int k = 0; k < 8; k++) {
                        seeds.add(Rollouts.completionSeed(42, step, p, k));
                    }
                }
            }
            assertEquals(128, seeds.size(), "a distinct seed for every (step, prompt, index)");
            assertNotEquals(Rollouts.completionSeed(42, 0, 0, 0), Rollouts.completionSeed(43, 0, 0, 0));
            assertThrows(IllegalArgumentException.class, () -> rollouts.generate(List.of(), 0, null));
            RolloutOptions noEos = new RolloutOptions(PromptFormat.PLAIN, null, 12, 6, 2, 0.9f, 0, 1f, true, 3);
            for (Rollout r : new Rollouts(gen, tok, noEos).generate(List.of(item), 0, null).rollouts()) {
                assertEquals(6, r.completion().length, "ignore_eos: full length");
            }
        }
        assertThrows(IllegalArgumentException.class, () -> new RolloutOptions(PromptFormat.PLAIN, null, 8, 8, 1, 0.9f,
                0, 1f, false, 0));
        assertThrows(IllegalArgumentException.class, () -> new RolloutOptions(PromptFormat.PLAIN, null, 8, 8, 2, 0f,
                0, 1f, false, 0));
    }

    @Test
    void dataShapesAndOrder(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("mixed.jsonl");
        Files.writeString(file, """
                {"question": "Q1", "answer": "steps\\n#### 72"}
                {"instruction": "Do it", "input": "", "output": "done", "system": "S"}
                {"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}, {"role": "user", "content": "c"}, {"role": "assistant", "content": "d"}]}
                """);
        GrpoData.Loaded loaded = GrpoData.load(List.of(file), ReadOptions.defaults());
        List<RlItem> items = loaded.items();
        assertEquals(3, items.size());
        assertEquals("Q1", items.get(0).prompt());
        assertEquals("steps\n#### 72", items.get(0).answer());
        assertEquals("S", items.get(1).system());
        assertEquals("c", items.get(2).prompt(), "a dialog's last user message");
        assertEquals("d", items.get(2).answer());
        assertTrue(items.get(0).source().contains("mixed.jsonl:1"), items.get(0).source());
        int[] order = GrpoData.order(10, 42, 0);
        assertArrayEquals(order, GrpoData.order(10, 42, 0));
        assertTrue(!Arrays.equals(order, GrpoData.order(10, 42, 1)), "each epoch has its own order");
        int[] sorted = order.clone();
        Arrays.sort(sorted);
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, sorted, "a permutation");
        assertNotEquals(GrpoData.fingerprint(items, 8, 42), GrpoData.fingerprint(items, 8, 43));
        Path empty = dir.resolve("empty.jsonl");
        Files.writeString(empty, "{\"nothing\": 1}\n");
        assertThrows(IllegalArgumentException.class, () -> GrpoData.load(List.of(empty), ReadOptions.defaults()));
    }
}
