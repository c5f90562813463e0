package dev.lorapar.demo;

import dev.lorapar.core.DType;
import dev.lorapar.core.Stream;
import dev.lorapar.core.Tensor;
import dev.lorapar.model.LlamaConfig;
import dev.lorapar.model.LlamaWeights;
import java.util.SplittableRandom;

/**
 * A seeded random initialisation of a LLaMA model to pretrain from (GPT-2 / LLaMA practice): every matrix drawn
 * from N(0, 0.02²), the two projections that write into the residual stream (o_proj, down_proj) from
 * N(0, (0.02 / √(2·layers))²), norms 1. Each matrix gets its own values, drawn in a fixed order from one seed.
 */
public final class BaseInit {
    /** The standard deviation of the matrices. */
    public static final double STD = 0.02;

    private BaseInit() {
    }

    /** Fresh F32 weights of {@code config}'s shape on the stream's device. */
    public static LlamaWeights random(LlamaConfig config, Stream stream, long seed) {
        LlamaWeights w = LlamaWeights.randomForBenchmark(config, stream, DType.F32, seed);  // shapes; norms = 1
        try {
            SplittableRandom random = new SplittableRandom(seed);
            double residualStd = STD / Math.sqrt(2.0 * config.nLayers());
            fill(w.embedding(), random, STD, stream);
            for (LlamaWeights.Layer l : w.layers()) {
                fill(l.wq(), random, STD, stream);
                fill(l.wk(), random, STD, stream);
                fill(l.wv(), random, STD, stream);
                fill(l.wo(), random, residualStd, stream);
                fill(l.wGate(), random, STD, stream);
                fill(l.wUp(), random, STD, stream);
                fill(l.wDown(), random, residualStd, stream);
            }
            if (!config.tiedEmbeddings()) {
                fill(w.lmHead(), random, STD, stream);
            }
            stream.synchronize();
            return w;
        } catch (RuntimeException e) {
            w.close();
            throw e;
        }
    }

    private static void fill(Tensor t, SplittableRandom random, double std, Stream stream) {
        float[] values = new float[Math.toIntExact(t.numel())];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (std * random.nextGaussian());
        }
        t.copyFrom(stream, values);
    }
}
