package dev.lorapar.eval.bench;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Picks a choice from per-continuation scores. The runner computes, for each continuation of a
 * {@link ChoicePrompt}, the summed log-probability of its tokens given the context. {@code acc} takes the largest
 * sum; {@code acc_norm} (as lm-evaluation-harness) divides each sum by the continuation's length in UTF-8 bytes
 * first, so that long choice texts are not penalised for their length. Ties go to the lowest index.
 */
public final class ChoiceScoring {
    private ChoiceScoring() {
    }

    /** The index of the largest score (the first on ties). */
    public static int argmax(double[] scores) {
        if (scores.length == 0) {
            throw new IllegalArgumentException("no scores");
        }
        int best = 0;
        for (int i = 0; i < scores.length; i++) {
            if (Double.isNaN(scores[i])) {
                throw new IllegalArgumentException("score " + i + " is NaN");
            }
            if (scores[i] > scores[best]) {
                best = i;
            }
        }
        return best;
    }

    /** {@code logLikelihoods[i] / lengths[i]}. */
    public static double[] lengthNormalized(double[] logLikelihoods, int[] lengths) {
        if (logLikelihoods.length != lengths.length) {
            throw new IllegalArgumentException(logLikelihoods.length + " scores, " + lengths.length + " lengths");
        }
        double[] out = new double[lengths.length];
        for (int i = 0; i < lengths.length; i++) {
            if (lengths[i] <= 0) {
                throw new IllegalArgumentException("length " + i + " is " + lengths[i]);
            }
            out[i] = logLikelihoods[i] / lengths[i];
        }
        return out;
    }

    /** The UTF-8 byte length of each continuation (the normaliser of {@code acc_norm}). */
    public static int[] byteLengths(List<String> continuations) {
        return continuations.stream().mapToInt(s -> s.getBytes(StandardCharsets.UTF_8).length).toArray();
    }

    /** {@code acc}: the continuation with the largest summed log-likelihood. */
    public static ItemOutcome outcome(EvalItem item, ChoicePrompt prompt, double[] logLikelihoods) {
        return pick(item, prompt, logLikelihoods);
    }

    /** {@code acc_norm}: the largest log-likelihood per UTF-8 byte of the continuation. */
    public static ItemOutcome outcomeNormalized(EvalItem item, ChoicePrompt prompt, double[] logLikelihoods) {
        return pick(item, prompt, lengthNormalized(logLikelihoods, byteLengths(prompt.continuations())));
    }

    private static ItemOutcome pick(EvalItem item, ChoicePrompt prompt, double[] scores) {
        if (scores.length != prompt.continuations().size()) {
            throw new IllegalArgumentException(scores.length + " scores for " + prompt.continuations().size()
                    + " continuations of " + item.id());
        }
        return ItemOutcome.of(item, EvalItem.label(argmax(scores)));
    }
}
