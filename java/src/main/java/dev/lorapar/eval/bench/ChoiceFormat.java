package dev.lorapar.eval.bench;

/** What a multiple-choice item's continuations are. */
public enum ChoiceFormat {
    /** The choices are listed in the prompt ({@code A. …}) and the continuations are {@code " A"}, {@code " B"}, … */
    LETTERS,
    /** The choices are not listed; the continuations are {@code " <choice text>"} (lm-evaluation-harness ARC style). */
    TEXTS
}
