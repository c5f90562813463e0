package dev.lorapar.eval.bench;

import dev.lorapar.tokenizer.PromptFormat;
import dev.lorapar.tokenizer.PromptTokens;
import dev.lorapar.tokenizer.Tokenizer;
import java.util.List;
import java.util.Objects;

/**
 * A prompt for generation.
 *
 * @param text the prompt text (for REFERENCE_SCRIPT the bare question; the special tokens are added as ids)
 * @param format how {@link #encode} turns the text into ids
 * @param stopStrings where generation should stop (the runner's stop strings); the output is cut at the first
 */
public record GenerationPrompt(String text, PromptFormat format, List<String> stopStrings) {
    public GenerationPrompt {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(format, "format");
        stopStrings = List.copyOf(stopStrings);
    }

    /** The prompt's ids (BOS first). */
    public PromptTokens encode(Tokenizer tokenizer) {
        return format.encode(tokenizer, text, null);
    }

    /** The output up to (without) the earliest stop string. */
    public String truncate(String output) {
        int cut = output.length();
        for (String stop : stopStrings) {
            int at = output.indexOf(stop);
            if (at >= 0 && at < cut) {
                cut = at;
            }
        }
        return output.substring(0, cut);
    }
}
