package dev.lorapar.model;

import dev.lorapar.core.DType;
import dev.lorapar.core.Stream;
import dev.lorapar.core.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * F32 gradients of every base weight (full fine-tuning of small models), shaped like {@link LlamaWeights}. Backward
 * passes always add onto them; {@link #zero} clears. With tied embeddings the LM head's gradient lands in
 * {@link #embedding()}. Owns its tensors.
 */
public final class BaseGradients implements AutoCloseable {
    /** One layer's gradients, shaped like {@link LlamaWeights.Layer}. */
    public record Layer(Tensor attentionNorm, Tensor wq, Tensor wk, Tensor wv, Tensor wo, Tensor ffnNorm, Tensor wGate,
                        Tensor wUp, Tensor wDown) {
    }

    private final List<Tensor> owned = new ArrayList<>();
    private final Tensor embedding;  // [vocab×dim]
    private final List<Layer> layers;
    private final Tensor finalNorm;  // [dim]
    private final Tensor lmHead;     // [vocab×dim]; the embedding's when tied

    public BaseGradients(LlamaWeights weights, Stream stream) {
        try {
            embedding = zeros(stream, weights.embedding());
            layers = new ArrayList<>();
            for (LlamaWeights.Layer l : weights.layers()) {
                layers.add(new Layer(zeros(stream, l.attentionNorm()), zeros(stream, l.wq()), zeros(stream, l.wk()),
                        zeros(stream, l.wv()), zeros(stream, l.wo()), zeros(stream, l.ffnNorm()),
                        zeros(stream, l.wGate()), zeros(stream, l.wUp()), zeros(stream, l.wDown())));
            }
            finalNorm = zeros(stream, weights.finalNorm());
            lmHead = weights.config().tiedEmbeddings() ? embedding : zeros(stream, weights.lmHead());
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private Tensor zeros(Stream stream, Tensor like) {
        Tensor t = Tensor.zeros(stream, DType.F32, like.shape());
        owned.add(t);
        return t;
    }

    /** [vocab×dim] */
    public Tensor embedding() {
        return embedding;
    }

    public Layer layer(int i) {
        return layers.get(i);
    }

    /** [dim] */
    public Tensor finalNorm() {
        return finalNorm;
    }

    /** [vocab×dim]; the same tensor as {@link #embedding()} when tied. */
    public Tensor lmHead() {
        return lmHead;
    }

    /** Every gradient tensor (the tied head once). */
    public List<Tensor> all() {
        return List.copyOf(owned);
    }

    public void zero(Stream stream) {
        owned.forEach(t -> t.fill(stream, 0));
    }

    @Override
    public void close() {
        owned.forEach(Tensor::close);
        owned.clear();
    }
}
