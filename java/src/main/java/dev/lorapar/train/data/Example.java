package dev.lorapar.train.data;

import dev.lorapar.tokenizer.ChatTurn;
import java.util.List;
import java.util.Objects;

/**
 * One supervised training example as read from a data file: a single exchange or a multi-turn dialog. The
 * texts are as the file has them (no template applied; {@link SampleEncoder} applies the prompt format).
 */
public sealed interface Example permits Example.SingleTurn, Example.Dialog {
    /** The system prompt, or null. */
    String system();

    /** The file and line of the record. */
    SourceLine source();

    /**
     * One prompt and its answer (GSM8K question/answer, Alpaca instruction/input/output, prompt/completion).
     *
     * @param system the system prompt, or null
     * @param prompt the user's text (non-blank)
     * @param answer the text to learn (non-blank)
     */
    record SingleTurn(String system, String prompt, String answer, SourceLine source) implements Example {
        public SingleTurn {
            Objects.requireNonNull(prompt, "prompt");
            Objects.requireNonNull(answer, "answer");
            Objects.requireNonNull(source, "source");
        }
    }

    /**
     * A dialog (chat messages): user/assistant exchanges, every one answered; the loss covers every answer.
     *
     * @param system the system prompt, or null
     * @param turns  at least one turn, each with a non-null assistant reply
     */
    record Dialog(String system, List<ChatTurn> turns, SourceLine source) implements Example {
        public Dialog {
            turns = List.copyOf(turns);
            Objects.requireNonNull(source, "source");
            if (turns.isEmpty()) {
                throw new IllegalArgumentException("a dialog needs at least one turn (" + source + ")");
            }
            for (int t = 0; t < turns.size(); t++) {
                if (turns.get(t).assistant() == null) {
                    throw new IllegalArgumentException("turn " + t + " of " + source + " has no answer");
                }
            }
        }
    }
}
