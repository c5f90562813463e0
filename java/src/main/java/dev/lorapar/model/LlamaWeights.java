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
    }

    private final LlamaConfig config;
    private final DType dtype;
    private final Tensor embedding; // [vocab×dim]
    private final List<Layer> layers;
    private final Tensor finalNorm; // [dim]
    private final Tensor lmHead;    // [vocab×dim]; the embedding itself when tied

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

    @Override
    public void close() {
        embedding.close();
        layers.forEach(layer -> layer.all().forEach(Tensor::close));
        finalNorm.close();
        lmHead.close(); // a no-op when tied (already closed)
    }
}
