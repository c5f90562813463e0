package dev.lorapar.tests.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.core.Stream;
import dev.lorapar.core.Tensor;
import dev.lorapar.model.GenerationRequest;
import dev.lorapar.model.LlamaGenerator;
import dev.lorapar.model.LlamaWeights;
import dev.lorapar.model.LoraAdapter;
import dev.lorapar.model.LoraConfig;
import dev.lorapar.model.LoraInit;
import dev.lorapar.model.LoraPair;
import dev.lorapar.model.LoraTarget;
import dev.lorapar.model.Sampling;
import dev.lorapar.model.SequenceScorer;
import dev.lorapar.model.io.Checkpoint;
import dev.lorapar.model.io.Checkpoints;
import dev.lorapar.serve.Completion;
import dev.lorapar.serve.CompletionRequest;
import dev.lorapar.serve.EngineOptions;
import dev.lorapar.serve.FinishReason;
import dev.lorapar.serve.Generation;
import dev.lorapar.serve.ServingEngine;
import dev.lorapar.serve.TokenChunk;
import dev.lorapar.serve.UnknownAdapterException;
import dev.lorapar.tests.io.SharedData;
import dev.lorapar.tests.support.Rng;
import dev.lorapar.tokenizer.Tokenizer;
import dev.lorapar.tokenizer.Tokenizers;
import dev.lorapar.train.export.PeftExport;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embeddable API on stories260K (CPU): iterator, Flow.Publisher and blocking results agree; a PEFT adapter loaded
 * by name gives LlamaGenerator's tokens with the same adapter while base requests run beside it (round-robin);
 * scoring equals SequenceScorer; unload, cancel of a waiting request, close with requests in flight, and memory
 * back to where it started.
 */
class ServingEngineTest {
    static final String STORIES = "llama2c-stories260K/stories260K.bin";

    static Tokenizer tokenizer() {
        return Tokenizers.open(SharedData.require(STORIES).resolveSibling("tok512.bin"));
    }

    static ServingEngine open(int slots, int queue) {
        return ServingEngine.open(SharedData.require(STORIES), tokenizer(), Device.CPU, DType.F32,
                new EngineOptions(slots, 96, queue, true));
    }

    @Test
    void iteratorPublisherAndAwaitAgree() throws Exception {
        try (ServingEngine e = open(4, 16)) {
            int[] prompt = e.encodePrompt("Once upon a time");
            CompletionRequest q = new CompletionRequest(null, prompt, 30, Sampling.of(0.8f, 0, 0.9f, 5), null, true);
            Completion blocking = e.generate(q);
            StringBuilder iterated = new StringBuilder();
            Generation g = e.submit(q);
            int chunks = 0;
            for (TokenChunk c : g) {
                iterated.append(c.text());
                chunks += c.token() >= 0 ? 1 : 0;
                assertTrue(c.token() < 0 || c.logprob() <= 0, "a log-probability");
            }
            assertEquals(blocking.text(), iterated.toString(), "seeded sampling: same text");
            assertEquals(blocking.completionTokens(), chunks);
            assertArrayEquals(blocking.tokens(), g.await().tokens());
            assertThrows(IllegalStateException.class, g::iterator, "one consumer");

            CompletableFuture<String> published = new CompletableFuture<>();
            e.submit(q).publisher().subscribe(new Flow.Subscriber<>() {
                final StringBuilder text = new StringBuilder();
                Flow.Subscription sub;

                public void onSubscribe(Flow.Subscription s) {
                    sub = s;
                    s.request(1);
                }

                public void onNext(TokenChunk item) {
                    text.append(item.text());
                    sub.request(1);
                }

                public void onError(Throwable t) {
                    published.completeExceptionally(t);
                }

                public void onComplete() {
                    published.complete(text.toString());
                }
            });
            assertEquals(blocking.text(), published.get(30, TimeUnit.SECONDS));
        }
    }

    /** Streams request q and returns the concatenated chunk text. */
    static String streamed(ServingEngine e, CompletionRequest q) {
        StringBuilder text = new StringBuilder();
        for (TokenChunk c : e.submit(q)) {
            text.append(c.text());
        }
        return text.toString();
    }

