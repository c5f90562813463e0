package dev.lorapar.model;

import dev.lorapar.core.DType;
import dev.lorapar.core.Stream;
import dev.lorapar.core.Tensor;
import dev.lorapar.model.io.Checkpoint;
import dev.lorapar.model.io.LlamaTensorNames;
import dev.lorapar.model.io.WeightTensor;
import java.util.ArrayList;
import java.util.List;

/**
 * The weights of a LLaMA model on one device, in one dtype (F32, or BF16 on CUDA), uploaded from a
 * {@link Checkpoint}. Owns every tensor: {@link #close()} frees them all (a tied LM head is the embedding).
 */
public final class LlamaWeights implements AutoCloseable {
    /** One decoder layer; matrices [out×in] row-major as in nn.Linear. */
    public record Layer(Tensor attentionNorm, // [dim]
                        Tensor wq,            // [dim×dim]
                        Tensor wk,            // [kvDim×dim]
                        Tensor wv,            // [kvDim×dim]
                        Tensor wo,            // [dim×dim]
                        Tensor ffnNorm,       // [dim]
                        Tensor wGate,         // [hiddenDim×dim]
                        Tensor wUp,           // [hiddenDim×dim]
                        Tensor wDown) {       // [dim×hiddenDim]
        List<Tensor> all() {
            return List.of(attentionNorm, wq, wk, wv, wo, ffnNorm, wGate, wUp, wDown);
        }

        /** The weight [out×in] of one projection. */
        public Tensor projection(LoraTarget target) {
            return switch (target) {
                case Q -> wq;
                case K -> wk;
                case V -> wv;
                case O -> wo;
                case GATE -> wGate;
                case UP -> wUp;
                case DOWN -> wDown;
            };
        }
    }

    private final LlamaConfig config;
    private final DType dtype;
    private final Tensor embedding; // [vocab×dim]
    private final List<Layer> layers;
    private final Tensor finalNorm; // [dim]
    private final Tensor lmHead;    // [vocab×dim]; the embedding itself when tied
    private LoraAdapter residualOwner; // the PiSSA / OLoRA adapter whose residual the projections hold, or null

    private LlamaWeights(LlamaConfig config, DType dtype, Tensor embedding, List<Layer> layers, Tensor finalNorm,
                         Tensor lmHead) {
        this.config = config;
        this.dtype = dtype;
        this.embedding = embedding;
        this.layers = List.copyOf(layers);
        this.finalNorm = finalNorm;
        this.lmHead = lmHead;
    }

    /**
     * Uploads every tensor of the checkpoint to the stream's device as {@code dtype} (F32 or BF16). On failure
     * everything uploaded so far is freed.
     */
    public static LlamaWeights upload(Checkpoint checkpoint, Stream stream, DType dtype) {
        if (dtype != DType.F32 && dtype != DType.BF16) {
            throw new IllegalArgumentException("LlamaWeights: dtype must be F32 or BF16, got " + dtype);
        }
        LlamaConfig c = checkpoint.config();
        List<Tensor> uploaded = new ArrayList<>();
        try {
            Tensor embedding = upload(checkpoint, LlamaTensorNames.EMBEDDING, stream, dtype, uploaded);
            List<Layer> layers = new ArrayList<>(c.nLayers());
            for (int i = 0; i < c.nLayers(); i++) {
                layers.add(new Layer(
                        upload(checkpoint, LlamaTensorNames.layer(i, LlamaTensorNames.ATTENTION_NORM), stream, dtype, uploaded),
                        upload(checkpoint, LlamaTensorNames.layer(i, LlamaTensorNames.Q), stream, dtype, uploaded),
                        upload(checkpoint, LlamaTensorNames.layer(i, LlamaTensorNames.K), stream, dtype, uploaded),
                        upload(checkpoint, LlamaTensorNames.layer(i, LlamaTensorNames.V), stream, dtype, uploaded),
                        upload(checkpoint, LlamaTensorNames.layer(i, LlamaTensorNames.O), stream, dtype, uploaded),
                        upload(checkpoint, LlamaTensorNames.layer(i, LlamaTensorNames.FFN_NORM), stream, dtype, uploaded),
                        upload(checkpoint, LlamaTensorNames.layer(i, LlamaTensorNames.GATE), stream, dtype, uploaded),
                        upload(checkpoint, LlamaTensorNames.layer(i, LlamaTensorNames.UP), stream, dtype, uploaded),
                        upload(checkpoint, LlamaTensorNames.layer(i, LlamaTensorNames.DOWN), stream, dtype, uploaded)));
            }
            Tensor finalNorm = upload(checkpoint, LlamaTensorNames.FINAL_NORM, stream, dtype, uploaded);
            Tensor lmHead = c.tiedEmbeddings() ? embedding
                    : upload(checkpoint, LlamaTensorNames.LM_HEAD, stream, dtype, uploaded);
            stream.synchronize();
            return new LlamaWeights(c, dtype, embedding, layers, finalNorm, lmHead);
        } catch (RuntimeException e) {
            uploaded.forEach(Tensor::close);
            throw e;
        }
    }

