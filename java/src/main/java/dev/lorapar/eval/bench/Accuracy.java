package dev.lorapar.eval.bench;

import java.util.Collection;

/**
 * Counts of one set of outcomes.
 *
 * @param correct items answered correctly
 * @param total items
 * @param unparseable items with no extractable answer (counted in {@code total}, never correct)
 */
public record Accuracy(int correct, int total, int unparseable) {
    public Accuracy {
        if (correct < 0 || unparseable < 0 || correct + unparseable > total) {
            throw new IllegalArgumentException("correct " + correct + ", unparseable " + unparseable + ", total " + total);
        }
    }

    public static Accuracy of(Collection<ItemOutcome> outcomes) {
        int correct = 0, unparseable = 0;
        for (ItemOutcome outcome : outcomes) {
            correct += outcome.correct() ? 1 : 0;
            unparseable += outcome.unparseable() ? 1 : 0;
        }
        return new Accuracy(correct, outcomes.size(), unparseable);
    }

    /** {@code correct / total}; NaN for no items. */
    public double value() {
        return total == 0 ? Double.NaN : (double) correct / total;
    }
}
