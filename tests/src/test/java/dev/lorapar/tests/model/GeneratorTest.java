package dev.lorapar.tests.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.core.MaskMode;
import dev.lorapar.core.Stream;
import dev.lorapar.core.Tensor;
import dev.lorapar.model.GenerationRequest;
import dev.lorapar.model.GenerationResult;
import dev.lorapar.model.GenerationResult.StopReason;
import dev.lorapar.model.LlamaForward;
import dev.lorapar.model.LlamaGenerator;
import dev.lorapar.model.LlamaWeights;
import dev.lorapar.model.LoraAdapter;
import dev.lorapar.model.Sampling;
import dev.lorapar.model.io.Checkpoint;
import dev.lorapar.model.io.Checkpoints;
import dev.lorapar.tests.io.SharedData;
import dev.lorapar.tests.oracle.LoraTarget;
import dev.lorapar.tests.oracle.OracleConfig;
import dev.lorapar.tests.oracle.OracleConfig.Rope;
import dev.lorapar.tests.oracle.OracleModel;
import dev.lorapar.tests.support.Rng;
import dev.lorapar.tokenizer.Llama2cTokenizerLoader;
import dev.lorapar.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * KV-cache generation (LlamaGenerator) on the CPU: the trained checkpoints' reference greedy ids; a batch of prompts
 * of different lengths equal, request by request, to greedy decoding that recomputes the whole prefix (no cache),
 * with a LoRA adapter active and disabled; seeded sampling reproducible; stop tokens, stop strings, maxNewTokens and
 * maxLength; bad requests.
 */
public class GeneratorTest {
    static final String STORIES = "llama2c-stories260K/stories260K.bin";

    /** Generates on {@code device}; the trained checkpoints' greedy ids from BOS (shared by the GPU test). */
    public static void referenceGreedy(Device device, DType dt, boolean graph) {
        String[] models = {STORIES, "llama2c-aidreams260K/aidreams260K.bin"};
        int[][] expected = {ReferenceCheckpointTest.STORIES_IDS, ReferenceCheckpointTest.AIDREAMS_IDS};
        for (int m = 0; m < models.length; m++) {
            try (Checkpoint ckpt = Checkpoints.open(SharedData.require(models[m]));
                 Stream stream = Stream.create(device);
                 LlamaWeights w = LlamaWeights.upload(ckpt, stream, dt);
                 LlamaGenerator g = LlamaGenerator.create(w, stream, new LlamaGenerator.Options(3, 80, graph), null)) {
                int n = expected[m].length;
                GenerationRequest fromBos = GenerationRequest.greedy(new int[] {ReferenceCheckpointTest.BOS}, n);
                List<GenerationResult> out = g.generate(List.of(fromBos, fromBos), null);
                assertArrayEquals(expected[m], out.get(0).tokens(), models[m]);
                assertArrayEquals(expected[m], out.get(1).tokens(), models[m] + " (second row)");
                assertEquals(StopReason.MAX_NEW_TOKENS, out.get(0).reason());
            }
        }
    }

    @Test
    void trainedCheckpointsReproduceTheReferenceGreedyIds() {
        referenceGreedy(Device.CPU, DType.F32, false);
    }

    /** Greedy by recomputing the whole prefix every step: the no-cache reference. */
    static int[] greedyNoCache(Stream s, LlamaWeights w, LoraAdapter adapter, int[] prompt, int steps) {
        int vocab = w.config().vocabSize();
        int[] seq = Arrays.copyOf(prompt, prompt.length + steps);
        for (int n = prompt.length; n < seq.length; n++) {
            try (Tensor logits = LlamaForward.logits(s, w, adapter, new int[][] {Arrays.copyOf(seq, n)})) {
                seq[n] = ReferenceCheckpointTest.argmax(logits.toFloatArray(s), (n - 1) * vocab, vocab);
            }
        }
        return Arrays.copyOfRange(seq, prompt.length, seq.length);
    }

