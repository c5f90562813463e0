package dev.lorapar.tokenizer;

import java.util.Arrays;
import java.util.List;

/**
 * How a (question, answer) pair becomes one token sequence. Special tokens are always placed as ids
 * ({@link Tokenizer#bosId()}, {@link Tokenizer#eosId()}), never written as text to be tokenized. Every
 * format returns the ids and the index where the answer starts ({@link PromptTokens}); with a null
 * answer the result is a generation prompt.
 */
public enum PromptFormat {
    /**
     * {@code {q}{a}}: BOS, then the tokens of the concatenated text {@code q + a} (one dummy-prefix
     * space). The answer starts at the first token where this differs from the tokens of {@code q}
     * alone; when {@code q} ends on a token boundary (e.g. with a newline or ":") that is exactly after
     * the tokens of {@code q}, otherwise the token straddling the boundary counts as answer.
     */
    PLAIN,
    /**
     * {@code <s>{q}</s>{a}</s>}, the LoRA-PAR reference script's format: BOS id, tokens of {@code q},
     * EOS id, tokens of {@code a}, EOS id. {@code q} and {@code a} are encoded separately, each with its
     * dummy-prefix space (as HF tokenizers encode the text between special tokens).
     */
    REFERENCE_SCRIPT,
    /**
     * Meta's Llama-2-chat format {@code <s>[INST] <<SYS>>\n{system}\n<</SYS>>\n\n{user} [/INST] {answer} </s>},
     * multi-turn through {@link #encodeDialog}; see {@link Llama2ChatTemplate}.
     */
    LLAMA2_CHAT;

    /** One exchange without a system prompt; {@code answer} may be null (a generation prompt). */
    public PromptTokens encode(Tokenizer tokenizer, String question, String answer) {
        return encodeDialog(tokenizer, null, List.of(new ChatTurn(question, answer)));
    }

    /**
     * A dialog. Only {@link #LLAMA2_CHAT} takes a system prompt (nullable) and several turns; the answer
     * start is that of the last turn (earlier answers are context).
     *
     * @throws IllegalArgumentException for a system prompt or several turns in PLAIN / REFERENCE_SCRIPT,
     *     a missing answer before the last turn, or chat tags inside a LLAMA2_CHAT message
     */
    public PromptTokens encodeDialog(Tokenizer tokenizer, String system, List<ChatTurn> turns) {
        if (this == LLAMA2_CHAT) {
            return Llama2ChatTemplate.encode(tokenizer, system, turns);
        }
        if (system != null || turns.size() != 1) {
            throw new IllegalArgumentException(this + " takes one turn and no system prompt (got " + turns.size()
                    + " turns" + (system != null ? " and a system prompt)" : ")"));
        }
        String question = turns.get(0).user();
        String answer = turns.get(0).assistant();
        return this == PLAIN ? plain(tokenizer, question, answer) : referenceScript(tokenizer, question, answer);
    }

    /** BOS + tokens(q + a); the answer starts where they first differ from BOS + tokens(q). */
    private static PromptTokens plain(Tokenizer tokenizer, String question, String answer) {
        int[] prompt = tokenizer.encode(question, true, false);
        if (answer == null) {
            return new PromptTokens(prompt, prompt.length);
        }
        int[] ids = tokenizer.encode(question + answer, true, false);
        int firstDifference = Arrays.mismatch(ids, prompt);  // -1 when equal (empty answer)
        return new PromptTokens(ids, firstDifference < 0 ? ids.length : Math.min(firstDifference, prompt.length));
    }

    /** BOS, tokens(q), EOS, tokens(a), EOS. */
    private static PromptTokens referenceScript(Tokenizer tokenizer, String question, String answer) {
        int[] prompt = tokenizer.encode(question, true, true);
        if (answer == null) {
            return new PromptTokens(prompt, prompt.length);
        }
        int[] answerIds = tokenizer.encode(answer, false, true);
        int[] ids = Arrays.copyOf(prompt, prompt.length + answerIds.length);
        System.arraycopy(answerIds, 0, ids, prompt.length, answerIds.length);
        return new PromptTokens(ids, prompt.length);
    }
}
