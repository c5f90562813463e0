package dev.lorapar.model;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * A LoRA adapter's hyper-parameters: rank r, lora_alpha (the update is scaled by alpha/r), the projections it
 * adapts, how it starts, and the seed of its random init.
 */
public record LoraConfig(int rank, double alpha, Set<LoraTarget> targets, LoraInit init, long seed) {
    public LoraConfig {
        if (rank < 1) {
            throw new IllegalArgumentException("LoRA rank must be ≥ 1, got " + rank);
        }
        if (!(alpha > 0) || !Double.isFinite(alpha)) {
            throw new IllegalArgumentException("LoRA alpha must be positive and finite, got " + alpha);
        }
        Objects.requireNonNull(targets, "LoRA targets");
        Objects.requireNonNull(init, "LoRA init");
        if (targets.isEmpty()) {
            throw new IllegalArgumentException("LoRA targets must name at least one projection");
        }
        targets = Collections.unmodifiableSet(EnumSet.copyOf(targets));
    }

    /** All seven projections, PEFT's default init. */
    public static LoraConfig allProjections(int rank, double alpha, long seed) {
        return new LoraConfig(rank, alpha, EnumSet.allOf(LoraTarget.class), new LoraInit.PeftDefault(), seed);
    }

    /** alpha / r. */
    public float scale() {
        return (float) (alpha / rank);
    }

    public LoraConfig withInit(LoraInit newInit) {
        return new LoraConfig(rank, alpha, targets, newInit, seed);
    }

    public LoraConfig withTargets(Set<LoraTarget> newTargets) {
        return new LoraConfig(rank, alpha, newTargets, init, seed);
    }
}
