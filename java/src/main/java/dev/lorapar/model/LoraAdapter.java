package dev.lorapar.model;

import dev.lorapar.core.DType;
import dev.lorapar.core.MaskMode;
import dev.lorapar.core.Ops;
import dev.lorapar.core.Stream;
import dev.lorapar.core.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * A LoRA adapter for one {@link LlamaWeights}: for every layer and every target projection a {@link LoraPair}
 * (A [r×in], B [out×r]) in the weights' dtype on their device, element masks with a {@link MaskMode}, and the
 * scale alpha/r. Adapters are swapped or disabled per call ({@link LlamaForward}, {@link LlamaForwardBackward})
 * without touching the base weights — except PiSSA / OLoRA adapters, which leave the residual W − scale·B₀·A₀ in
 * the base (as PEFT does) and keep B₀, A₀ so that {@link #restoreBase} puts the original weights back (to the
 * rounding of the weights' dtype). Owns its A, B (and B₀, A₀) tensors; {@link #close()} frees them.
 */
public final class LoraAdapter implements AutoCloseable {
    private final LlamaWeights weights;
    private final LoraConfig config;
    private final LoraPair[][] pairs;      // [layer][target.ordinal()], null where not adapted
    private final List<LoraPair> ordered;  // layer-major, target order
    private final List<Tensor> owned = new ArrayList<>();
    private final LoraPair[][] initial;    // residual inits only: B₀, A₀ as pairs; else null
    private MaskMode maskMode = MaskMode.GRADIENT;
    private boolean closed;

    private LoraAdapter(LlamaWeights weights, LoraConfig config, int layers) {
        this.weights = weights;
        this.config = config;
        this.pairs = new LoraPair[layers][LoraTarget.values().length];
        this.ordered = new ArrayList<>();
        this.initial = config.init().residualizesBase() ? new LoraPair[layers][LoraTarget.values().length] : null;
    }

    /**
     * A new adapter for {@code weights} initialised by {@code config.init()} from {@code config.seed()}. A residual init
     * (PiSSA, OLoRA) rewrites the base weights and fails when another adapter's residual is already there.
     */
    public static LoraAdapter create(LlamaWeights weights, LoraConfig config, Stream stream) {
        return build(weights, config, stream, "LoraAdapter.create", (adapter, layer, t) -> {
            float[][] ab = adapter.initValues(stream, layer, t); // A [r×in], B [out×r]
            return new PairValues(ab[0], ab[1], ab[0], ab[1]);
        });
    }

    /**
     * The values of one pair given from outside ({@link #fromValues}): A [r×in], B [out×r] and, for a residual init, the
     * initial A₀ [r×in], B₀ [out×r] whose scale·B₀·A₀ the base gives up (null for other inits).
     */
    public record PairValues(float[] a, float[] b, float[] a0, float[] b0) {
        public PairValues {
            Objects.requireNonNull(a, "A values");
            Objects.requireNonNull(b, "B values");
            if ((a0 == null) != (b0 == null)) throw new IllegalArgumentException("A₀ and B₀ must be given together");
        }
    }

    /**
     * An adapter for {@code weights} whose pairs hold the given values instead of drawn ones (an adapter read back from
     * a file). For a residual init (PiSSA, OLoRA) every pair must carry A₀, B₀, and the base becomes
     * W − scale·B₀·A₀ exactly as {@link #create} left it for the same A₀, B₀; the init's decomposition is not rerun.
     *
     * @param values the values of (layer, target), called for every adapted projection
     */
    public static LoraAdapter fromValues(LlamaWeights weights, LoraConfig config, Stream stream,
                                         java.util.function.BiFunction<Integer, LoraTarget, PairValues> values) {
        Objects.requireNonNull(values, "LoraAdapter.fromValues: values");
        return build(weights, config, stream, "LoraAdapter.fromValues", (adapter, layer, t) -> values.apply(layer, t));
    }

    private interface PairSource {
        PairValues values(LoraAdapter adapter, int layer, LoraTarget t);
    }

    private static LoraAdapter build(LlamaWeights weights, LoraConfig config, Stream stream, String who, PairSource source) {
        Objects.requireNonNull(weights, who + ": weights");
        Objects.requireNonNull(config, who + ": config");
        LlamaConfig c = weights.config();
        if (config.init().residualizesBase() && weights.residualOwner() != null) {
            throw new IllegalStateException(who + ": the base weights already hold the residual of another adapter; "
                    + "restoreBase() it first");
        }
        LoraAdapter adapter = new LoraAdapter(weights, config, c.nLayers());
        try {
            for (int layer = 0; layer < c.nLayers(); layer++) {
                for (LoraTarget t : config.targets()) {
                    PairValues v = source.values(adapter, layer, t);
                    if (adapter.initial != null && v.a0() == null) {
                        throw new IllegalArgumentException(who + ": a " + config.init() + " adapter needs A₀, B₀ for "
                                + "layer " + layer + " " + t);
                    }
                    adapter.addPair(stream, layer, t, v);
                }
            }
            if (adapter.initial != null) {
                adapter.residualizeBase(stream);
            }
            stream.synchronize();
            return adapter;
        } catch (RuntimeException e) {
            adapter.close();
            throw e;
        }
    }

    /** A [r×in], B [out×r] as {@code config.init()} starts them. */
    private float[][] initValues(Stream stream, int layer, LoraTarget t) {
        LlamaConfig c = weights.config();
        int r = config.rank(), in = t.inFeatures(c), out = t.outFeatures(c);
        return switch (config.init()) {
            case LoraInit.PeftDefault ignored -> new float[][] {kaimingUniform(rng(layer, t), r * in, in), new float[out * r]};
            case LoraInit.Gaussian g -> {
                SplittableRandom random = rng(layer, t);
                yield new float[][] {gaussian(random, r * in, g.sigma()), gaussian(random, out * r, g.sigma())};
            }
            case LoraInit.Pissa p -> ResidualInit.pissa(stream, weights.layers().get(layer).projection(t), out, in, r,
                    config.scale(), p.powerIterations(), config.seed() ^ mix(layer, t));
            case LoraInit.Olora o -> ResidualInit.olora(stream, weights.layers().get(layer).projection(t), out, in, r);
        };
    }

    /** Uploads one pair (and, for a residual init, its A₀, B₀); Tensor.of checks each array's length. */
    private void addPair(Stream stream, int layer, LoraTarget t, PairValues v) {
        LlamaConfig c = weights.config();
        int r = config.rank(), in = t.inFeatures(c), out = t.outFeatures(c);
        LoraPair pair = new LoraPair(layer, t, own(Tensor.of(stream, weights.dtype(), v.a(), r, in)),
                own(Tensor.of(stream, weights.dtype(), v.b(), out, r)));
        pairs[layer][t.ordinal()] = pair;
        ordered.add(pair);
        if (initial != null) {
            initial[layer][t.ordinal()] = new LoraPair(layer, t, own(Tensor.of(stream, weights.dtype(), v.a0(), r, in)),
                    own(Tensor.of(stream, weights.dtype(), v.b0(), out, r)));
        }
    }

    /** W ← W − scale·B₀·A₀ for every adapted projection. */
    private void residualizeBase(Stream stream) {
        addInitialDelta(stream, -config.scale());
        weights.setResidualOwner(this);
    }

    private void addInitialDelta(Stream stream, float alpha) {
        for (LoraPair[] layerPairs : initial) {
            for (LoraPair p : layerPairs) {
                if (p != null) {
                    Tensor w = weights.layers().get(p.layer()).projection(p.target()); // [out×in]
                    Ops.gemm(stream, false, false, alpha, p.b(), p.a(), 1f, w);
                }
            }
        }
    }

    /**
     * For a PiSSA / OLoRA adapter: adds scale·B₀·A₀ back into the base weights, which then hold the original model
     * again (within the rounding of their dtype) and accept other adapters. Does nothing for other inits or when
     * already restored.
     */
    public void restoreBase(Stream stream) {
        checkOpen();
        if (initial != null && weights.residualOwner() == this) {
            addInitialDelta(stream, config.scale());
            stream.synchronize();
            weights.setResidualOwner(null);
        }
    }

    private SplittableRandom rng(int layer, LoraTarget t) {
        return new SplittableRandom(config.seed() ^ mix(layer, t));
    }

    private static long mix(int layer, LoraTarget t) {
        long z = (layer * 16L + t.ordinal() + 1) * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        return z ^ (z >>> 31);
    }

    /** PEFT's kaiming_uniform_(a=√5) on A [r×in]: U(−1/√in, 1/√in). */
    private static float[] kaimingUniform(SplittableRandom random, int n, int fanIn) {
        double bound = 1.0 / Math.sqrt(fanIn);
        float[] out = new float[n]; // [r×in]
        for (int i = 0; i < n; i++) {
            out[i] = (float) random.nextDouble(-bound, bound);
        }
        return out;
    }

    private static float[] gaussian(SplittableRandom random, int n, double sigma) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) (sigma * random.nextGaussian());
        }
        return out;
    }

    private Tensor own(Tensor t) {
        owned.add(t);
        return t;
    }

    // ------------------------------------------------------------------ access

    public LoraConfig config() {
        return config;
    }

    /** The weights this adapter was made for. */
    public LlamaWeights weights() {
        return weights;
    }

    public float scale() {
        return config.scale();
    }

    /** The pair of {@code layer}'s {@code target}, or null when that projection is not adapted. */
    public LoraPair pair(int layer, LoraTarget target) {
        checkOpen();
        return pairs[layer][target.ordinal()];
    }

    /** Every pair, layer-major and in {@link LoraTarget} order within a layer (the order of parameter lists). */
    public List<LoraPair> pairs() {
        checkOpen();
        return Collections.unmodifiableList(ordered);
    }

    /**
     * B₀ [out×r], A₀ [r×in] of a residual init (the base lost scale·B₀·A₀), or null for other inits or a projection
     * that is not adapted. Owned by this adapter; do not change or close.
     */
    public LoraPair initialPair(int layer, LoraTarget target) {
        checkOpen();
        return initial == null ? null : initial[layer][target.ordinal()];
    }

    public MaskMode maskMode() {
        return maskMode;
    }

    /** GRADIENT: masks gate only dA, dB (LoRA-PAR); FORWARD: inactive elements are absent everywhere. */
    public void setMaskMode(MaskMode mode) {
        this.maskMode = Objects.requireNonNull(mode, "mask mode");
    }

    /**
     * Element masks for one pair (U8 [r×in] and [out×r], 1 = active; null = all active). The caller keeps ownership
     * and must keep them open while the adapter uses them.
     */
    public void setMasks(int layer, LoraTarget target, Tensor maskA, Tensor maskB) {
        LoraPair p = pair(layer, target);
        if (p == null) {
            throw new IllegalArgumentException("LoRA adapter has no " + target + " pair in layer " + layer);
        }
        p.setMasks(maskA, maskB);
    }

    /** Makes sure this adapter can run on {@code w}: the same weights, whose base holds the residual this adapter expects. */
    void checkUsableWith(LlamaWeights w) {
        checkOpen();
        if (w != weights) {
            throw new IllegalArgumentException("LoRA adapter was made for other weights");
        }
        LoraAdapter owner = w.residualOwner();
        if (owner != null && owner != this) {
            throw new IllegalStateException("the base weights hold the residual of another (PiSSA/OLoRA) adapter; "
                    + "call its restoreBase() before using this one");
        }
        if (initial != null && owner != this) {
            throw new IllegalStateException("this PiSSA/OLoRA adapter's residual is no longer in the base weights "
                    + "(restoreBase() was called)");
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("LoRA adapter is closed");
        }
    }

    /** The dtype of A and B (the weights'). */
    public DType dtype() {
        return weights.dtype();
    }

    /** Frees A, B (and B₀, A₀); does not restore the base — call {@link #restoreBase} first when that is wanted. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            owned.forEach(Tensor::close);
        }
    }
}
