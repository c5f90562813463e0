package dev.lorapar.tests.rl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.core.MaskMode;
import dev.lorapar.core.Stream;
import dev.lorapar.core.Tensor;
import dev.lorapar.model.LlamaWeights;
import dev.lorapar.model.LoraAdapter;
import dev.lorapar.model.LoraConfig;
import dev.lorapar.model.LoraInit;
import dev.lorapar.model.LoraPair;
import dev.lorapar.model.io.Checkpoint;
import dev.lorapar.model.io.Checkpoints;
import dev.lorapar.rl.GrpoLoss;
import dev.lorapar.rl.GrpoTrainer;
import dev.lorapar.tests.io.SharedData;
import dev.lorapar.tests.support.Numerics;
import dev.lorapar.tests.support.RandomAdapterMasks;
import dev.lorapar.tests.support.Rng;
import dev.lorapar.train.LrSchedule;
import dev.lorapar.train.MaskedAdamW;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * GRPO updates on stories260K (CPU): only the stage-2 mask moves (weight decay 0.1 on, masked elements bit-identical),
 * μ &gt; 1 takes its first step exactly as μ = 1 does and clips later ones, bad input is refused.
 */
class GrpoTrainerTest {
    static final String STORIES = "llama2c-stories260K/stories260K.bin";
    static final MaskedAdamW.Hyper METHOD = new MaskedAdamW.Hyper(0.9f, 0.99f, 1e-8f, 0.1f, 0.1f);

    static List<GrpoTrainer.Sequence> sequences(Rng rng, int n) {
        List<GrpoTrainer.Sequence> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int[] prompt = new int[rng.between(2, 6)], completion = new int[rng.between(1, 9)];
            prompt[0] = 1;
            for (int t = 1; t < prompt.length; t++) {
                prompt[t] = rng.nextInt(512);
            }
            for (int t = 0; t < completion.length; t++) {
                completion[t] = rng.nextInt(512);
            }
            out.add(new GrpoTrainer.Sequence(prompt, completion, 2 * rng.nextDouble() - 1));
        }
        return out;
    }

    static GrpoTrainer trainer(Stream s, LlamaWeights w, LoraAdapter a, int mu) {
        return new GrpoTrainer(s, w, a, new GrpoTrainer.Options(new GrpoLoss.Coefficients(0.04, 0.2), mu, 3, 16),
                new LrSchedule(LrSchedule.Kind.CONSTANT, 1e-2, 0, 100, 0), METHOD);
    }

    @Test
    void onlyTheStage2MaskMoves(TestInfo info) throws IOException {
        Rng rng = Rng.forTest(info);
        try (Checkpoint ckpt = Checkpoints.open(SharedData.require(STORIES)); Stream s = Stream.create(Device.CPU);
             LlamaWeights w = LlamaWeights.upload(ckpt, s, DType.F32);
             LoraAdapter a = LoraAdapter.create(w, LoraConfig.allProjections(4, 32, 2)
                     .withInit(new LoraInit.Gaussian(0.01)), s)) {
            try (RandomAdapterMasks masks = RandomAdapterMasks.set(rng, a, s)) {
                try (GrpoTrainer t = trainer(s, w, a, 1)) {
                    for (int i = 0; i < 3; i++) {
                        GrpoTrainer.Update u = t.update(t.prepare(sequences(rng, 5)));
                        assertEquals(i + 1, u.step());
                        assertTrue(u.gradNorm() > 0 && Double.isFinite(u.loss()), "update " + u);
                    }
                }
                long moved = masks.assertOnlyActiveMoved(a, s, rng.tag());
                assertTrue(moved > 0, "masked-in elements train");
            }
        }
    }

    /** μ = 2: the first update equals μ = 1's bit for bit (ratio exactly 1); the second uses the stored old log-probs. */
    @Test
    void innerUpdatesStartAsOneUpdate(TestInfo info) throws IOException {
        Rng rng = Rng.forTest(info);
        List<GrpoTrainer.Sequence> seqs = sequences(rng, 4);
        List<float[]> afterOne = new ArrayList<>();
        for (int mu : new int[] {1, 2}) {
            try (Checkpoint ckpt = Checkpoints.open(SharedData.require(STORIES)); Stream s = Stream.create(Device.CPU);
                 LlamaWeights w = LlamaWeights.upload(ckpt, s, DType.F32);
                 LoraAdapter a = LoraAdapter.create(w, LoraConfig.allProjections(4, 32, 2)
                         .withInit(new LoraInit.Gaussian(0.05)), s);
                 GrpoTrainer t = trainer(s, w, a, mu)) {
                GrpoTrainer.Batch b = t.prepare(seqs);
                GrpoTrainer.Update first = t.update(b);
                assertEquals(0.0, first.clipFraction(), "ratio is 1 at the first update");
                List<float[]> now = new ArrayList<>();
                for (LoraPair p : a.pairs()) {
                    now.add(p.a().toFloatArray(s));
                    now.add(p.b().toFloatArray(s));
                }
                if (afterOne.isEmpty()) {
                    afterOne.addAll(now);
                } else {
                    for (int i = 0; i < now.size(); i++) {
                        Numerics.assertBitsEqual("param " + i + " after the first update", afterOne.get(i), now.get(i),
                                rng.tag());
                    }
                    GrpoTrainer.Update second = t.update(b);
                    assertEquals(2, second.step());
                    assertTrue(second.clipFraction() >= 0 && second.clipFraction() <= 1);
                    assertTrue(Math.abs(second.loss() - first.loss()) > 0, "the second update sees ratio ≠ 1");
                }
            }
        }
    }

    @Test
    void badInputIsRefused(TestInfo info) throws IOException {
        Rng rng = Rng.forTest(info);
        try (Checkpoint ckpt = Checkpoints.open(SharedData.require(STORIES)); Stream s = Stream.create(Device.CPU);
             LlamaWeights w = LlamaWeights.upload(ckpt, s, DType.F32);
             LoraAdapter a = LoraAdapter.create(w, LoraConfig.allProjections(4, 32, 2), s);
             GrpoTrainer t = trainer(s, w, a, 1)) {
            var e = assertThrows(IllegalArgumentException.class, () -> t.prepare(List.of(
                    new GrpoTrainer.Sequence(new int[12], new int[5], 0.5))));
            assertTrue(e.getMessage().contains("exceeds max sequence 16"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> t.prepare(List.of()));
            assertThrows(IllegalArgumentException.class, () -> new GrpoTrainer.Sequence(new int[2], new int[0], 0));
            assertThrows(IllegalArgumentException.class, () -> new GrpoTrainer.Sequence(new int[2], new int[1], Double.NaN));
            assertTrue(sequences(rng, 1).size() == 1);
        }
    }
}
