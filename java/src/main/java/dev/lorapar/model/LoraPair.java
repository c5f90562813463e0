package dev.lorapar.model;

import dev.lorapar.core.DType;
import dev.lorapar.core.Tensor;

/**
 * One adapted projection of one layer: the update scale·B·A added to x·Wᵀ. a [r×in] and b [out×r] are owned by
 * the {@link LoraAdapter}; the element masks (U8, 1 = active) belong to the caller and may be null (all active).
 */
public final class LoraPair {
    private final int layer;
    private final LoraTarget target;
    private final Tensor a;   // [r×in]
    private final Tensor b;   // [out×r]
    private Tensor maskA;     // [r×in] U8, nullable
    private Tensor maskB;     // [out×r] U8, nullable

    LoraPair(int layer, LoraTarget target, Tensor a, Tensor b) {
        this.layer = layer;
        this.target = target;
        this.a = a;
        this.b = b;
    }

    public int layer() {
        return layer;
    }

    public LoraTarget target() {
        return target;
    }

    /** [r×in] in the model's dtype. */
    public Tensor a() {
        return a;
    }

    /** [out×r] in the model's dtype. */
    public Tensor b() {
        return b;
    }

    /** [r×in] U8 or null. */
    public Tensor maskA() {
        return maskA;
    }

    /** [out×r] U8 or null. */
    public Tensor maskB() {
        return maskB;
    }

    /** E.g. {@code layers.3.self_attn.q_proj}. */
    public String name() {
        return "layers." + layer + "." + target.modulePath();
    }

    void setMasks(Tensor newMaskA, Tensor newMaskB) {
        checkMask("maskA", newMaskA, a);
        checkMask("maskB", newMaskB, b);
        this.maskA = newMaskA;
        this.maskB = newMaskB;
    }

    private void checkMask(String what, Tensor mask, Tensor param) {
        if (mask == null) {
            return;
        }
        if (mask.dtype() != DType.U8 || mask.numel() != param.numel() || !mask.device().equals(param.device())) {
            throw new IllegalArgumentException("LoRA " + name() + ": " + what + " must be U8 with " + param.numel()
                    + " elements on " + param.device() + ", got " + mask);
        }
    }
}