    /**
     * Random weights of {@code config}'s shape for benchmarks: matrices N(0, 0.02²) and norms 1, but every matrix is
     * tiled from one random block of 2²⁰ values uploaded once (so a 7B model is made in seconds, not minutes). Not
     * for training or quality work.
     */
    public static LlamaWeights randomForBenchmark(LlamaConfig c, Stream stream, DType dtype, long seed) {
        if (dtype != DType.F32 && dtype != DType.BF16) {
            throw new IllegalArgumentException("LlamaWeights: dtype must be F32 or BF16, got " + dtype);
        }
        java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
        float[] block = new float[1 << 20];
        for (int i = 0; i < block.length; i++) {
            block[i] = (float) (0.02 * random.nextGaussian());
        }
        List<Tensor> made = new ArrayList<>();
        try (Tensor source = Tensor.of(stream, dtype, block, block.length)) {
            java.util.function.BiFunction<long[], Boolean, Tensor> make = (shape, norm) -> {
                Tensor t = Tensor.empty(stream.device(), dtype, shape);
                made.add(t);
                if (norm) {
                    t.fill(stream, 1.0);
                    return t;
                }
                Tensor flat = t.view(t.numel());
                for (long off = 0; off < t.numel(); off += block.length) {
                    long n = Math.min(block.length, t.numel() - off);
                    dev.lorapar.core.Ops.copy(stream, source.rows(0, n), flat.rows(off, n));
                }
                return t;
            };
            Tensor embedding = make.apply(new long[] {c.vocabSize(), c.dim()}, false);
            List<Layer> layers = new ArrayList<>();
            for (int i = 0; i < c.nLayers(); i++) {
                layers.add(new Layer(make.apply(new long[] {c.dim()}, true),
                        make.apply(new long[] {c.dim(), c.dim()}, false),
                        make.apply(new long[] {c.kvDim(), c.dim()}, false),
                        make.apply(new long[] {c.kvDim(), c.dim()}, false),
                        make.apply(new long[] {c.dim(), c.dim()}, false),
                        make.apply(new long[] {c.dim()}, true),
                        make.apply(new long[] {c.hiddenDim(), c.dim()}, false),
                        make.apply(new long[] {c.hiddenDim(), c.dim()}, false),
                        make.apply(new long[] {c.dim(), c.hiddenDim()}, false)));
            }
            Tensor finalNorm = make.apply(new long[] {c.dim()}, true);
            Tensor lmHead = c.tiedEmbeddings() ? embedding : make.apply(new long[] {c.vocabSize(), c.dim()}, false);
            stream.synchronize();
            return new LlamaWeights(c, dtype, embedding, layers, finalNorm, lmHead);
        } catch (RuntimeException e) {
            made.forEach(Tensor::close);
            throw e;
        }
    }

    private static Tensor upload(Checkpoint checkpoint, String name, Stream stream, DType dtype, List<Tensor> owned) {
        WeightTensor weight = checkpoint.tensor(name);
        Tensor t = Tensor.of(stream, dtype, weight.toFloats(), weight.shape());
        owned.add(t);
        return t;
    }

    public LlamaConfig config() {
        return config;
    }

    public DType dtype() {
        return dtype;
    }

    /** [vocab×dim] */
    public Tensor embedding() {
        return embedding;
    }

    public List<Layer> layers() {
        return layers;
    }

    /** [dim] */
    public Tensor finalNorm() {
        return finalNorm;
    }

    /** [vocab×dim]; the embedding when the checkpoint ties them. */
    public Tensor lmHead() {
        return lmHead;
    }

    /** The PiSSA / OLoRA adapter whose residual W − scale·B₀·A₀ the projections now hold, or null (original weights). */
    public LoraAdapter residualOwner() {
        return residualOwner;
    }

    void setResidualOwner(LoraAdapter owner) {
        this.residualOwner = owner;
    }

    @Override
    public void close() {
        embedding.close();
        layers.forEach(layer -> layer.all().forEach(Tensor::close));
        finalNorm.close();
        lmHead.close(); // a no-op when tied (already closed)
    }
}