    @Test
    void stopStringsCutStreamedAndBlockingTextAlike() throws Exception {
        try (ServingEngine e = open(2, 8)) {
            int[] prompt = e.encodePrompt("Once");
            String full = e.generate(CompletionRequest.greedy(null, prompt, 40)).text();
            assertTrue(full.length() > 30, full);
            String[][] cases = { // stop strings, expected text
                    {full.substring(12, 17), full.substring(0, full.indexOf(full.substring(12, 17)))},
                    {"zzz-never", full},
                    {full.substring(full.length() - 3) + "\u0001", full}, // held back to the end, then released
                    {full.substring(20, 22) + "|" + full.substring(5, 8),
                            full.substring(0, Math.min(full.indexOf(full.substring(20, 22)),
                                    full.indexOf(full.substring(5, 8))))}};
            for (String[] c : cases) {
                List<String> stops = List.of(c[0].split("\\|"));
                CompletionRequest q = new CompletionRequest(null, prompt, 40, Sampling.greedy(), stops, false);
                Completion done = e.generate(q);
                assertEquals(c[1], done.text(), "stops " + stops);
                assertEquals(c[1], streamed(e, q), "streamed, stops " + stops);
                assertEquals(c[1].length() < full.length() ? FinishReason.STOP : FinishReason.LENGTH,
                        done.finishReason(), "stops " + stops);
            }
        }
    }

    /** A rank-4 adapter on q, v, down with random A and B (so it changes the output). */
    static LoraAdapter randomAdapter(LlamaWeights w, Stream s, Rng rng) {
        LoraAdapter a = LoraAdapter.create(w, new LoraConfig(4, 8, EnumSet.of(LoraTarget.Q, LoraTarget.V,
                LoraTarget.DOWN), new LoraInit.PeftDefault(), rng.nextLong()), s);
        for (LoraPair p : a.pairs()) {
            p.a().copyFrom(s, rng.gaussian((int) p.a().numel(), 1 / Math.sqrt(p.a().dim(1))));
            p.b().copyFrom(s, rng.gaussian((int) p.b().numel(), 0.5));
        }
        return a;
    }

    @Test
    void peftAdapterByNameMatchesLlamaGeneratorWhileBaseRequestsRun(TestInfo info, @TempDir Path dir)
            throws Exception {
        Rng rng = Rng.forTest(info);
        try (Checkpoint ckpt = Checkpoints.open(SharedData.require(STORIES)); Stream s = Stream.create(Device.CPU);
             LlamaWeights w = LlamaWeights.upload(ckpt, s, DType.F32); LoraAdapter adapter = randomAdapter(w, s, rng);
             LlamaGenerator ref = LlamaGenerator.create(w, s, LlamaGenerator.Options.of(1, 96), null);
             ServingEngine e = open(6, 32)) {
            PeftExport.write(adapter, s, dir.resolve("peft"), PeftExport.Options.of(null));
            long before = Tensor.liveBytes();
            e.loadAdapter("story", dir.resolve("peft"));
            assertEquals(List.of("story"), e.adapterNames());
            assertThrows(IllegalArgumentException.class, () -> e.loadAdapter("story", dir.resolve("peft")));
            List<int[]> prompts = List.of(e.encodePrompt("Lily"), e.encodePrompt("The dog ran"),
                    e.encodePrompt("Once"), e.encodePrompt("Tom and Sue"));
            List<Generation> adapted = new ArrayList<>(), base = new ArrayList<>();
            for (int[] p : prompts) {
                adapted.add(e.submit(CompletionRequest.greedy("story", p, 40)));
                base.add(e.submit(CompletionRequest.greedy(null, p, 40)));
            }
            int eos = e.tokenizer().eosId();
            boolean differs = false;
            for (int i = 0; i < prompts.size(); i++) {
                GenerationRequest greedy = new GenerationRequest(prompts.get(i), 40, Sampling.greedy(),
                        new int[] {eos}, null);
                int[] withAdapter = ref.generate(List.of(greedy), adapter).get(0).tokens();
                int[] plain = ref.generate(List.of(greedy), null).get(0).tokens();
                assertArrayEquals(withAdapter, adapted.get(i).await().tokens(), "adapter, prompt " + i + " "
                        + rng.tag());
                assertArrayEquals(plain, base.get(i).await().tokens(), "base, prompt " + i);
                differs |= !java.util.Arrays.equals(withAdapter, plain);
            }
            assertTrue(differs, "the adapter changes some output");

            List<int[]> ctx = List.of(prompts.get(0), prompts.get(1));
            List<int[]> cont = List.of(new int[] {300, 301}, new int[] {5});
            try (SequenceScorer scorer = new SequenceScorer(w, s, 96)) {
                List<SequenceScorer.Score> want = scorer.score(ctx, cont, adapter);
                List<SequenceScorer.Score> got = e.score("story", ctx, cont);
                for (int i = 0; i < 2; i++) {
                    assertEquals(want.get(i).logLikelihood(), got.get(i).logLikelihood(), 1e-5, "score " + i);
                }
            }
            e.unloadAdapter("story");
            assertTrue(e.adapterNames().isEmpty());
            assertThrows(UnknownAdapterException.class, () -> e.submit(CompletionRequest.greedy("story",
                    prompts.get(0), 2)));
            assertThrows(UnknownAdapterException.class, () -> e.unloadAdapter("story"));
            assertTrue(Tensor.liveBytes() <= before + (64 << 20), "only the scorer's workspace stays");
        }
    }

