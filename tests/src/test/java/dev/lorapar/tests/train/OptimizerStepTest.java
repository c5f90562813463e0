package dev.lorapar.tests.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.core.MaskMode;
import dev.lorapar.core.Stream;
import dev.lorapar.core.Tensor;
import dev.lorapar.model.LlamaForwardBackward;
import dev.lorapar.model.LlamaWeights;
import dev.lorapar.model.LoraAdapter;
import dev.lorapar.model.LoraConfig;
import dev.lorapar.model.LoraInit;
import dev.lorapar.model.LoraPair;
import dev.lorapar.model.TokenBatch;
import dev.lorapar.model.io.Checkpoint;
import dev.lorapar.model.io.Checkpoints;
import dev.lorapar.tests.io.SharedData;
import dev.lorapar.tests.support.Numerics;
import dev.lorapar.tests.support.RandomAdapterMasks;
import dev.lorapar.tests.support.Rng;
import dev.lorapar.train.LrSchedule;
import dev.lorapar.train.MaskedAdamW;
import dev.lorapar.train.NonFiniteLossException;
import dev.lorapar.train.OptimizerStep;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * SFT optimizer steps on the trained stories260K checkpoint (CPU): the loss falls when a batch is learned, gradient
 * accumulation over micro-batches equals one big batch, masked elements never move, full fine-tuning trains every
 * weight, a NaN loss stops the step before anything moves.
 */
class OptimizerStepTest {
    static final String STORIES = "llama2c-stories260K/stories260K.bin";

    static TokenBatch batch(Rng rng, int rows, int seq, int vocab) {
        int[][] seqs = new int[rows][seq + 1];
        for (int[] s : seqs) {
            s[0] = 1;
            for (int i = 1; i < s.length; i++) {
                s[i] = rng.nextInt(vocab);
            }
        }
        return TokenBatch.nextToken(seqs);
    }

    static LrSchedule flat(double lr) {
        return new LrSchedule(LrSchedule.Kind.CONSTANT, lr, 0, 1000, 0);
    }

    @Test
    void loraLossFallsOnALearnedBatch(TestInfo info) {
        Rng rng = Rng.forTest(info);
        try (Checkpoint ckpt = Checkpoints.open(SharedData.require(STORIES)); Stream s = Stream.create(Device.CPU);
             LlamaWeights w = LlamaWeights.upload(ckpt, s, DType.F32);
             LoraAdapter a = LoraAdapter.create(w, LoraConfig.allProjections(8, 16, 1), s);
             OptimizerStep step = new OptimizerStep(s, w, a, LlamaForwardBackward.Options.of(64), flat(1e-2),
                     MaskedAdamW.Hyper.defaults())) {
            TokenBatch b = batch(rng, 2, 32, w.config().vocabSize());
            double first = step.step(List.of(b)).meanLoss(), last = first;
            for (int i = 0; i < 30; i++) {
                last = step.step(List.of(b)).meanLoss();
            }
            assertTrue(last < 0.5 * first, "loss " + first + " → " + last + " " + rng.tag());
            assertEquals(last, step.evalLoss(List.of(b)), 0.2 * last, "eval loss of the same batch, one step later");
        }
    }

    /** Two micro-batches accumulate to the step of the one batch holding both (mean over all their tokens). */
    @Test
    void accumulationEqualsOneBatch(TestInfo info) {
        Rng rng = Rng.forTest(info);
        TokenBatch b1 = batch(rng, 1, 17, 512), b2 = batch(rng, 2, 17, 512);
        int[][] tokens = {b1.tokens()[0], b2.tokens()[0], b2.tokens()[1]};
        int[][] targets = {b1.targets()[0], b2.targets()[0], b2.targets()[1]};
        TokenBatch both = new TokenBatch(tokens, targets, null, null);
        // AdamW ε = 1e-3 here: with the default 1e-8 an element whose gradient nearly cancels moves by ±lr on the
        // sign of its fp32 rounding, so the two summation orders have no per-element bound; with ε = 1e-3 the update is
        // Lipschitz in the gradient (≤ lr/ε per unit), and the orders agree to float rounding
        MaskedAdamW.Hyper hyper = new MaskedAdamW.Hyper(0.9f, 0.999f, 1e-3f, 0f, 1f);
        List<float[]> viaMicro = train(List.of(b1, b2), hyper), viaOne = train(List.of(both), hyper);
        for (int i = 0; i < viaOne.size(); i++) {
            Numerics.assertClose("param " + i, viaMicro.get(i), viaOne.get(i), 1e-5, rng.tag());
        }
    }

