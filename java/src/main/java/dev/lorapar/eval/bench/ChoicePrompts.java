package dev.lorapar.eval.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * Prompts for multiple choice by log-likelihood, in the plain style of the standard harnesses. Exemplars come
 * first, each a complete question with its gold answer followed by a blank line.
 *
 * <p>MMLU (Hendrycks et al.'s evaluation), with {@link ChoiceFormat#LETTERS}:
 * <pre>
 * The following are multiple choice questions (with answers) about abstract algebra.
 *
 * &lt;exemplar question&gt;
 * A. …
 * B. …
 * C. …
 * D. …
 * Answer: B
 *
 * &lt;question&gt;
 * A. …
 * …
 * Answer:</pre>
 * with continuations {@code " A"} … {@code " D"}; with {@link ChoiceFormat#TEXTS} the choice lines are left out and
 * each answer is {@code " <choice text>"}. Other benchmarks (ARC, CommonsenseQA, AQuA) have no header and prefix
 * each question with {@code "Question: "}: {@code "Question: <q>\nAnswer:"} and continuations
 * {@code " <choice text>"} (TEXTS, the lm-evaluation-harness ARC prompt), or with the choice lines and letters.
 */
public final class ChoicePrompts {
    private ChoicePrompts() {
    }

    /** MMLU's header for a subject in file-name form: underscores become spaces. */
    public static String mmluHeader(String subject) {
        return "The following are multiple choice questions (with answers) about " + subject.replace('_', ' ') + ".\n\n";
    }

    /**
     * The prompt of {@code item} after {@code exemplars} (empty: zero-shot). Exemplars must have the same number
     * of choices as the item.
     *
     * @throws IllegalArgumentException for an item without choices or an exemplar with a different number of them
     */
    public static ChoicePrompt build(EvalItem item, List<EvalItem> exemplars, ChoiceFormat format) {
        int count = item.choices().size();
        if (count == 0) {
            throw new IllegalArgumentException(item.id() + " has no choices");
        }
        StringBuilder context = new StringBuilder();
        boolean mmlu = item.benchmark() == Benchmark.MMLU;
        if (mmlu) {
            context.append(mmluHeader(item.subject() == null ? "" : item.subject()));
        }
        for (EvalItem exemplar : exemplars) {
            if (exemplar.choices().size() != count) {
                throw new IllegalArgumentException("exemplar " + exemplar.id() + " has " + exemplar.choices().size()
                        + " choices, " + item.id() + " has " + count);
            }
            question(context, exemplar, format, mmlu);
            context.append(answerText(exemplar, exemplar.goldIndex(), format)).append("\n\n");
        }
        question(context, item, format, mmlu);
        List<String> continuations = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            continuations.add(answerText(item, i, format));
        }
        return new ChoicePrompt(context.toString(), continuations, item.goldIndex());
    }

    /** The question, its choice lines under LETTERS, and {@code "Answer:"}. */
    private static void question(StringBuilder out, EvalItem item, ChoiceFormat format, boolean mmlu) {
        out.append(mmlu ? "" : "Question: ").append(item.question().strip()).append('\n');
        if (format == ChoiceFormat.LETTERS) {
            appendChoiceLines(out, item);
        }
        out.append("Answer:");
    }

    /** {@code "A. <choice>\n"} for every choice. */
    static void appendChoiceLines(StringBuilder out, EvalItem item) {
        for (int i = 0; i < item.choices().size(); i++) {
            out.append(EvalItem.label(i)).append(". ").append(item.choices().get(i)).append('\n');
        }
    }

    private static String answerText(EvalItem item, int choice, ChoiceFormat format) {
        return " " + (format == ChoiceFormat.LETTERS ? EvalItem.label(choice) : item.choices().get(choice));
    }
}
