package dev.lorapar.model;

/**
 * How one sequence picks its next tokens: temperature ≤ 0 is greedy (argmax, ties to the lowest id); otherwise
 * softmax(logits / temperature) restricted to the topK most likely ids (0 = all) and to the smallest most-likely
 * set holding topP of the mass (1 = all), drawn from a counter-based generator of (seed, token index): the same
 * seed gives the same tokens, on the CPU and on CUDA alike (lp_sample).
 */
public record Sampling(float temperature, int topK, float topP, long seed) {
    public Sampling {
        if (Float.isNaN(temperature) || Float.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be finite, got " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("topK must be ≥ 0 (0 = off), got " + topK);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("topP must be in (0, 1], got " + topP);
        }
    }

    public static Sampling greedy() {
        return new Sampling(0f, 0, 1f, 0);
    }

    public static Sampling of(float temperature, int topK, float topP, long seed) {
        return new Sampling(temperature, topK, topP, seed);
    }
}
