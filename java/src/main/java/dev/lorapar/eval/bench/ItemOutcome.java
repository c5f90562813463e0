package dev.lorapar.eval.bench;

import java.util.Objects;

/**
 * The verdict on one item.
 *
 * @param item the item
 * @param predicted the normalised predicted answer; null when nothing could be extracted (unparseable)
 * @param correct whether it equals the gold answer
 */
public record ItemOutcome(EvalItem item, String predicted, boolean correct) {
    public ItemOutcome {
        Objects.requireNonNull(item, "item");
        if (correct && !item.gold().equals(predicted)) {
            throw new IllegalArgumentException("correct, but " + predicted + " is not the gold " + item.gold());
        }
    }

    /** The outcome of a prediction: correct when it equals the gold answer. */
    public static ItemOutcome of(EvalItem item, String predicted) {
        return new ItemOutcome(item, predicted, item.gold().equals(predicted));
    }

    public boolean unparseable() {
        return predicted == null;
    }
}
