package dev.lorapar.tests.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.core.MaskMode;
import dev.lorapar.core.Stream;
import dev.lorapar.model.ContinuousDecoder;
import dev.lorapar.model.ContinuousDecoder.Sequence;
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
import dev.lorapar.core.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * ContinuousDecoder on the CPU: sequences that join a running batch mid-way, leave it, reuse freed rows and run
 * under different adapters produce exactly what LlamaGenerator gives each request alone (greedy and seeded sampling);
 * log-probabilities equal a double-precision log-softmax of the full forward's logits; bad joins are refused.
 */
public class ContinuousDecoderTest {
    /** Each request alone through LlamaGenerator (batch of one). */
    public static List<GenerationResult> alone(LlamaWeights w, Stream s, List<GenerationRequest> requests,
                                               List<LoraAdapter> adapters, int maxLength) {
        List<GenerationResult> out = new ArrayList<>();
        try (LlamaGenerator g = LlamaGenerator.create(w, s, LlamaGenerator.Options.of(1, maxLength), null)) {
            for (int i = 0; i < requests.size(); i++) {
                out.add(g.generate(List.of(requests.get(i)), adapters.get(i)).get(0));
            }
        }
        return out;
    }

    /**
     * Runs the requests through a decoder of {@code slots} rows: request i joins after joinAfter[i] round-robin rounds
     * (when a row is free, else as soon as one is), rounds step every running adapter once. Results in request order.
     */
    public static List<GenerationResult> staggered(LlamaWeights w, Stream s, List<GenerationRequest> requests,
                                                   List<LoraAdapter> adapters, int[] joinAfter, int slots,
                                                   int maxLength) {
        Sequence[] seqs = new Sequence[requests.size()];
        try (ContinuousDecoder d = ContinuousDecoder.create(w, s, ContinuousDecoder.Options.of(slots, maxLength),
                null)) {
            int joined = 0;
            for (int round = 0; joined < requests.size() || !d.running().isEmpty(); round++) {
                while (joined < requests.size() && joinAfter[joined] <= round && d.freeSlots() > 0) {
                    seqs[joined] = d.join(List.of(requests.get(joined)), adapters.get(joined), false).get(0);
                    joined++;
                }
                for (LoraAdapter a : d.runningAdapters()) {
                    d.step(a);
                }
                assertTrue(round < 10_000, "no progress");
            }
            assertEquals(slots, d.freeSlots(), "every row is free at the end");
        }
        List<GenerationResult> out = new ArrayList<>();
        for (Sequence q : seqs) {
            assertTrue(q.finished());
            out.add(q.result());
        }
        return out;
    }

    @Test
    void storiesRequestsJoiningMidwayMatchThemAlone() {
        try (Checkpoint ckpt = Checkpoints.open(SharedData.require(GeneratorTest.STORIES));
             Stream s = Stream.create(Device.CPU); LlamaWeights w = LlamaWeights.upload(ckpt, s, DType.F32)) {
            int bos = ReferenceCheckpointTest.BOS;
            List<GenerationRequest> requests = List.of(
                    GenerationRequest.greedy(new int[] {bos}, 30),
                    GenerationRequest.greedy(new int[] {bos, 403, 407}, 12),
                    new GenerationRequest(new int[] {bos, 300}, 25, Sampling.greedy(), new int[] {261}, null),
                    GenerationRequest.greedy(new int[] {bos, 378, 432, 383, 286}, 1),
                    new GenerationRequest(new int[] {bos}, 20, Sampling.of(0.9f, 40, 0.95f, 77), null, null),
                    GenerationRequest.greedy(new int[] {bos, 420}, 70));
            List<LoraAdapter> none = new ArrayList<>();
            requests.forEach(r -> none.add(null));
            List<GenerationResult> expected = alone(w, s, requests, none, 64);
            // 3 rows for 6 requests: joins at different rounds, rows freed and reused
            List<GenerationResult> got = staggered(w, s, requests, none, new int[] {0, 3, 3, 5, 9, 10}, 3, 64);
            for (int i = 0; i < requests.size(); i++) {
                assertArrayEquals(expected.get(i).tokens(), got.get(i).tokens(), "request " + i);
                assertEquals(expected.get(i).reason(), got.get(i).reason(), "request " + i);
            }
            assertEquals(StopReason.MAX_LENGTH, got.get(5).reason(), "prompt 2 + 70 > maxLength 64");
        }
    }

