package dev.lorapar.demo;

import java.util.Objects;

/**
 * One generated item.
 *
 * @param question the prompt text
 * @param answer   the training target: the bare value for System-1 items, a worked solution ending
 *                 {@code #### gold} for System-2 items
 * @param gold     the checkable answer (a number, or a name of the world)
 * @param kind     what kind of item it is (and so its system)
 * @param chainKey for multi-hop items the chain followed (start entity, relation path, attribute); else null
 */
public record DemoItem(String question, String answer, String gold, TaskKind kind, String chainKey) {
    public DemoItem {
        Objects.requireNonNull(question, "question");
        Objects.requireNonNull(answer, "answer");
        Objects.requireNonNull(gold, "gold");
        Objects.requireNonNull(kind, "kind");
        if (question.isBlank() || answer.isBlank() || gold.isBlank()) {
            throw new IllegalArgumentException("empty question, answer or gold in a " + kind + " item");
        }
        if ((kind == TaskKind.MULTI_HOP) != (chainKey != null)) {
            throw new IllegalArgumentException("a chain key belongs exactly to multi-hop items (" + kind + ")");
        }
    }

    public DemoSystem system() {
        return kind.system();
    }
}
