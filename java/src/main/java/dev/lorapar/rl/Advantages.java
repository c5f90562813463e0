package dev.lorapar.rl;

/**
 * GRPO's group-relative advantages: completions come in groups of G (one prompt each, consecutive), and each gets
 * A = (R − mean of its group) / (std of its group + 1e-4). The std is the unbiased one (divisor G − 1), as TRL's
 * GRPOTrainer computes it ({@code rewards.view(-1, G).std(dim=1)}, torch's default {@code correction=1}); a group
 * whose rewards are all equal gets A = 0 for every member (no signal).
 */
public final class Advantages {
    /** Added to the group std (the method's 1e-4). */
    public static final double EPSILON = 1e-4;

    private Advantages() {
    }

    /** The advantages of {@code rewards} [groups·G], grouped consecutively by {@code groupSize} = G ≥ 2. */
    public static double[] compute(double[] rewards, int groupSize) {
        if (groupSize < 2) {
            throw new IllegalArgumentException("group size must be ≥ 2 (the std of one value is undefined), got "
                    + groupSize);
        }
        if (rewards.length % groupSize != 0) {
            throw new IllegalArgumentException(rewards.length + " rewards are not whole groups of " + groupSize);
        }
        double[] out = new double[rewards.length];
        for (int g0 = 0; g0 < rewards.length; g0 += groupSize) {
            double mean = 0;
            for (int i = g0; i < g0 + groupSize; i++) {
                if (!Double.isFinite(rewards[i])) {
                    throw new IllegalArgumentException("reward " + i + " is " + rewards[i]);
                }
                mean += rewards[i];
            }
            mean /= groupSize;
            double ss = 0;
            for (int i = g0; i < g0 + groupSize; i++) {
                ss += (rewards[i] - mean) * (rewards[i] - mean);
            }
            double std = Math.sqrt(ss / (groupSize - 1));
            for (int i = g0; i < g0 + groupSize; i++) {
                out[i] = (rewards[i] - mean) / (std + EPSILON);
            }
        }
        return out;
    }
}
