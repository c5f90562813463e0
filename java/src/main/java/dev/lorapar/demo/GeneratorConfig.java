package dev.lorapar.demo;

import java.util.Locale;

/**
 * The sizes and seed of a generated benchmark.
 *
 * @param seed          everything generated follows from it
 * @param people        people in the world (≥ 4)
 * @param cities        cities in the world (≥ 1)
 * @param pretrainItems items the base model is pretrained on (the first half of the people, easier problems)
 * @param trainS1       System-1 training items
 * @param trainS2       System-2 training items
 * @param testS1        System-1 test items
 * @param testS2        System-2 test items
 * @param maxSteps      the most steps of a word problem (2–6)
 */
public record GeneratorConfig(long seed, int people, int cities, int pretrainItems, int trainS1, int trainS2,
                              int testS1, int testS2, int maxSteps) {
    public GeneratorConfig {
        if (people < 4) throw new IllegalArgumentException("people must be ≥ 4, got " + people);
        if (cities < 1) throw new IllegalArgumentException("cities must be ≥ 1, got " + cities);
        if (Math.min(Math.min(pretrainItems, trainS1), Math.min(trainS2, Math.min(testS1, testS2))) < 1) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "every item count must be ≥ 1, got "
                    + "pretrain %d, train S1 %d, train S2 %d, test S1 %d, test S2 %d", pretrainItems, trainS1, trainS2,
                    testS1, testS2));
        }
        if (maxSteps < 2 || maxSteps > 6) throw new IllegalArgumentException("maxSteps must be in 2..6, got " + maxSteps);
    }

    /** The CPU default: small enough that pretraining fits a few minutes on 2 cores. */
    public static GeneratorConfig cpuDefault(long seed) {
        return new GeneratorConfig(seed, 60, 8, 1500, 600, 600, 100, 100, 6);
    }

    /** The GPU scale: thousands of items. */
    public static GeneratorConfig gpuScale(long seed) {
        return new GeneratorConfig(seed, 600, 40, 30000, 8000, 8000, 500, 500, 6);
    }

    /** A tiny setting for tests. */
    public static GeneratorConfig tiny(long seed) {
        return new GeneratorConfig(seed, 12, 3, 60, 40, 40, 9, 8, 4);
    }

    /** A stable one-line description (part of the cache key). */
    public String describe() {
        return String.format(Locale.ROOT, "generator v1 seed=%d people=%d cities=%d pretrain=%d trainS1=%d "
                + "trainS2=%d testS1=%d testS2=%d maxSteps=%d", seed, people, cities, pretrainItems, trainS1, trainS2,
                testS1, testS2, maxSteps);
    }
}
