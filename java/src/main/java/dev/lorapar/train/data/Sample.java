package dev.lorapar.train.data;

import java.util.Arrays;
import java.util.Objects;

/**
 * One tokenised training sequence for next-token prediction, n − 1 positions for a formatted sequence of n ids:
 * {@code tokens[i] = ids[i]} (the input) and {@code targets[i] = ids[i + 1]} where token i + 1 belongs to an answer,
 * else −1 (no loss: prompt positions). The arrays are shared, not copied: treat them as read-only.
 *
 * @param tokens  input ids [length]
 * @param targets next-token targets or −1 [length]
 * @param source  the record it was made from
 */
public record Sample(int[] tokens, int[] targets, SourceLine source) {
    public Sample {
        Objects.requireNonNull(tokens, "tokens");
        Objects.requireNonNull(targets, "targets");
        Objects.requireNonNull(source, "source");
        if (tokens.length == 0 || tokens.length != targets.length) {
            throw new IllegalArgumentException("a sample needs tokens and targets of the same length ≥ 1 (got "
                    + tokens.length + " and " + targets.length + ") at " + source);
        }
    }

    /** The number of positions (input tokens). */
    public int length() {
        return tokens.length;
    }

    /** The number of positions with a loss (targets ≠ −1). */
    public int targetCount() {
        int count = 0;
        for (int target : targets) {
            if (target >= 0) {
                count++;
            }
        }
        return count;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Sample that && Arrays.equals(tokens, that.tokens)
                && Arrays.equals(targets, that.targets) && source.equals(that.source);
    }

    @Override
    public int hashCode() {
        return Objects.hash(Arrays.hashCode(tokens), Arrays.hashCode(targets), source);
    }

    @Override
    public String toString() {
        return "Sample[" + source + ", " + tokens.length + " positions, " + targetCount() + " with targets]";
    }
}
