package dev.lorapar.tests.oracle;

import java.util.Map;

/**
 * What {@link TorchLlama#gradients} returns; every array is row-major and widened to double (FLOAT32 results
 * hold float32 values).
 *
 * @param loss           L of {@link OracleBatch}
 * @param logits         [B·S × vocab]: row b·S + t is sequence b at position t
 * @param lora           ∂L/∂A [r×in] and ∂L/∂B [out×r] of every LoRA matrix of the model. With element masks
 *                       (FORWARD mode: A⊙mA is what the forward uses) the masked-out elements get exactly 0.
 * @param inputEmbedding ∂L/∂h0 [B·S × dim]: h0 are the hidden states entering layer 0 (the embedding rows
 *                       of the tokens), row b·S + t
 * @param base           ∂L/∂W of every base weight by Hugging Face name (the shapes of the weights; a tied
 *                       embedding gets the sum of its embedding and LM-head uses), or an empty map when not
 *                       requested
 */
public record OracleGradients(double loss, double[] logits, Map<LoraKey, double[]> lora, double[] inputEmbedding,
                              Map<String, double[]> base) {
    /** ∂L/∂ of one LoRA matrix (IllegalArgumentException when the model has none under {@code key}). */
    public double[] lora(LoraKey key) {
        double[] g = lora.get(key);
        if (g == null) throw new IllegalArgumentException("OracleGradients: no LoRA matrix " + key);
        return g;
    }

    /** ∂L/∂ of one base weight (IllegalArgumentException when base gradients were not requested). */
    public double[] base(String name) {
        double[] g = base.get(name);
        if (g == null) throw new IllegalArgumentException("OracleGradients: no base gradient " + name
                + (base.isEmpty() ? " (not requested)" : ""));
        return g;
    }
}
