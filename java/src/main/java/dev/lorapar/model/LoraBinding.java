package dev.lorapar.model;

import dev.lorapar.core.MaskMode;

/**
 * Which LoRA path each projection runs in one pass: the adapter's pairs; nothing (adapter disabled on original
 * weights); or, when the base holds a PiSSA / OLoRA residual and the adapter is disabled, that adapter's initial
 * B₀·A₀ so the pass computes the original model.
 */
final class LoraBinding {
    private final LoraAdapter adapter;  // nullable
    private final boolean initialOnly;  // run B₀·A₀ of the residual owner (adapter disabled)

    private LoraBinding(LoraAdapter adapter, boolean initialOnly) {
        this.adapter = adapter;
        this.initialOnly = initialOnly;
    }

    /** The binding for a pass over {@code weights} with {@code adapter} (null = disabled). */
    static LoraBinding of(LlamaWeights weights, LoraAdapter adapter) {
        if (adapter != null) {
            adapter.checkUsableWith(weights);
            return new LoraBinding(adapter, false);
        }
        LoraAdapter owner = weights.residualOwner();
        if (owner == null) {
            return new LoraBinding(null, false);
        }
        owner.checkUsableWith(weights); // throws when the owner was closed without restoreBase()
        return new LoraBinding(owner, true);
    }

    /** The pair projection (layer, target) runs with, or null for the plain base linear layer. */
    LoraPair pair(int layer, LoraTarget target) {
        if (adapter == null) {
            return null;
        }
        return initialOnly ? adapter.initialPair(layer, target) : adapter.pair(layer, target);
    }

    float scale() {
        return adapter == null ? 0f : adapter.scale();
    }

    /** The initial factors of a residual owner run unmasked. */
    MaskMode maskMode() {
        return adapter == null || initialOnly ? MaskMode.GRADIENT : adapter.maskMode();
    }

    /** True when gradients may flow into the bound pairs (a real adapter, not the frozen initial factors). */
    boolean trainable() {
        return adapter != null && !initialOnly;
    }

    /** [target.ordinal()] true where the bound adapter has a pair (so its u buffers are needed); all false unbound. */
    boolean[] adaptedTargets() {
        boolean[] adapted = new boolean[LoraTarget.values().length];
        if (adapter != null) {
            adapter.config().targets().forEach(t -> adapted[t.ordinal()] = true);
        }
        return adapted;
    }

    int rank() {
        return adapter == null ? 0 : adapter.config().rank();
    }
}
