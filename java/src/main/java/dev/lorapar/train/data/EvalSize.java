package dev.lorapar.train.data;

/**
 * How many examples to hold out for the eval loss: a fraction of them or a count.
 *
 * @param fraction in [0, 1), used when {@code count} is −1
 * @param count    an exact number, or −1
 */
public record EvalSize(double fraction, int count) {
    /** No held-out examples. */
    public static final EvalSize NONE = new EvalSize(0, 0);

    public EvalSize {
        if (count < -1) {
            throw new IllegalArgumentException("eval count " + count + " < 0");
        }
        if (count == -1 && !(fraction >= 0 && fraction < 1)) {
            throw new IllegalArgumentException("eval fraction " + fraction + " outside [0, 1)");
        }
    }

    /** {@code fraction} of the examples, rounded, at least one when the fraction is positive. */
    public static EvalSize fraction(double fraction) {
        return new EvalSize(fraction, -1);
    }

    /** Exactly {@code count} examples. */
    public static EvalSize count(int count) {
        return new EvalSize(0, count);
    }

    /** The number held out of {@code n}; at least one example is left for training. */
    public int resolve(int n) {
        int k = count >= 0 ? count : (int) Math.round(fraction * n);
        if (count < 0 && fraction > 0 && k == 0) {
            k = 1;
        }
        if (k > 0 && k >= n) {
            throw new IllegalArgumentException("holding out " + k + " of " + n + " examples leaves none to train on");
        }
        return k;
    }

    @Override
    public String toString() {
        return count >= 0 ? count + " examples" : fraction + " of the examples";
    }
}