    @Test
    void tinyModelWithTwoAdaptersRoundRobinMatchesAlone(TestInfo info, @TempDir Path dir) throws IOException {
        Rng rng = Rng.forTest(info);
        OracleConfig config = new OracleConfig(48, 61, 2, 6, 2, 97, 1e-5, 10000, Rope.ROTATE_HALF, rng.nextBoolean());
        OracleModel model = OracleModel.random(rng, config, 4, 0.5, EnumSet.allOf(LoraTarget.class), 1.0);
        try (Stream s = Stream.create(Device.CPU);
             OracleRun run = new OracleRun(model, dir, s, DType.F32, MaskMode.GRADIENT)) {
            List<GenerationRequest> requests = new ArrayList<>();
            List<LoraAdapter> adapters = new ArrayList<>();
            int[] joinAfter = new int[7];
            for (int i = 0; i < 7; i++) {
                int[] prompt = new int[rng.between(1, 9)];
                for (int j = 0; j < prompt.length; j++) {
                    prompt[j] = rng.nextInt(config.vocab());
                }
                requests.add(GenerationRequest.greedy(prompt, rng.between(1, 14)));
                adapters.add(i % 2 == 0 ? run.adapter : null);
                joinAfter[i] = rng.between(0, 8);
            }
            java.util.Arrays.sort(joinAfter);
            List<GenerationResult> expected = alone(run.weights, s, requests, adapters, 24);
            List<GenerationResult> got = staggered(run.weights, s, requests, adapters, joinAfter, 4, 24);
            for (int i = 0; i < requests.size(); i++) {
                assertArrayEquals(expected.get(i).tokens(), got.get(i).tokens(), "request " + i + " "
                        + (adapters.get(i) == null ? "base" : "adapter") + " " + rng.tag());
            }
        }
    }

    @Test
    void logprobsAreTheLogSoftmaxOfTheFullForward(TestInfo info, @TempDir Path dir) throws IOException {
        Rng rng = Rng.forTest(info);
        OracleConfig config = new OracleConfig(24, 37, 1, 4, 2, 53, 1e-5, 10000, Rope.ROTATE_HALF, false);
        OracleModel model = OracleModel.random(rng, config);
        try (Stream s = Stream.create(Device.CPU);
             OracleRun run = new OracleRun(model, dir, s, DType.F32, MaskMode.GRADIENT);
             ContinuousDecoder d = ContinuousDecoder.create(run.weights, s, ContinuousDecoder.Options.of(2, 16), null)) {
            int[] prompt = {3, 17, 5};
            Sequence q = d.join(List.of(GenerationRequest.greedy(prompt, 5)), null, true).get(0);
            while (!q.finished()) {
                d.step(null);
            }
            int vocab = config.vocab();
            int[] full = new int[prompt.length + q.count()];
            System.arraycopy(prompt, 0, full, 0, prompt.length);
            System.arraycopy(q.tokens(), 0, full, prompt.length, q.count());
            try (Tensor logits = LlamaForward.logits(s, run.weights, null, new int[][] {full})) {
                float[] all = logits.toFloatArray(s); // [positions×vocab]
                for (int i = 0; i < q.count(); i++) {
                    int pos = prompt.length - 1 + i;
                    double max = Double.NEGATIVE_INFINITY, sum = 0;
                    for (int v = 0; v < vocab; v++) {
                        max = Math.max(max, all[pos * vocab + v]);
                    }
                    for (int v = 0; v < vocab; v++) {
                        sum += Math.exp(all[pos * vocab + v] - max);
                    }
                    double expected = all[pos * vocab + full[pos + 1]] - max - Math.log(sum);
                    assertEquals(expected, q.logprob(i), 1e-4, "token " + i + " " + rng.tag());
                    assertTrue(q.logprob(i) <= 0);
                }
            }
        }
    }

    @Test
    void leaveFreesTheRowAndBadJoinsAreRefused() {
        try (Checkpoint ckpt = Checkpoints.open(SharedData.require(GeneratorTest.STORIES));
             Stream s = Stream.create(Device.CPU); LlamaWeights w = LlamaWeights.upload(ckpt, s, DType.F32);
             ContinuousDecoder d = ContinuousDecoder.create(w, s, ContinuousDecoder.Options.of(2, 16), null)) {
            int[] bos = {1};
            Sequence a = d.join(List.of(GenerationRequest.greedy(bos, 10)), null, false).get(0);
            d.step(null);
            assertEquals(1, d.freeSlots());
            d.leave(a);
            assertTrue(a.finished() && a.cancelled());
            assertEquals(2, d.freeSlots());
            assertEquals(2, a.count(), "one token at join, one at the step");
            assertThrows(IllegalArgumentException.class, () -> d.join(List.of(GenerationRequest.greedy(bos, 2),
                    GenerationRequest.greedy(bos, 2), GenerationRequest.greedy(bos, 2)), null, false), "3 > 2 free");
            assertThrows(IllegalArgumentException.class, () -> d.join(List.of(GenerationRequest.greedy(new int[17], 2)),
                    null, false), "prompt 17 > maxLength 16");
            assertThrows(IllegalArgumentException.class, () -> d.join(List.of(GenerationRequest.greedy(
                    new int[] {1, 512}, 2)), null, false), "token outside the vocabulary");
            assertThrows(IllegalArgumentException.class, () -> d.join(List.of(new GenerationRequest(bos, 2,
                    Sampling.greedy(), null, List.of("x"))), null, false), "stop strings without a tokenizer");
            assertEquals(2, d.freeSlots(), "refused joins hold no row");
            assertTrue(d.step(null).isEmpty(), "nothing running");
            Sequence b = d.join(List.of(GenerationRequest.greedy(bos, 3)), null, false).get(0);
            while (!b.finished()) {
                d.step(null);
            }
            assertArrayEquals(java.util.Arrays.copyOf(ReferenceCheckpointTest.STORIES_IDS, 3), b.tokens(),
                    "a reused row decodes from scratch");
        }
    }
}
