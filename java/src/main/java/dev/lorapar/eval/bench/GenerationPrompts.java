package dev.lorapar.eval.bench;

import dev.lorapar.tokenizer.PromptFormat;
import java.util.List;

/**
 * Prompts for generation. The question body is the item's question; an item with choices adds them: AQuA in
 * Kojima et al.'s zero-shot-CoT style ({@code "\nAnswer Choices: (A) … (B) …"}), other multiple-choice items as
 * lines {@code "A. …"}. An exemplar's answer is its dataset solution (GSM8K's reasoning ending {@code #### n}, the
 * MATH chain of thought, the AQuA rationale, the StrategyQA target) or, without one,
 * {@code "The answer is <gold>."} (a choice item's gold is its letter).
 */
public final class GenerationPrompts {
    /** The stop string of {@link GenerationTemplate#QUESTION_ANSWER}: the model starting the next question. */
    public static final String NEXT_QUESTION = "Question:";

    private GenerationPrompts() {
    }

    /**
     * The prompt for {@code item} after {@code exemplars} (empty: zero-shot).
     *
     * @throws IllegalArgumentException for exemplars with {@link GenerationTemplate#REFERENCE_SCRIPT}
     */
    public static GenerationPrompt build(EvalItem item, List<EvalItem> exemplars, GenerationTemplate template) {
        if (template == GenerationTemplate.REFERENCE_SCRIPT) {
            if (!exemplars.isEmpty()) {
                throw new IllegalArgumentException("the reference template <s>{q}</s> is zero-shot; got "
                        + exemplars.size() + " exemplars");
            }
            return new GenerationPrompt(body(item), PromptFormat.REFERENCE_SCRIPT, List.of());
        }
        StringBuilder text = new StringBuilder();
        for (EvalItem exemplar : exemplars) {
            text.append("Question: ").append(body(exemplar)).append("\nAnswer: ").append(exemplarAnswer(exemplar))
                    .append("\n\n");
        }
        text.append("Question: ").append(body(item)).append("\nAnswer:");
        return new GenerationPrompt(text.toString(), PromptFormat.PLAIN, List.of(NEXT_QUESTION));
    }

    /** The question with its choices, if any. */
    public static String body(EvalItem item) {
        String question = item.question().strip();
        if (item.choices().isEmpty()) {
            return question;
        }
        StringBuilder out = new StringBuilder(question);
        if (item.benchmark() == Benchmark.AQUA) {
            out.append("\nAnswer Choices:");
            for (int i = 0; i < item.choices().size(); i++) {
                out.append(" (").append(EvalItem.label(i)).append(") ").append(item.choices().get(i));
            }
            return out.toString();
        }
        out.append('\n');
        ChoicePrompts.appendChoiceLines(out, item);
        out.setLength(out.length() - 1);
        return out.toString();
    }

    /** The exemplar's solution, or {@code "The answer is <gold>."}. */
    public static String exemplarAnswer(EvalItem exemplar) {
        return exemplar.solution() != null ? exemplar.solution().strip() : "The answer is " + exemplar.gold() + ".";
    }
}
