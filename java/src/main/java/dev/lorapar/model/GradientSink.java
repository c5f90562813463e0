package dev.lorapar.model;

import dev.lorapar.core.Tensor;

/** Where one backward pass puts its gradients. */
interface GradientSink {
    /** dA [r×in] F32 of a pair. */
    Tensor loraA(int layer, LoraTarget target);

    /** dB [out×r] F32 of a pair. */
    Tensor loraB(int layer, LoraTarget target);

    /** Add onto the LoRA gradients (true) or overwrite them (false). Base gradients are always added onto. */
    boolean accumulate();

    /** The layer's base-weight gradients, or null when base weights are not trained. */
    BaseGradients.Layer base(int layer);
}
