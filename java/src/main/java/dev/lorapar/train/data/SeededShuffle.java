package dev.lorapar.train.data;

import java.util.List;
import java.util.SplittableRandom;

/** Fisher–Yates shuffles fixed by a seed (SplittableRandom): the same seed gives the same order on every run. */
public final class SeededShuffle {
    private SeededShuffle() {
    }

    /** Shuffles {@code items} in place; returns them. */
    public static <T> List<T> shuffle(List<T> items, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        for (int i = items.size() - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            T t = items.get(i);
            items.set(i, items.get(j));
            items.set(j, t);
        }
        return items;
    }
}
