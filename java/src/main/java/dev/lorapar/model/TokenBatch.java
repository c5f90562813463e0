package dev.lorapar.model;

import java.util.Objects;

/**
 * A training batch of {@code batch} rows of {@code seq} tokens: input ids, next-token targets (−1 = no loss at that
 * position: prompt tokens, padding), optional per-token loss weights (RL advantages, null = 1) and optional packed
 * segment ids (null = one sequence per row; otherwise tokens attend only within their segment and RoPE positions
 * restart at 0 where the id changes). All arrays are [batch][seq].
 */
public record TokenBatch(int[][] tokens, int[][] targets, float[][] weights, int[][] segments) {
    public TokenBatch {
        Objects.requireNonNull(tokens, "TokenBatch: tokens");
        Objects.requireNonNull(targets, "TokenBatch: targets");
        if (tokens.length == 0 || tokens[0] == null || tokens[0].length == 0) {
            throw new IllegalArgumentException("TokenBatch: empty batch");
        }
        int seq = tokens[0].length;
        checkShape("tokens", tokens.length, seq, tokens.length, tokens);
        checkShape("targets", tokens.length, seq, targets.length, targets);
        if (weights != null) {
            if (weights.length != tokens.length) {
                throw new IllegalArgumentException("TokenBatch: weights has " + weights.length + " rows, tokens "
                        + tokens.length);
            }
            for (int b = 0; b < weights.length; b++) {
                if (weights[b] == null || weights[b].length != seq) {
                    throw new IllegalArgumentException("TokenBatch: weights row " + b + " must have " + seq + " values");
                }
                for (int i = 0; i < seq; i++) {
                    if (!Float.isFinite(weights[b][i])) {
                        throw new IllegalArgumentException("TokenBatch: weights[" + b + "][" + i + "] = "
                                + weights[b][i] + " is not finite");
                    }
                }
            }
        }
        if (segments != null) {
            checkShape("segments", tokens.length, seq, segments.length, segments);
        }
    }

    private static void checkShape(String name, int batch, int seq, int rows, int[][] a) {
        if (rows != batch) {
            throw new IllegalArgumentException("TokenBatch: " + name + " has " + rows + " rows, tokens " + batch);
        }
        for (int b = 0; b < rows; b++) {
            if (a[b] == null || a[b].length != seq) {
                throw new IllegalArgumentException("TokenBatch: " + name + " row " + b + " has "
                        + (a[b] == null ? "no" : a[b].length) + " entries, expected " + seq
                        + " (every row has the same length)");
            }
        }
    }

    /** Causal language modelling on whole sequences: input = s[0..n−2], target = s[1..n−1] (equal lengths n ≥ 2). */
    public static TokenBatch nextToken(int[][] sequences) {
        int n = sequences[0].length;
        int[][] in = new int[sequences.length][], out = new int[sequences.length][];
        for (int b = 0; b < sequences.length; b++) {
            if (sequences[b].length != n || n < 2) {
                throw new IllegalArgumentException("TokenBatch.nextToken: every sequence needs the same length ≥ 2");
            }
            in[b] = java.util.Arrays.copyOf(sequences[b], n - 1);
            out[b] = java.util.Arrays.copyOfRange(sequences[b], 1, n);
        }
        return new TokenBatch(in, out, null, null);
    }

    public int batch() {
        return tokens.length;
    }

    public int seq() {
        return tokens[0].length;
    }

    public int rows() {
        return batch() * seq();
    }

    /** Checks every id against the vocabulary; targets may also be −1. */
    void checkVocabulary(int vocab) {
        for (int b = 0; b < batch(); b++) {
            for (int i = 0; i < seq(); i++) {
                if (tokens[b][i] < 0 || tokens[b][i] >= vocab) {
                    throw new IllegalArgumentException("TokenBatch: token " + tokens[b][i] + " at [" + b + "][" + i
                            + "] is outside the vocabulary [0, " + vocab + ")");
                }
                if (targets[b][i] < -1 || targets[b][i] >= vocab) {
                    throw new IllegalArgumentException("TokenBatch: target " + targets[b][i] + " at [" + b + "][" + i
                            + "] is outside [0, " + vocab + ") and not −1 (ignored)");
                }
            }
        }
    }

    /** RoPE positions, row-major [batch·seq]: i within the row, or from the start of the token's segment. */
    float[] positions() {
        float[] pos = new float[rows()];
        for (int b = 0; b < batch(); b++) {
            int start = 0;
            for (int i = 0; i < seq(); i++) {
                if (segments != null && i > 0 && segments[b][i] != segments[b][i - 1]) {
                    start = i;
                }
                pos[b * seq() + i] = i - start;
            }
        }
        return pos;
    }

    static float[] flatten(int[][] a) {
        int seq = a[0].length;
        float[] out = new float[a.length * seq];
        for (int b = 0; b < a.length; b++) {
            for (int i = 0; i < seq; i++) {
                out[b * seq + i] = a[b][i];
            }
        }
        return out;
    }

    static float[] flatten(float[][] a) {
        int seq = a[0].length;
        float[] out = new float[a.length * seq];
        for (int b = 0; b < a.length; b++) {
            System.arraycopy(a[b], 0, out, b * seq, seq);
        }
        return out;
    }
}