    static List<float[]> train(List<TokenBatch> micro, MaskedAdamW.Hyper hyper) {
        try (Checkpoint ckpt = Checkpoints.open(SharedData.require(STORIES)); Stream s = Stream.create(Device.CPU);
             LlamaWeights w = LlamaWeights.upload(ckpt, s, DType.F32);
             LoraAdapter a = LoraAdapter.create(w, LoraConfig.allProjections(4, 8, 5)
                     .withInit(new LoraInit.Gaussian(0.02)), s);
             OptimizerStep step = new OptimizerStep(s, w, a, LlamaForwardBackward.Options.of(64), flat(1e-3), hyper)) {
            step.step(micro);
            step.step(micro);
            List<float[]> out = new ArrayList<>();
            for (LoraPair p : a.pairs()) {
                out.add(p.a().toFloatArray(s));
                out.add(p.b().toFloatArray(s));
            }
            return out;
        }
    }

    @Test
    void maskedElementsNeverMove(TestInfo info) {
        Rng rng = Rng.forTest(info);
        try (Checkpoint ckpt = Checkpoints.open(SharedData.require(STORIES)); Stream s = Stream.create(Device.CPU);
             LlamaWeights w = LlamaWeights.upload(ckpt, s, DType.F32);
             LoraAdapter a = LoraAdapter.create(w, LoraConfig.allProjections(4, 8, 2)
                     .withInit(new LoraInit.Gaussian(0.02)), s)) {
            try (RandomAdapterMasks masks = RandomAdapterMasks.set(rng, a, s)) {
                try (OptimizerStep step = new OptimizerStep(s, w, a, LlamaForwardBackward.Options.of(64), flat(1e-2),
                        MaskedAdamW.Hyper.defaults())) {
                    TokenBatch b = batch(rng, 2, 20, w.config().vocabSize());
                    for (int i = 0; i < 3; i++) {
                        step.step(List.of(b));
                    }
                }
                long moved = masks.assertOnlyActiveMoved(a, s, rng.tag());
                assertTrue(moved > 0, "active elements train");
            }
        }
    }

    @Test
    void fullFineTuningTrainsEveryWeight(TestInfo info) {
        Rng rng = Rng.forTest(info);
        try (Checkpoint ckpt = Checkpoints.open(SharedData.require(STORIES)); Stream s = Stream.create(Device.CPU);
             LlamaWeights w = LlamaWeights.upload(ckpt, s, DType.F32);
             OptimizerStep step = new OptimizerStep(s, w, null, LlamaForwardBackward.Options.of(64), flat(3e-3),
                     MaskedAdamW.Hyper.defaults())) {
            float[] norm0 = w.finalNorm().toFloatArray(s), wq0 = w.layers().get(0).wq().toFloatArray(s);
            TokenBatch b = batch(rng, 2, 24, w.config().vocabSize());
            double first = step.step(List.of(b)).meanLoss(), last = first;
            for (int i = 0; i < 15; i++) {
                last = step.step(List.of(b)).meanLoss();
            }
            assertTrue(last < 0.7 * first, "full fine-tuning loss " + first + " → " + last);
            assertTrue(Numerics.relativeError(w.finalNorm().toFloatArray(s), norm0) > 0, "norm weights train");
            assertTrue(Numerics.relativeError(w.layers().get(0).wq().toFloatArray(s), wq0) > 0, "projections train");
        }
    }

    @Test
    void aNanLossStopsBeforeAnythingMoves(TestInfo info) {
        Rng rng = Rng.forTest(info);
        try (Checkpoint ckpt = Checkpoints.open(SharedData.require(STORIES)); Stream s = Stream.create(Device.CPU);
             LlamaWeights w = LlamaWeights.upload(ckpt, s, DType.F32);
             LoraAdapter a = LoraAdapter.create(w, LoraConfig.allProjections(4, 8, 3)
                     .withInit(new LoraInit.Gaussian(0.02)), s);
             OptimizerStep step = new OptimizerStep(s, w, a, LlamaForwardBackward.Options.of(64), flat(1e-2),
                     MaskedAdamW.Hyper.defaults())) {
            TokenBatch good = batch(rng, 1, 16, 512);
            step.step(List.of(good));
            LoraPair poisoned = a.pairs().get(3);
            float[] values = poisoned.a().toFloatArray(s);
            values[0] = Float.NaN;
            poisoned.a().copyFrom(s, values);
            float[] other = a.pairs().get(0).b().toFloatArray(s);
            NonFiniteLossException e = assertThrows(NonFiniteLossException.class,
                    () -> step.step(List.of(good, good)));
            assertEquals(2, e.step());
            assertEquals(0, e.microBatch());
            assertTrue(e.getMessage().contains("step 2"), e.getMessage());
            Numerics.assertBitsEqual("untouched", other, a.pairs().get(0).b().toFloatArray(s), rng.tag());
            assertEquals(1, step.steps(), "the failed step did not count");
        }
    }
}