    /** Prompts of lengths 1..9 in one batch, with the adapter on and off: each equals its own no-cache decoding. */
    @Test
    void batchedPromptsMatchNoCacheDecoding(TestInfo info, @TempDir Path dir) throws IOException {
        Rng rng = Rng.forTest(info);
        OracleConfig config = new OracleConfig(48, 61, 2, 6, 2, 97, 1e-5, 10000, Rope.ROTATE_HALF, rng.nextBoolean());
        OracleModel model = OracleModel.random(rng, config, 4, 0.5, EnumSet.allOf(LoraTarget.class), 1.0);
        try (Stream s = Stream.create(Device.CPU); OracleRun run = new OracleRun(model, dir, s, DType.F32, MaskMode.GRADIENT);
             LlamaGenerator g = LlamaGenerator.create(run.weights, s, LlamaGenerator.Options.of(4, 24), null)) {
            List<GenerationRequest> requests = new ArrayList<>();
            for (int len : new int[] {1, 9, 4, 6}) {
                int[] prompt = new int[len];
                for (int i = 0; i < len; i++) {
                    prompt[i] = rng.nextInt(config.vocab());
                }
                requests.add(GenerationRequest.greedy(prompt, 12));
            }
            for (LoraAdapter adapter : new LoraAdapter[] {run.adapter, null}) {
                List<GenerationResult> out = g.generate(requests, adapter);
                for (int r = 0; r < requests.size(); r++) {
                    assertArrayEquals(greedyNoCache(s, run.weights, adapter, requests.get(r).prompt(), 12),
                            out.get(r).tokens(), "request " + r + (adapter == null ? " (adapter disabled)" : "") + " "
                                    + rng.tag());
                }
            }
        }
    }

    /**
     * Repeated prompts in one call (GRPO's G completions, OpenAI's n) are run through the model once and their cache
     * copied: greedy equals no-cache decoding for every request, first occurrence or repeat, and a seeded sampled
     * request gives the tokens it gives alone.
     */
    @Test
    void repeatedPromptsShareTheirPrefill(TestInfo info, @TempDir Path dir) throws IOException {
        Rng rng = Rng.forTest(info);
        OracleConfig config = new OracleConfig(40, 53, 2, 5, 1, 89, 1e-5, 10000, Rope.ROTATE_HALF, rng.nextBoolean());
        OracleModel model = OracleModel.random(rng, config, 3, 0.5, EnumSet.allOf(LoraTarget.class), 1.0);
        int[][] prompts = new int[3][];
        for (int p = 0; p < prompts.length; p++) {
            prompts[p] = new int[rng.between(1, 8)];
            for (int i = 0; i < prompts[p].length; i++) {
                prompts[p][i] = rng.nextInt(config.vocab());
            }
        }
        int[] order = {0, 1, 0, 0, 2, 1, 0}; // prompt of each request: repeats before and after other prompts
        try (Stream s = Stream.create(Device.CPU); OracleRun run = new OracleRun(model, dir, s, DType.F32, MaskMode.GRADIENT);
             LlamaGenerator g = LlamaGenerator.create(run.weights, s, LlamaGenerator.Options.of(order.length, 20),
                     null)) {
            List<GenerationRequest> greedy = new ArrayList<>(), sampled = new ArrayList<>();
            for (int r = 0; r < order.length; r++) {
                int[] prompt = prompts[order[r]].clone(); // equal by content, not the same array
                greedy.add(GenerationRequest.greedy(prompt, 9));
                sampled.add(new GenerationRequest(prompt, 9, Sampling.of(1.0f, 0, 1.0f, 1000 + r), null, null));
            }
            List<GenerationResult> out = g.generate(greedy, run.adapter);
            for (int r = 0; r < order.length; r++) {
                assertArrayEquals(greedyNoCache(s, run.weights, run.adapter, greedy.get(r).prompt(), 9),
                        out.get(r).tokens(), "greedy request " + r + " (prompt " + order[r] + ") " + rng.tag());
            }
            List<GenerationResult> together = g.generate(sampled, run.adapter);
            for (int r = 0; r < order.length; r++) {
                assertArrayEquals(g.generate(List.of(sampled.get(r)), run.adapter).get(0).tokens(),
                        together.get(r).tokens(), "sampled request " + r + " (prompt " + order[r] + ") " + rng.tag());
            }
        }
    }

    @Test
    void seededSamplingIsReproducible() {
        try (Checkpoint ckpt = Checkpoints.open(SharedData.require(STORIES)); Stream s = Stream.create(Device.CPU);
             LlamaWeights w = LlamaWeights.upload(ckpt, s, DType.F32);
             LlamaGenerator g = LlamaGenerator.create(w, s, LlamaGenerator.Options.of(3, 64), null)) {
            int[] bos = {ReferenceCheckpointTest.BOS};
            GenerationRequest a = new GenerationRequest(bos, 40, Sampling.of(1.0f, 40, 0.9f, 12345), null, null);
            GenerationRequest b = new GenerationRequest(bos, 40, Sampling.of(1.0f, 40, 0.9f, 999), null, null);
            List<GenerationResult> first = g.generate(List.of(a, b, a), null);
            assertArrayEquals(first.get(0).tokens(), first.get(2).tokens(), "same seed in one batch");
            assertArrayEquals(first.get(0).tokens(), g.generate(List.of(a), null).get(0).tokens(), "same seed alone");
            assertFalse(Arrays.equals(first.get(0).tokens(), first.get(1).tokens()), "different seeds");
            assertFalse(Arrays.equals(first.get(0).tokens(), ReferenceCheckpointTest.STORIES_IDS), "not greedy");
        }
    }

