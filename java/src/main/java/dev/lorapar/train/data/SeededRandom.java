package dev.lorapar.train.data;

/**
 * SplitMix64: a small generator whose every output is fixed by its seed, on every JVM and version, so that data
 * orders and splits made from a seed can be reproduced after a restart.
 */
final class SeededRandom {
    /** Salts that give the independent streams of one user seed. */
    static final long EPOCH_ORDER = 0x45504f43484f5244L, SPLIT = 0x53504c4954535054L;

    private long state;

    SeededRandom(long seed) {
        this.state = seed;
    }

    /** A generator for {@code (seed, salt, index)}: distinct for every combination. */
    static SeededRandom derive(long seed, long salt, long index) {
        return new SeededRandom(mix(mix(seed ^ salt) + index * 0x9e3779b97f4a7c15L));
    }

    long nextLong() {
        state += 0x9e3779b97f4a7c15L;
        return mix(state);
    }

    /** Uniform in [0, bound), without modulo bias. */
    int nextInt(int bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("bound " + bound + " <= 0");
        }
        while (true) {
            int bits = (int) (nextLong() >>> 33);
            int value = bits % bound;
            if (bits - value + (bound - 1) >= 0) {
                return value;
            }
        }
    }

    /** Fisher–Yates shuffle in place. */
    void shuffle(int[] values) {
        for (int i = values.length - 1; i > 0; i--) {
            int j = nextInt(i + 1);
            int swap = values[i];
            values[i] = values[j];
            values[j] = swap;
        }
    }

    <T> void shuffle(java.util.List<T> values) {
        for (int i = values.size() - 1; i > 0; i--) {
            int j = nextInt(i + 1);
            values.set(i, values.set(j, values.get(i)));
        }
    }

    /** A random permutation of {@code 0..n-1}. */
    int[] permutation(int n) {
        int[] values = new int[n];
        for (int i = 0; i < n; i++) {
            values[i] = i;
        }
        shuffle(values);
        return values;
    }

    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
