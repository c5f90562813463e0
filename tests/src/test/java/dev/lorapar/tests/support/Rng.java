package dev.lorapar.tests.support;

import java.util.SplittableRandom;

/**
 * A seeded random source for one test. Fresh each run (seed from System.nanoTime) unless the system
 * property {@code lorapar.test.seed} is set, in which case every test uses exactly that seed, so a
 * failure can be replayed. {@link #tag()} goes into every assertion message.
 */
public final class Rng {
    public static final String SEED_PROPERTY = "lorapar.test.seed";

    private final long seed;
    private final String testName;
    private final SplittableRandom random;

    private Rng(String testName, long seed) {
        this.testName = testName;
        this.seed = seed;
        this.random = new SplittableRandom(seed);
    }

    /** A generator for the running test, named "Class.method display-name" in its tag. */
    public static Rng forTest(org.junit.jupiter.api.TestInfo info) {
        String cls = info.getTestClass().map(Class::getSimpleName).orElse("?");
        String method = info.getTestMethod().map(java.lang.reflect.Method::getName).orElse("?");
        return forTest(cls + "." + method + " " + info.getDisplayName());
    }

    /** A generator for the named test: the fixed seed when -Dlorapar.test.seed is set, else a fresh one. */
    public static Rng forTest(String testName) {
        String fixed = System.getProperty(SEED_PROPERTY);
        if (fixed != null && !fixed.isBlank()) return new Rng(testName, Long.parseLong(fixed.trim()));
        long fresh = System.nanoTime() ^ (((long) testName.hashCode()) << 32) ^ Thread.currentThread().threadId();
        return new Rng(testName, mix(fresh));
    }

    private static long mix(long z) { // splitmix64 finaliser: spreads nanoTime's low-entropy bits
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    public long seed() { return seed; }

    /** "[test seed=S; replay: -Dlorapar.test.seed=S]" for failure messages. */
    public String tag() {
        return "[" + testName + " seed=" + seed + "; replay with -D" + SEED_PROPERTY + "=" + seed + "]";
    }

    public int nextInt(int bound) { return random.nextInt(bound); }

    public int between(int lo, int hiInclusive) { return lo + random.nextInt(hiInclusive - lo + 1); }

    public double nextDouble() { return random.nextDouble(); }

    public boolean nextBoolean() { return random.nextBoolean(); }

    public long nextLong() { return random.nextLong(); }

    /** One element of choices, uniformly. */
    public int pick(int... choices) { return choices[random.nextInt(choices.length)]; }

    /** n values uniform in [lo, hi). */
    public float[] uniform(int n, float lo, float hi) {
        float[] out = new float[n]; // [n]
        for (int i = 0; i < n; i++) out[i] = (float) (lo + (hi - lo) * random.nextDouble());
        return out;
    }

    /** n values N(0, sigma²). */
    public float[] gaussian(int n, double sigma) {
        float[] out = new float[n]; // [n]
        for (int i = 0; i < n; i++) out[i] = (float) (sigma * gaussian());
        return out;
    }

    private double gaussian() { // Box–Muller; SplittableRandom has no nextGaussian before JDK 17's RandomGenerator default
        double u1 = 1.0 - random.nextDouble(), u2 = random.nextDouble();
        return Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(2.0 * Math.PI * u2);
    }

    /**
     * A U8 mask of n elements of the given kind. Active entries take varied non-zero values
     * (1, 2, 0x7F, 0x80, 0xFF): the ABI says "anything else = active".
     */
    public byte[] mask(int n, MaskKind kind) {
        byte[] out = new byte[n]; // [n] u8
        for (int i = 0; i < n; i++) {
            boolean active = switch (kind) {
                case EMPTY -> false;
                case FULL -> true;
                case RANDOM -> random.nextInt(100) < 45;
            };
            out[i] = active ? (byte) pick(1, 1, 1, 2, 0x7F, 0x80, 0xFF) : 0;
        }
        return out;
    }

    /** Mask kinds every masked op is tested with. */
    public enum MaskKind { EMPTY, FULL, RANDOM }
}