    @Test
    void stopTokensStringsAndLengths() {
        Path modelFile = SharedData.require(STORIES);
        Tokenizer tok = Llama2cTokenizerLoader.load(modelFile.resolveSibling("tok512.bin"));
        int[] greedy = ReferenceCheckpointTest.STORIES_IDS;
        try (Checkpoint ckpt = Checkpoints.open(modelFile); Stream s = Stream.create(Device.CPU);
             LlamaWeights w = LlamaWeights.upload(ckpt, s, DType.F32);
             LlamaGenerator g = LlamaGenerator.create(w, s, LlamaGenerator.Options.of(4, 20), tok)) {
            int[] bos = {ReferenceCheckpointTest.BOS};
            String text = tok.decode(Arrays.copyOf(greedy, 12));
            String stop = text.substring(text.length() - 4);
            List<GenerationResult> out = g.generate(List.of(
                    new GenerationRequest(bos, 30, Sampling.greedy(), new int[] {greedy[5]}, null),
                    new GenerationRequest(bos, 30, Sampling.greedy(), null, List.of(stop)),
                    GenerationRequest.greedy(bos, 7),
                    GenerationRequest.greedy(bos, 30)), null);
            int firstStop = 0;
            while (greedy[firstStop] != greedy[5]) {
                firstStop++;
            }
            assertArrayEquals(Arrays.copyOf(greedy, firstStop + 1), out.get(0).tokens());
            assertEquals(StopReason.STOP_TOKEN, out.get(0).reason());
            assertEquals(StopReason.STOP_STRING, out.get(1).reason());
            String stopped = tok.decode(out.get(1).tokens());
            assertTrue(stopped.contains(stop) && !tok.decode(Arrays.copyOf(out.get(1).tokens(),
                    out.get(1).tokens().length - 1)).contains(stop), "ends with the token completing '" + stop + "'");
            assertArrayEquals(Arrays.copyOf(greedy, 7), out.get(2).tokens());
            assertEquals(StopReason.MAX_NEW_TOKENS, out.get(2).reason());
            assertEquals(StopReason.MAX_LENGTH, out.get(3).reason());
            assertArrayEquals(Arrays.copyOf(greedy, 20), out.get(3).tokens(), "prompt 1 + 20 new = maxLength + 1");
        }
    }

    @Test
    void badRequestsGiveClearErrors() {
        try (Checkpoint ckpt = Checkpoints.open(SharedData.require(STORIES)); Stream s = Stream.create(Device.CPU);
             LlamaWeights w = LlamaWeights.upload(ckpt, s, DType.F32);
             LlamaGenerator g = LlamaGenerator.create(w, s, LlamaGenerator.Options.of(2, 8), null)) {
            int[] bos = {1};
            assertThrows(IllegalArgumentException.class, () -> g.generate(List.of(), null));
            assertThrows(IllegalArgumentException.class, () -> g.generate(List.of(GenerationRequest.greedy(bos, 2),
                    GenerationRequest.greedy(bos, 2), GenerationRequest.greedy(bos, 2)), null), "3 > maxBatch 2");
            assertThrows(IllegalArgumentException.class, () -> g.generate(List.of(GenerationRequest.greedy(
                    new int[9], 2)), null), "prompt 9 > maxLength 8");
            assertThrows(IllegalArgumentException.class, () -> g.generate(List.of(GenerationRequest.greedy(
                    new int[] {1, 512}, 2)), null), "token outside the vocabulary");
            assertThrows(IllegalArgumentException.class, () -> g.generate(List.of(new GenerationRequest(bos, 2,
                    Sampling.greedy(), null, List.of("x"))), null), "stop strings without a tokenizer");
            assertThrows(IllegalArgumentException.class, () -> Sampling.of(1f, 0, 0f, 1), "topP 0");
            assertThrows(IllegalArgumentException.class, () -> GenerationRequest.greedy(new int[0], 2));
            assertEquals(2, g.generate(List.of(GenerationRequest.greedy(bos, 2)), null).get(0).tokens().length,
                    "still usable after the errors");
        }
    }
}
