package dev.lorapar.tests.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.core.Stream;
import dev.lorapar.core.Tensor;
import dev.lorapar.model.LlamaForward;
import dev.lorapar.model.LlamaWeights;
import dev.lorapar.model.io.Checkpoint;
import dev.lorapar.model.io.Checkpoints;
import dev.lorapar.tests.oracle.OracleCheckpoints;
import dev.lorapar.tests.oracle.OracleConfig;
import dev.lorapar.tests.oracle.OracleConfig.Rope;
import dev.lorapar.tests.oracle.OracleModel;
import dev.lorapar.tests.oracle.TorchLlama;
import dev.lorapar.tests.oracle.TorchLlama.Precision;
import dev.lorapar.tests.support.Numerics;
import dev.lorapar.tests.support.Rng;
import java.io.IOException;
import java.nio.file.Path;
import java.util.stream.Stream.Builder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * lorapar's LLaMA forward (LlamaForward.logits on the CPU, F32 weights loaded from a Hugging Face folder)
 * against the libtorch oracle (TorchLlama in float64) on random small models of odd sizes: GQA, MQA and MHA,
 * tied and untied heads, both RoPE layouts (an ADJACENT_PAIRS model is written as its rotate-half
 * equivalent), batch 1–3, sequence 1–13. Relative L2 error of the logits ≤ 1e-5.
 */
class TorchOracleForwardTest {
    static final double TOLERANCE = 1e-5;

    /** One shape to check: config, batch, sequence length. */
    record Case(String name, OracleConfig config, int batch, int seq) {
        @Override
        public String toString() {
            return name;
        }
    }

    static java.util.stream.Stream<Arguments> cases() {
        Builder<Arguments> b = java.util.stream.Stream.builder();
        add(b, new Case("MHA dim48 h3 vocab61 1 layer untied B1 S1",
                new OracleConfig(48, 37, 1, 3, 3, 61, 1e-5, 10000, Rope.ROTATE_HALF, false), 1, 1));
        add(b, new Case("GQA dim48 h6/kv2 vocab97 2 layers tied adjacent B2 S7",
                new OracleConfig(48, 61, 2, 6, 2, 97, 1e-5, 10000, Rope.ADJACENT_PAIRS, true), 2, 7));
        add(b, new Case("MQA dim80 h4/kv1 vocab61 3 layers untied B3 S13",
                new OracleConfig(80, 131, 3, 4, 1, 61, 1e-6, 10000, Rope.ROTATE_HALF, false), 3, 13));
        add(b, new Case("MHA dim80 h4 vocab97 2 layers tied adjacent B1 S13",
                new OracleConfig(80, 53, 2, 4, 4, 97, 1e-5, 10000, Rope.ADJACENT_PAIRS, true), 1, 13));
        add(b, new Case("GQA dim48 h4/kv2 vocab97 1 layer untied theta5e5 B3 S7",
                new OracleConfig(48, 29, 1, 4, 2, 97, 1e-6, 500000, Rope.ROTATE_HALF, false), 3, 7));
        add(b, new Case("GQA dim48 h3/kv1 vocab61 3 layers tied B2 S13",
                new OracleConfig(48, 67, 3, 3, 1, 61, 1e-5, 10000, Rope.ROTATE_HALF, true), 2, 13));
        return b.build();
    }

    private static void add(Builder<Arguments> b, Case c) {
        b.add(Arguments.of(c));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void logitsMatchTheOracle(Case c, TestInfo info, @TempDir Path dir) throws IOException {
        Rng rng = Rng.forTest(info);
        check(rng, OracleModel.random(rng, c.config()), c.batch(), c.seq(), dir);
    }

    /** A fresh random shape each run (seed printed on failure). */
    @Test
    void logitsMatchTheOracleOnARandomShape(TestInfo info, @TempDir Path dir) throws IOException {
        Rng rng = Rng.forTest(info);
        OracleConfig config = OracleConfig.random(rng);
        check(rng, OracleModel.random(rng, config), rng.between(1, 3), rng.pick(1, 2, 5, 7, 11, 13), dir);
    }

    /**
     * The comparison resolves a RoPE error: the oracle told the wrong pairing (same weights) disagrees with
     * lorapar far beyond the tolerance, so the tests above could fail.
     */
    @Test
    void aWrongRopeLayoutIsDetected(TestInfo info, @TempDir Path dir) throws IOException {
        Rng rng = Rng.forTest(info);
        OracleConfig config = new OracleConfig(48, 37, 1, 4, 2, 61, 1e-5, 10000, Rope.ROTATE_HALF, false);
        OracleModel model = OracleModel.random(rng, config);
        int[][] tokens = randomTokens(rng, config.vocab(), 2, 7);
        float[] got = lorapar(model, tokens, dir);
        double[] wrong = TorchLlama.logits(model.withConfig(config.withRope(Rope.ADJACENT_PAIRS)), tokens, Precision.FLOAT64);
        double err = Numerics.relativeError(got, wrong);
        assertTrue(err > 1e-3, "swapping the RoPE layout changed the logits by only " + err + " " + rng.tag());
    }

    private static void check(Rng rng, OracleModel model, int batch, int seq, Path dir) throws IOException {
        int[][] tokens = randomTokens(rng, model.config().vocab(), batch, seq);
        String context = model.config() + " batch " + batch + " seq " + seq + " " + rng.tag();
        double[] oracle = TorchLlama.logits(model, tokens, Precision.FLOAT64); // [B·S × vocab]
        float[] got = lorapar(model, tokens, dir);                               // [B·S × vocab]
        Numerics.assertClose("logits", got, oracle, TOLERANCE, context);
        // The float32 oracle agrees with the float64 one (its own sanity, same bound).
        double[] oracle32 = TorchLlama.logits(model, tokens, Precision.FLOAT32);
        Numerics.assertClose("float32 oracle logits", toFloat(oracle32), oracle, TOLERANCE, context);
    }

    /** lorapar's logits [B·S × vocab] of {@code model} written as a HF folder and loaded as F32 on the CPU. */
    private static float[] lorapar(OracleModel model, int[][] tokens, Path dir) throws IOException {
        Path folder = OracleCheckpoints.writeHuggingFace(model, dir.resolve("hf"), 64);
        try (Checkpoint ckpt = Checkpoints.open(folder);
             Stream stream = Stream.create(Device.CPU);
             LlamaWeights weights = LlamaWeights.upload(ckpt, stream, DType.F32);
             Tensor logits = LlamaForward.logits(stream, weights, tokens)) {
            return logits.toFloatArray(stream);
        }
    }

    static int[][] randomTokens(Rng rng, int vocab, int batch, int seq) {
        int[][] tokens = new int[batch][seq];
        for (int[] row : tokens) {
            for (int t = 0; t < seq; t++) row[t] = rng.nextInt(vocab);
        }
        return tokens;
    }

    private static float[] toFloat(double[] v) {
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) out[i] = (float) v[i];
        return out;
    }
}
