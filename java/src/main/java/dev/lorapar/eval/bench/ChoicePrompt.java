package dev.lorapar.eval.bench;

import dev.lorapar.tokenizer.PromptFormat;
import dev.lorapar.tokenizer.PromptTokens;
import dev.lorapar.tokenizer.Tokenizer;
import java.util.List;
import java.util.Objects;

/**
 * A multiple-choice item ready for log-likelihood scoring: the runner sums the log-probabilities of each
 * continuation's tokens after the context and hands them to {@link ChoiceScoring}.
 *
 * @param context the prompt text (exemplars included), ending just before the answer
 * @param continuations one per choice, in label order, each starting with its space ({@code " A"} or
 *     {@code " <choice text>"})
 * @param goldIndex the index of the gold continuation
 */
public record ChoicePrompt(String context, List<String> continuations, int goldIndex) {
    public ChoicePrompt {
        Objects.requireNonNull(context, "context");
        continuations = List.copyOf(continuations);
        if (goldIndex < 0 || goldIndex >= continuations.size()) {
            throw new IllegalArgumentException("gold index " + goldIndex + " outside 0.." + (continuations.size() - 1));
        }
    }

    /**
     * Context + continuation {@code choice} as ids ({@link PromptFormat#PLAIN}: BOS, tokens of the joined text);
     * the scored tokens are those from {@link PromptTokens#answerStart()} on.
     */
    public PromptTokens encode(Tokenizer tokenizer, int choice) {
        return PromptFormat.PLAIN.encode(tokenizer, context, continuations.get(choice));
    }
}
