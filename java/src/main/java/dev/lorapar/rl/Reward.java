package dev.lorapar.rl;

import java.util.function.ToDoubleBiFunction;

/**
 * One component of the reward: a value for a completion (its decoded text, special tokens left out) of an item.
 * Components are summed into the reward that GRPO's advantages come from; each is logged per step under its
 * {@link #name()}. Implementations must be deterministic and thread-safe.
 */
public interface Reward {
    /** A short name for logs and metrics (letters, digits, underscores). */
    String name();

    /** The value of {@code completion} as an answer to {@code item}. */
    double score(String completion, RlItem item);

    /** A reward from a name and a function of (completion, item). */
    static Reward of(String name, ToDoubleBiFunction<String, RlItem> f) {
        return new Reward() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public double score(String completion, RlItem item) {
                return f.applyAsDouble(completion, item);
            }

            @Override
            public String toString() {
                return name;
            }
        };
    }
}
