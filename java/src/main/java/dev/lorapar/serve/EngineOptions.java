package dev.lorapar.serve;

/**
 * Sizes of a {@link ServingEngine}.
 *
 * @param slots         sequences decoded at once (KV-cache rows of the pool)
 * @param maxLength     prompt + generated tokens per sequence (positions of one KV-cache row)
 * @param queueCapacity requests waiting for a free row beyond which {@link ServingEngine#submit} refuses
 *                      ({@link QueueFullException})
 * @param cudaGraph     replay decode steps as CUDA graphs (ignored on the CPU)
 */
public record EngineOptions(int slots, int maxLength, int queueCapacity, boolean cudaGraph) {
    public EngineOptions {
        if (slots < 1) throw new IllegalArgumentException("slots must be ≥ 1, got " + slots);
        if (maxLength < 2) throw new IllegalArgumentException("maxLength must be ≥ 2, got " + maxLength);
        if (queueCapacity < 0) throw new IllegalArgumentException("queueCapacity must be ≥ 0, got " + queueCapacity);
    }

    /** slots rows of maxLength positions, a queue of 4 × slots, CUDA graphs on. */
    public static EngineOptions of(int slots, int maxLength) {
        return new EngineOptions(slots, maxLength, 4 * slots, true);
    }
}
