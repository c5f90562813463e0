package dev.lorapar.rl;

import dev.lorapar.tokenizer.PromptFormat;
import java.util.Objects;

/**
 * How prompts become completions.
 *
 * @param format        prompt template ({@link PromptFormat#LLAMA2_CHAT} by default)
 * @param systemPrompt  the system instruction (null or blank: none); an item's own system prompt wins. Formats without
 *                      a system slot get it in front of the question, a blank line between
 * @param maxPrompt     prompt tokens kept (the end is kept: BOS and the start are cut from longer prompts)
 * @param maxCompletion new tokens at most per completion
 * @param groupSize     G completions per prompt (≥ 2)
 * @param temperature   sampling temperature (&gt; 0)
 * @param topK          0 = off
 * @param topP          1 = off
 * @param ignoreEos     no stop at EOS (every completion runs to maxCompletion: benchmarks)
 * @param seed          the run's seed; each completion's sampling seed is derived from (seed, step, prompt, index)
 */
public record RolloutOptions(PromptFormat format, String systemPrompt, int maxPrompt, int maxCompletion, int groupSize,
                             float temperature, int topK, float topP, boolean ignoreEos, long seed) {
    /** The system instruction asking for the method's reasoning / answer format. */
    public static final String XML_SYSTEM_PROMPT = """
            Respond in the following format, with your reasoning first and then only the final answer:
            <reasoning>
            ...
            </reasoning>
            <answer>
            ...
            </answer>""";

    public RolloutOptions {
        Objects.requireNonNull(format, "format");
        if (maxPrompt < 1 || maxCompletion < 1) {
            throw new IllegalArgumentException("max_prompt and max_completion must be ≥ 1, got " + maxPrompt + ", "
                    + maxCompletion);
        }
        if (groupSize < 2) {
            throw new IllegalArgumentException("num_generations (G) must be ≥ 2, got " + groupSize);
        }
        if (!(temperature > 0) || !Float.isFinite(temperature)) {
            throw new IllegalArgumentException("temperature must be > 0 (GRPO samples), got " + temperature);
        }
    }

    /** The method's defaults: Llama-2-chat with the XML instruction, 128 / 256 tokens, G = 8, temperature 0.9. */
    public static RolloutOptions defaults(long seed) {
        return new RolloutOptions(PromptFormat.LLAMA2_CHAT, XML_SYSTEM_PROMPT, 128, 256, 8, 0.9f, 0, 1f, false, seed);
    }
}
