package dev.lorapar.tests.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.core.Stream;
import dev.lorapar.core.Tensor;
import dev.lorapar.model.LlamaForward;
import dev.lorapar.model.LlamaWeights;
import dev.lorapar.model.io.Checkpoint;
import dev.lorapar.model.io.Checkpoints;
import dev.lorapar.tests.io.SharedData;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The real trained llama2.c checkpoints of shared/data (README §1e): greedy decoding from BOS on the CPU
 * backend reproduces the documented token ids, and the logits at position 0 match the documented values.
 * The reference numbers come from an independent numpy re-implementation of llama2.c's run.c.
 */
public class ReferenceCheckpointTest {
    public static final int BOS = 1;

    /** stories260K: the first 64 ids after BOS, from shared/data/README.md §1e. */
    public static final int[] STORIES_IDS = {403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426,
        338, 401, 396, 267, 337, 410, 408, 419, 292, 411, 322, 265, 282, 295, 433, 426, 385, 328, 432, 358, 394,
        261, 370, 432, 352, 266, 268, 388, 426, 338, 391, 266, 267, 337, 335, 312, 432, 398, 312, 286, 267, 414,
        270, 333, 415, 426, 13, 438, 310};
    static final float[] STORIES_LOGITS_POS0 = {-6.22292f, 8.40434f, -6.22374f, -6.22254f, -6.22195f, -6.22288f,
        -6.22188f, -6.22342f};

    /** aidreams260K: the first 20 ids after BOS. */
    public static final int[] AIDREAMS_IDS = {319, 459, 355, 260, 275, 429, 339, 315, 374, 327, 446, 262, 421, 392, 275,
        280, 269, 440, 270, 283};

    @Test
    void stories260kLogitsAtPositionZero() {
        try (Checkpoint ckpt = Checkpoints.open(SharedData.require("llama2c-stories260K/stories260K.bin"));
             Stream stream = Stream.create(Device.CPU);
             LlamaWeights weights = LlamaWeights.upload(ckpt, stream, DType.F32);
             Tensor logits = LlamaForward.logits(stream, weights, new int[][] {{BOS}})) {
            float[] row = logits.toFloatArray(stream); // [vocab]
            for (int i = 0; i < STORIES_LOGITS_POS0.length; i++) {
                assertEquals(STORIES_LOGITS_POS0[i], row[i], 1e-4, "logit " + i + " at position 0");
            }
            assertEquals(403, argmax(row, 0, row.length));
            assertEquals(17.02352f, row[403], 1e-4);
        }
    }

    @Test
    void stories260kGreedyFromBos() {
        assertArrayEquals(STORIES_IDS, greedy(Device.CPU, DType.F32, "llama2c-stories260K/stories260K.bin",
                STORIES_IDS.length));
    }

    @Test
    void aidreams260kGreedyFromBos() {
        int[] got = greedy(Device.CPU, DType.F32, "llama2c-aidreams260K/aidreams260K.bin", AIDREAMS_IDS.length);
        assertArrayEquals(AIDREAMS_IDS, got);
    }

    @Test
    void aidreams260kMaxLogitAtPositionZero() {
        try (Checkpoint ckpt = Checkpoints.open(SharedData.require("llama2c-aidreams260K/aidreams260K.bin"));
             Stream stream = Stream.create(Device.CPU);
             LlamaWeights weights = LlamaWeights.upload(ckpt, stream, DType.F32);
             Tensor logits = LlamaForward.logits(stream, weights, new int[][] {{BOS}})) {
            float[] row = logits.toFloatArray(stream);
            assertEquals(319, argmax(row, 0, row.length));
            assertEquals(11.06407f, row[319], 1e-4);
        }
    }

    /** A batch of two different prompts gives each sequence the logits it gets alone (no cross-talk). */
    @Test
    void batchedSequencesAreIndependent() {
        try (Checkpoint ckpt = Checkpoints.open(SharedData.require("llama2c-stories260K/stories260K.bin"));
             Stream stream = Stream.create(Device.CPU);
             LlamaWeights weights = LlamaWeights.upload(ckpt, stream, DType.F32)) {
            int[] a = {BOS, 403, 407, 261}, b = {BOS, 300, 301, 302};
            float[] both, aloneA, aloneB;
            try (Tensor t = LlamaForward.logits(stream, weights, new int[][] {a, b})) { both = t.toFloatArray(stream); }
            try (Tensor t = LlamaForward.logits(stream, weights, new int[][] {a})) { aloneA = t.toFloatArray(stream); }
            try (Tensor t = LlamaForward.logits(stream, weights, new int[][] {b})) { aloneB = t.toFloatArray(stream); }
            int half = aloneA.length;
            assertArrayEquals(aloneA, Arrays.copyOfRange(both, 0, half), 1e-5f);
            assertArrayEquals(aloneB, Arrays.copyOfRange(both, half, 2 * half), 1e-5f);
        }
    }

    /** Greedy decoding from BOS on {@code device} by re-running the whole prefix each step (no KV cache). */
    public static int[] greedy(Device device, DType dtype, String relative, int steps) {
        Path file = SharedData.require(relative);
        try (Checkpoint ckpt = Checkpoints.open(file);
             Stream stream = Stream.create(device);
             LlamaWeights weights = LlamaWeights.upload(ckpt, stream, dtype)) {
            int vocab = ckpt.config().vocabSize();
            int[] seq = new int[steps + 1];
            seq[0] = BOS;
            for (int n = 1; n <= steps; n++) {
                try (Tensor logits = LlamaForward.logits(stream, weights, new int[][] {Arrays.copyOf(seq, n)})) {
                    float[] all = logits.toFloatArray(stream); // [n×vocab]
                    seq[n] = argmax(all, (n - 1) * vocab, vocab);
                }
            }
            assertTrue(steps > 0);
            return Arrays.copyOfRange(seq, 1, steps + 1);
        }
    }

    public static int argmax(float[] v, int offset, int count) {
        int best = 0;
        for (int i = 1; i < count; i++) {
            if (v[offset + i] > v[offset + best]) best = i;
        }
        return best;
    }
}
