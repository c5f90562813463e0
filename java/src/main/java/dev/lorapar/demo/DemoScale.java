package dev.lorapar.demo;

import dev.lorapar.model.LlamaConfig;
import dev.lorapar.model.RopeStyle;
import java.util.Locale;

/**
 * A size of the demo: the generated benchmark, the tokenizer's merge count, the base model's shape and how it is
 * pretrained. {@link #cpu} fits a first demo run on 2 CPU cores; {@link #gpu} is a 50–100M-parameter base on
 * thousands of items for an H200; {@link #tiny} is for tests.
 *
 * @param name          tiny, cpu or gpu
 * @param generator     the benchmark sizes (with the seed)
 * @param merges        BPE merges of the tokenizer
 * @param dim           model width
 * @param hiddenDim     SwiGLU width
 * @param layers        decoder layers
 * @param heads         attention heads (MHA)
 * @param maxLength     tokens per training sample, and the model's context
 * @param epochs        passes over the pretraining items
 * @param batchSize     rows per optimizer step (samples are packed into rows)
 * @param lr            peak learning rate (cosine schedule, 5% warm-up)
 */
public record DemoScale(String name, GeneratorConfig generator, int merges, int dim, int hiddenDim, int layers,
                        int heads, int maxLength, int epochs, int batchSize, double lr) {

    public static DemoScale tiny(long seed) {
        return new DemoScale("tiny", GeneratorConfig.tiny(seed), 60, 32, 64, 2, 2, 192, 2, 8, 3e-3);
    }

    public static DemoScale cpu(long seed) {
        return new DemoScale("cpu", GeneratorConfig.cpuDefault(seed), 400, 128, 352, 4, 4, 192, 20, 8, 2e-3);
    }

    public static DemoScale gpu(long seed) {
        return new DemoScale("gpu", GeneratorConfig.gpuScale(seed), 2000, 640, 1728, 12, 10, 256, 8, 32, 8e-4);
    }

    /** tiny, cpu (also "default") or gpu (also "large"). */
    public static DemoScale parse(String name, long seed) {
        return switch (name.trim().toLowerCase(Locale.ROOT)) {
            case "tiny" -> tiny(seed);
            case "cpu", "default" -> cpu(seed);
            case "gpu", "large" -> gpu(seed);
            default -> throw new IllegalArgumentException("unknown scale '" + name + "' (tiny, cpu, gpu)");
        };
    }

    /** The model shape for a tokenizer of {@code vocabSize} pieces. */
    public LlamaConfig modelConfig(int vocabSize) {
        return new LlamaConfig(dim, hiddenDim, layers, heads, heads, vocabSize, maxLength, 1e-5, 10000.0, false,
                RopeStyle.ROTATE_HALF);
    }

    /** The model and training settings as one stable line (part of the cache key). */
    public String describeTraining() {
        return String.format(Locale.ROOT, "pretrain v1 dim=%d hidden=%d layers=%d heads=%d maxLength=%d epochs=%d "
                + "batch=%d lr=%s merges=%d", dim, hiddenDim, layers, heads, maxLength, epochs, batchSize, lr, merges);
    }

    /** Parameters of the base with a vocabulary of {@code vocabSize}. */
    public long parameters(int vocabSize) {
        long perLayer = 4L * dim * dim + 3L * dim * hiddenDim + 2L * dim;
        return layers * perLayer + 2L * vocabSize * dim + dim;
    }
}
