package dev.lorapar.tests.oracle;

import java.util.Objects;

/**
 * One LoRA matrix: factor A [r×in] or B [out×r] of the adapter on {@code target} in layer {@code layer}.
 * The adapter adds scale · B·(A·x) to the projection W·x. Keys LoRA weights, masks and gradients alike.
 */
public record LoraKey(int layer, LoraTarget target, Factor factor) {
    /** Which of the two low-rank factors. */
    public enum Factor { A, B }

    public LoraKey {
        if (layer < 0) throw new IllegalArgumentException("LoraKey: negative layer " + layer);
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(factor, "factor");
    }

    public static LoraKey a(int layer, LoraTarget target) {
        return new LoraKey(layer, target, Factor.A);
    }

    public static LoraKey b(int layer, LoraTarget target) {
        return new LoraKey(layer, target, Factor.B);
    }

    /** The other factor of the same adapter. */
    public LoraKey partner() {
        return new LoraKey(layer, target, factor == Factor.A ? Factor.B : Factor.A);
    }

    /** {rows, cols} of this matrix for rank r: A [r×in], B [out×r]. */
    public int[] shape(OracleConfig c, int rank) {
        return factor == Factor.A ? new int[] {rank, target.in(c)} : new int[] {target.out(c), rank};
    }

    @Override
    public String toString() {
        return "layer " + layer + " " + target + "." + factor;
    }
}
