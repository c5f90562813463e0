package dev.lorapar.tokenizer;

import java.util.Arrays;

/**
 * A formatted training or generation sequence: its token ids and where the answer starts, so that a
 * trainer can put the loss on {@code ids[answerStart..]} only.
 *
 * @param ids         the token ids, BOS / EOS included as ids
 * @param answerStart index of the answer's first token; {@code ids.length} when there is no answer
 *                    (a generation prompt)
 */
public record PromptTokens(int[] ids, int answerStart) {
    /** Checks {@code 0 <= answerStart <= ids.length} and copies {@code ids}. */
    public PromptTokens {
        ids = ids.clone();
        if (answerStart < 0 || answerStart > ids.length) {
            throw new IllegalArgumentException("answerStart " + answerStart + " outside [0, " + ids.length + "]");
        }
    }

    /** A copy of the ids. */
    @Override
    public int[] ids() {
        return ids.clone();
    }

    /** The number of tokens. */
    public int length() {
        return ids.length;
    }

    /** The prompt part, {@code ids[0..answerStart)}. */
    public int[] promptIds() {
        return Arrays.copyOf(ids, answerStart);
    }

    /** The answer part, {@code ids[answerStart..]}. */
    public int[] answerIds() {
        return Arrays.copyOfRange(ids, answerStart, ids.length);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof PromptTokens that && answerStart == that.answerStart && Arrays.equals(ids, that.ids);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(ids) + answerStart;
    }

    @Override
    public String toString() {
        return "PromptTokens[ids=" + Arrays.toString(ids) + ", answerStart=" + answerStart + "]";
    }
}
