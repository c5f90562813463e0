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
 * Projections sharing an input are stacked (see {@link Layer}).
 */
public final class LlamaWeights implements AutoCloseable {
    /**
     * One decoder layer; matrices [out×in] row-major as in nn.Linear. In uploaded weights wq, wk, wv (when kvDim = dim)
     * are the matrices of one stack {@code qkv} [3×dim×dim] and wGate, wUp those of {@code gateUp} [2×hidden×dim], so
     * that a decode step projects into q, k, v (gate, up) with one batched GEMM; both are null elsewhere (gradients).
     */
    public record Layer(Tensor attentionNorm, // [dim]
                        Tensor wq,            // [dim×dim]
                        Tensor wk,            // [kvDim×dim]
                        Tensor wv,            // [kvDim×dim]
                        Tensor wo,            // [dim×dim]
                        Tensor ffnNorm,       // [dim]
                        Tensor wGate,         // [hiddenDim×dim]
                        Tensor wUp,           // [hiddenDim×dim]
                        Tensor wDown,         // [dim×hiddenDim]
                        Tensor qkv,           // [3×dim×dim] whose matrices are wq, wk, wv; or null
                        Tensor gateUp) {      // [2×hiddenDim×dim] whose matrices are wGate, wUp; or null
        /** Every tensor the layer owns (the stacks, not the views of them). */
        List<Tensor> all() {
            List<Tensor> all = new ArrayList<>(List.of(attentionNorm, wq, wk, wv, wo, ffnNorm, wGate, wUp, wDown));
            if (qkv != null) {
                all.add(qkv);
            }
            if (gateUp != null) {
                all.add(gateUp);
            }
            return all;
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
                final int layer = i;
                java.util.function.Function<String, WeightTensor> values =
                        name -> checkpoint.tensor(LlamaTensorNames.layer(layer, name));
                layers.add(stackedLayer(c, stream, dtype, uploaded, values,
                        upload(checkpoint, LlamaTensorNames.layer(i, LlamaTensorNames.ATTENTION_NORM), stream, dtype, uploaded),
                        upload(checkpoint, LlamaTensorNames.layer(i, LlamaTensorNames.O), stream, dtype, uploaded),
                        upload(checkpoint, LlamaTensorNames.layer(i, LlamaTensorNames.FFN_NORM), stream, dtype, uploaded),
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
            java.util.function.Consumer<Tensor> fillTiled = t -> {
                Tensor flat = t.view(t.numel());
                for (long off = 0; off < t.numel(); off += block.length) {
                    long n = Math.min(block.length, t.numel() - off);
                    dev.lorapar.core.Ops.copy(stream, source.rows(0, n), flat.rows(off, n));
                }
            };
            java.util.function.BiFunction<long[], Boolean, Tensor> make = (shape, norm) -> {
                Tensor t = Tensor.empty(stream.device(), dtype, shape);
                made.add(t);
                if (norm) {
                    t.fill(stream, 1.0);
                } else {
                    fillTiled.accept(t);
                }
                return t;
            };
            Tensor embedding = make.apply(new long[] {c.vocabSize(), c.dim()}, false);
            List<Layer> layers = new ArrayList<>();
            for (int i = 0; i < c.nLayers(); i++) {
                Layer stacked = stackedLayer(c, stream, dtype, made, null, make.apply(new long[] {c.dim()}, true),
                        make.apply(new long[] {c.dim(), c.dim()}, false), make.apply(new long[] {c.dim()}, true),
                        make.apply(new long[] {c.dim(), c.hiddenDim()}, false));
                for (Tensor stack : new Tensor[] {stacked.qkv(), stacked.gateUp()}) {
                    if (stack != null) {
                        fillTiled.accept(stack);
                    }
                }
                for (Tensor single : new Tensor[] {stacked.wq(), stacked.wk(), stacked.wv()}) {
                    if (!single.isView()) {
                        fillTiled.accept(single);
                    }
                }
                layers.add(stacked);
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

    /**
     * A layer whose wq, wk, wv (when kvDim = dim; else three tensors) and wGate, wUp are matrices of stacks, filled
     * from {@code values} (checkpoint name → values) or left uninitialised when it is null. Owned tensors go to owned.
     */
    private static Layer stackedLayer(LlamaConfig c, Stream stream, DType dtype, List<Tensor> owned,
                                      java.util.function.Function<String, WeightTensor> values, Tensor attentionNorm,
                                      Tensor wo, Tensor ffnNorm, Tensor wDown) {
        Tensor qkv = null, wq, wk, wv;
        if (c.kvDim() == c.dim()) {
            qkv = owned(owned, Tensor.empty(stream.device(), dtype, 3, c.dim(), c.dim()));
            wq = matrix(qkv, 0);
            wk = matrix(qkv, 1);
            wv = matrix(qkv, 2);
        } else {
            wq = owned(owned, Tensor.empty(stream.device(), dtype, c.dim(), c.dim()));
            wk = owned(owned, Tensor.empty(stream.device(), dtype, c.kvDim(), c.dim()));
            wv = owned(owned, Tensor.empty(stream.device(), dtype, c.kvDim(), c.dim()));
        }
        Tensor gateUp = owned(owned, Tensor.empty(stream.device(), dtype, 2, c.hiddenDim(), c.dim()));
        Tensor wGate = matrix(gateUp, 0), wUp = matrix(gateUp, 1);
        if (values != null) {
            String[] names = {LlamaTensorNames.Q, LlamaTensorNames.K, LlamaTensorNames.V, LlamaTensorNames.GATE,
                    LlamaTensorNames.UP};
            Tensor[] targets = {wq, wk, wv, wGate, wUp};
            for (int i = 0; i < names.length; i++) {
                WeightTensor weight = values.apply(names[i]);
                if (!java.util.Arrays.equals(weight.shape(), targets[i].shape())) {
                    throw new IllegalArgumentException("LlamaWeights: checkpoint tensor " + names[i] + " has shape "
                            + java.util.Arrays.toString(weight.shape()) + ", the config needs "
                            + java.util.Arrays.toString(targets[i].shape()));
                }
                targets[i].copyFrom(stream, weight.toFloats());
            }
        }
        return new Layer(attentionNorm, wq, wk, wv, wo, ffnNorm, wGate, wUp, wDown, qkv, gateUp);
    }

    private static Tensor owned(List<Tensor> owned, Tensor t) {
        owned.add(t);
        return t;
    }

    /** Matrix i of a stack [count×rows×cols], as a [rows×cols] view. */
    private static Tensor matrix(Tensor stack, int i) {
        return stack.rows(i, 1).view(stack.dim(1), stack.dim(2));
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
