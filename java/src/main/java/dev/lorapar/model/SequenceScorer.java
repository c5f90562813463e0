package dev.lorapar.model;

import dev.lorapar.core.Stream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * Log-likelihoods of continuations given contexts, Σ_t log p(continuation_t | context, continuation_<t), for
 * multiple-choice evaluation by likelihood (MMLU, ARC) and for the log-probabilities of sampled completions (RL).
 * Pairs are sorted by length and batched up to {@code maxTokens} rows × positions (right-padded: padding never
 * reaches a real token through causal attention). Owns a {@link LlamaForwardBackward} workspace.
 */
public final class SequenceScorer implements AutoCloseable {
    /** The score of one pair: summed log-probability and its token count. */
    public record Score(double logLikelihood, int tokens) {
        /** Mean log-probability per continuation token (length-normalised scoring). */
        public double perToken() {
            return tokens == 0 ? 0 : logLikelihood / tokens;
        }
    }

    private final LlamaWeights weights;
    private final LlamaForwardBackward pass;
    private final int maxTokens;

    public SequenceScorer(LlamaWeights weights, Stream stream, int maxTokens) {
        this.weights = Objects.requireNonNull(weights, "weights");
        this.maxTokens = maxTokens;
        this.pass = LlamaForwardBackward.create(weights, stream, LlamaForwardBackward.Options.of(maxTokens));
    }

    /** Scores each (contexts[i], continuations[i]); contexts non-empty (start them with BOS), continuations non-empty. */
    public List<Score> score(List<int[]> contexts, List<int[]> continuations, LoraAdapter adapter) {
        if (contexts.size() != continuations.size()) {
            throw new IllegalArgumentException(contexts.size() + " contexts but " + continuations.size()
                    + " continuations");
        }
        int n = contexts.size();
        Integer[] order = new Integer[n];
        int[] lengths = new int[n]; // input positions: context + continuation − 1
        for (int i = 0; i < n; i++) {
            order[i] = i;
            if (contexts.get(i).length == 0 || continuations.get(i).length == 0) {
                throw new IllegalArgumentException("pair " + i + ": context and continuation must both be non-empty");
            }
            lengths[i] = contexts.get(i).length + continuations.get(i).length - 1;
            if (lengths[i] > maxTokens) {
                throw new IllegalArgumentException("pair " + i + " needs " + lengths[i] + " positions, the scorer holds "
                        + maxTokens);
            }
        }
        Arrays.sort(order, Comparator.comparingInt(i -> -lengths[i]));
        Score[] scores = new Score[n];
        int start = 0;
        while (start < n) {
            int seq = lengths[order[start]];
            int rows = Math.max(1, Math.min(n - start, maxTokens / seq));
            List<Integer> members = new ArrayList<>(Arrays.asList(order).subList(start, start + rows));
            scoreBatch(members, seq, contexts, continuations, adapter, scores);
            start += rows;
        }
        return List.of(scores);
    }

    private void scoreBatch(List<Integer> members, int seq, List<int[]> contexts, List<int[]> continuations,
                            LoraAdapter adapter, Score[] out) {
        int rows = members.size();
        int[][] tokens = new int[rows][seq], targets = new int[rows][seq];
        for (int r = 0; r < rows; r++) {
            int[] ctx = contexts.get(members.get(r)), cont = continuations.get(members.get(r));
            int[] full = new int[ctx.length + cont.length];
            System.arraycopy(ctx, 0, full, 0, ctx.length);
            System.arraycopy(cont, 0, full, ctx.length, cont.length);
            Arrays.fill(targets[r], -1);
            for (int i = 0; i < full.length - 1; i++) {
                tokens[r][i] = full[i];
                if (i + 1 >= ctx.length) {
                    targets[r][i] = full[i + 1];
                }
            }
        }
        LlamaForwardBackward.StepResult res = pass.loss(new TokenBatch(tokens, targets, null, null), adapter);
        float[] losses = res.tokenLosses(); // [rows·seq] −log p, 0 where ignored
        for (int r = 0; r < rows; r++) {
            double sum = 0;
            for (int i = 0; i < seq; i++) {
                sum -= losses[r * seq + i];
            }
            out[members.get(r)] = new Score(sum, continuations.get(members.get(r)).length);
        }
    }

    /** The weights scored against. */
    public LlamaWeights weights() {
        return weights;
    }

    @Override
    public void close() {
        pass.close();
    }
}