    @Test
    void ggufModelWithItsOwnVocabularyMatchesLlamaGenerator() throws Exception {
        Path gguf = SharedData.require("gguf-llama-2-tiny-random/llama-2-tiny-random.gguf");
        try (ServingEngine e = ServingEngine.open(gguf, Device.CPU, DType.F32, new EngineOptions(2, 16, 2, true));
             Checkpoint ckpt = Checkpoints.open(gguf); Stream s = Stream.create(Device.CPU);
             LlamaWeights w = LlamaWeights.upload(ckpt, s, DType.F32);
             LlamaGenerator ref = LlamaGenerator.create(w, s, LlamaGenerator.Options.of(1, 16), null)) {
            assertEquals("llama-2-tiny-random", e.modelName());
            int[] prompt = e.encodePrompt("Hello world");
            assertEquals(32000, e.tokenizer().vocabSize());
            int[] want = ref.generate(List.of(new GenerationRequest(prompt, 3, Sampling.greedy(),
                    new int[] {e.tokenizer().eosId()}, null)), null).get(0).tokens();
            assertArrayEquals(want, e.generate(CompletionRequest.greedy(null, prompt, 3)).tokens());
        }
    }

    @Test
    void cancelWaitingAndCloseInFlight() throws Exception {
        long before = Tensor.liveBytes();
        ServingEngine e = open(1, 4);
        int[] bos = {1};
        Generation running = e.submit(CompletionRequest.greedy(null, bos, 90));
        Generation waiting = e.submit(CompletionRequest.greedy(null, bos, 5));
        running.iterator().next();
        waiting.cancel();
        Completion w = waiting.await();
        assertEquals(FinishReason.CANCELLED, w.finishReason());
        assertEquals(0, w.completionTokens(), "cancelled before it got a row");
        e.close();
        Completion r = running.await();
        assertTrue(r.finishReason() == FinishReason.CANCELLED || r.finishReason() == FinishReason.LENGTH);
        assertThrows(IllegalStateException.class, () -> e.submit(CompletionRequest.greedy(null, bos, 2)));
        assertFalse(e.isOpen());
        assertEquals(before, Tensor.liveBytes(), "every tensor the engine made is freed");
        assertThrows(IllegalArgumentException.class, () -> {
            try (ServingEngine small = open(1, 1)) {
                small.submit(CompletionRequest.greedy(null, new int[90], 10)); // 90 + 10 > 96
            }
        });
    }
}
