package dev.lorapar.tests.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.core.Stream;
import dev.lorapar.core.Tensor;
import dev.lorapar.model.LlamaForward;
import dev.lorapar.model.LlamaWeights;
import dev.lorapar.model.SequenceScorer;
import dev.lorapar.model.io.Checkpoint;
import dev.lorapar.model.io.Checkpoints;
import dev.lorapar.tests.io.SharedData;
import dev.lorapar.tests.support.Rng;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/** Continuation log-likelihoods against a log-softmax of LlamaForward's logits computed here, pair by pair. */
class SequenceScorerTest {
    @Test
    void matchesLogSoftmaxOfTheLogits(TestInfo info) {
        Rng rng = Rng.forTest(info);
        try (Checkpoint ckpt = Checkpoints.open(SharedData.require("llama2c-stories260K/stories260K.bin"));
             Stream s = Stream.create(Device.CPU); LlamaWeights w = LlamaWeights.upload(ckpt, s, DType.F32);
             SequenceScorer scorer = new SequenceScorer(w, s, 40)) {
            int vocab = w.config().vocabSize();
            List<int[]> contexts = new ArrayList<>(), continuations = new ArrayList<>();
            for (int i = 0; i < 9; i++) {
                int[] ctx = new int[1 + rng.nextInt(12)], cont = new int[1 + rng.nextInt(5)];
                ctx[0] = 1;
                for (int k = 1; k < ctx.length; k++) ctx[k] = rng.nextInt(vocab);
                for (int k = 0; k < cont.length; k++) cont[k] = rng.nextInt(vocab);
                contexts.add(ctx);
                continuations.add(cont);
            }
            List<SequenceScorer.Score> got = scorer.score(contexts, continuations, null);
            for (int i = 0; i < contexts.size(); i++) {
                int[] ctx = contexts.get(i), cont = continuations.get(i);
                int[] full = Arrays.copyOf(ctx, ctx.length + cont.length);
                System.arraycopy(cont, 0, full, ctx.length, cont.length);
                double expected = 0;
                try (Tensor logits = LlamaForward.logits(s, w, new int[][] {full})) {
                    float[] l = logits.toFloatArray(s); // [n×vocab]
                    for (int k = 0; k < cont.length; k++) {
                        int row = ctx.length - 1 + k;
                        double max = Double.NEGATIVE_INFINITY, sum = 0;
                        for (int v = 0; v < vocab; v++) max = Math.max(max, l[row * vocab + v]);
                        for (int v = 0; v < vocab; v++) sum += Math.exp(l[row * vocab + v] - max);
                        expected += l[row * vocab + cont[k]] - max - Math.log(sum);
                    }
                }
                assertEquals(expected, got.get(i).logLikelihood(), 1e-4 * Math.max(1, Math.abs(expected)),
                        "pair " + i + " " + rng.tag());
                assertEquals(cont.length, got.get(i).tokens());
            }
            assertThrows(IllegalArgumentException.class, () -> scorer.score(List.of(new int[41]), List.of(new int[] {1}), null));
            assertThrows(IllegalArgumentException.class, () -> scorer.score(List.of(new int[] {1}), List.of(new int[0]), null));
        }
    }
}
