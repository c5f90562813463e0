package dev.lorapar.eval.bench;

import java.util.List;
import java.util.Objects;

/**
 * One evaluation item.
 *
 * @param id unique within its benchmark file (the dataset's own id where it has one, else {@code <name>/<n>})
 * @param benchmark the benchmark it belongs to
 * @param subject MMLU subject (file-name form, e.g. {@code abstract_algebra}), MATH category, SVAMP type; null when
 *     the benchmark has none
 * @param question the question text as the file has it (ARC without its {@code "Question: "} prefix)
 * @param choices the choice texts in label order A, B, C, … (at most 26); empty unless the item is multiple choice
 * @param gold the normalised gold answer: a choice letter, {@code yes}/{@code no}, a number in
 *     {@link NumericAnswer} canonical form, or a {@link MathAnswer}-normalised expression
 * @param solution the dataset's worked solution ending in the answer (GSM8K answer, MATH chain of thought, AQuA
 *     rationale, StrategyQA target), used as few-shot exemplar text; null when the dataset has none
 * @param source where the record is
 */
public record EvalItem(String id, Benchmark benchmark, String subject, String question, List<String> choices,
        String gold, String solution, ItemSource source) {
    public EvalItem {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(benchmark, "benchmark");
        Objects.requireNonNull(question, "question");
        choices = List.copyOf(choices);
        Objects.requireNonNull(gold, "gold");
        Objects.requireNonNull(source, "source");
        if (!choices.isEmpty() && (choices.size() > 26 || gold.length() != 1 || gold.charAt(0) < 'A'
                || gold.charAt(0) >= 'A' + choices.size())) {
            throw new IllegalArgumentException(id + ": gold \"" + gold + "\" is not the label of one of its "
                    + choices.size() + " choices");
        }
    }

    /** The label of choice {@code i}: {@code A}, {@code B}, … */
    public static String label(int i) {
        if (i < 0 || i >= 26) {
            throw new IllegalArgumentException("choice index " + i + " outside 0..25");
        }
        return String.valueOf((char) ('A' + i));
    }

    /** The index of the gold choice (0 for A); -1 when the item has no choices. */
    public int goldIndex() {
        if (choices.isEmpty()) {
            return -1;
        }
        return gold.charAt(0) - 'A';
    }

    /** The text of the gold choice; the gold answer itself when there are no choices. */
    public String goldText() {
        return choices.isEmpty() ? gold : choices.get(goldIndex());
    }
}
