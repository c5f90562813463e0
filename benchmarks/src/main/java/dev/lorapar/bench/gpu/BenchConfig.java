package dev.lorapar.bench.gpu;

import java.util.List;

/**
 * What GpuBench measures and how often: the LLaMA-2-7B shapes of the real runs ("full", and
 * "quick" with fewer ranks and samples), or "smoke", tiny shapes that rehearse every code path on
 * the CPU in seconds (its numbers mean nothing).
 *
 * @param name               full, quick or smoke
 * @param tokens             M, tokens per batch (rows of x)
 * @param hidden             K, the model width (in-features of the timed layers)
 * @param outFeatures        the N values of the timed layers (4096 for q/k/v, 11008 for gate/up)
 * @param ranks              the LoRA ranks r timed in sections b and c
 * @param loraLayers         layers of the LoRA tensor list of sections d–f
 * @param loraHidden         model width of that list
 * @param loraFfn            MLP width of that list
 * @param loraRank           rank of that list
 * @param copyBytes          size of the device-to-device copy that measures the bandwidth ceiling
 * @param ceilingGemmSize    n of the n³ bf16 GEMM that measures the compute ceiling
 * @param warmupCalls        untimed calls before every measurement
 * @param samples            timed samples per measurement (the median and min are reported)
 * @param sampleTargetMillis each sample batches enough calls to last about this long
 * @param cacheBytes         the last-level cache to defeat: buffers rotate over ≥ 2× this
 */
record BenchConfig(String name, long tokens, long hidden, List<Long> outFeatures, List<Integer> ranks,
                   int loraLayers, long loraHidden, long loraFfn, int loraRank,
                   long copyBytes, long ceilingGemmSize,
                   int warmupCalls, int samples, double sampleTargetMillis, long cacheBytes) {

    static final long MIB = 1L << 20;
    static final long GIB = 1L << 30;

    /** Every shape and rank of the brief, 50 samples per measurement. */
    static BenchConfig full() {
        return new BenchConfig("full", 8192, 4096, List.of(4096L, 11008L), List.of(8, 16, 64),
                32, 4096, 11008, 8, 2 * GIB, 8192, 5, 50, 5.0, 60 * MIB);
    }

    /** Both layer widths at r = 16 only, 20 samples per measurement. */
    static BenchConfig quick() {
        return new BenchConfig("quick", 8192, 4096, List.of(4096L, 11008L), List.of(16),
                32, 4096, 11008, 8, 2 * GIB, 8192, 3, 20, 5.0, 60 * MIB);
    }

    /** Tiny shapes for a rehearsal on any device (the CI runs it on the CPU). */
    static BenchConfig smoke() {
        return new BenchConfig("smoke", 64, 128, List.of(128L, 344L), List.of(8),
                2, 128, 344, 8, 4 * MIB, 128, 1, 3, 0.5, MIB);
    }

    /**
     * How many buffer sets to rotate over so that consecutive calls never find their inputs in
     * the cache: at least 2, and enough that all sets together exceed twice the cache.
     */
    int rotationSets(long bytesPerSet) {
        if (bytesPerSet <= 0) {
            return 2;
        }
        long needed = (2 * cacheBytes + bytesPerSet - 1) / bytesPerSet;
        return (int) Math.min(64, Math.max(2, needed));
    }
}
