package dev.lorapar.model;

import dev.lorapar.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The host side of one {@link LlamaGenerator#generate} call: each request's new tokens, whether it has stopped and
 * why, and the per-row inputs of the next decode step (position fed, attention length, cache slot, draw index).
 * Rows that stopped keep being computed (the step's shape is fixed) at their last position; their output is ignored.
 */
final class Decoding {
    private final List<GenerationRequest> requests;
    private final int maxLength;
    private final Tokenizer tokenizer;
    private final int[][] tokens;   // [request][maxNewTokens]
    private final int[] count;      // [request] tokens generated so far
    private final GenerationResult.StopReason[] stopped; // [request] null while running

    Decoding(List<GenerationRequest> requests, int maxLength, Tokenizer tokenizer) {
        this.requests = requests;
        this.maxLength = maxLength;
        this.tokenizer = tokenizer;
        int n = requests.size();
        tokens = new int[n][];
        for (int r = 0; r < n; r++) {
            tokens[r] = new int[requests.get(r).maxNewTokens()];
        }
        count = new int[n];
        stopped = new GenerationResult.StopReason[n];
    }

    /**
     * Checks request r for a decoder of maxLength positions: prompt length, token ids in [0, vocab), stop strings only
     * with a tokenizer. Messages start with {@code op} and call the decoder {@code owner}.
     */
    static void checkRequest(String op, String owner, GenerationRequest q, int r, int maxLength, int vocab,
                             Tokenizer tokenizer) {
        if (q.prompt().length > maxLength) {
            throw new IllegalArgumentException(op + ": request " + r + " has a prompt of " + q.prompt().length
                    + " tokens, maxLength is " + maxLength);
        }
        for (int id : q.prompt()) {
            if (id < 0 || id >= vocab) {
                throw new IllegalArgumentException(op + ": request " + r + " has token " + id
                        + " outside the vocabulary [0, " + vocab + ")");
            }
        }
        if (!q.stopStrings().isEmpty() && tokenizer == null) {
            throw new IllegalArgumentException(op + ": request " + r + " has stop strings but the " + owner
                    + " was made without a tokenizer");
        }
    }

    /** Takes the sampled ids [n] of the step; returns true when every request has stopped. */
    boolean accept(int[] sampled) {
        boolean all = true;
        for (int r = 0; r < requests.size(); r++) {
            if (stopped[r] != null) {
                continue;
            }
            GenerationRequest q = requests.get(r);
            int id = sampled[r];
            if (id < 0) {
                throw new IllegalStateException("sampling failed for request " + r + " (non-finite logits)");
            }
            tokens[r][count[r]++] = id;
            if (contains(q.stopTokens(), id)) {
                stopped[r] = GenerationResult.StopReason.STOP_TOKEN;
            } else if (!q.stopStrings().isEmpty() && hasStopString(q, r)) {
                stopped[r] = GenerationResult.StopReason.STOP_STRING;
            } else if (count[r] == q.maxNewTokens()) {
                stopped[r] = GenerationResult.StopReason.MAX_NEW_TOKENS;
            } else if (q.prompt().length + count[r] > maxLength) {
                stopped[r] = GenerationResult.StopReason.MAX_LENGTH; // the next feed would need position maxLength
            }
            all &= stopped[r] != null;
        }
        return all;
    }

    private static boolean contains(int[] values, int id) {
        for (int v : values) {
            if (v == id) {
                return true;
            }
        }
        return false;
    }

    private boolean hasStopString(GenerationRequest q, int r) {
        String text = tokenizer.decode(Arrays.copyOf(tokens[r], count[r]));
        for (String stop : q.stopStrings()) {
            if (!stop.isEmpty() && text.contains(stop)) {
                return true;
            }
        }
        return false;
    }

    /** [3×maxBatch] I32: positions (of the token fed now), lengths (= position + 1), cache slots. */
    int[] rowInts(int maxBatch) {
        int[] out = new int[3 * maxBatch];
        for (int r = 0; r < requests.size(); r++) {
            int position = nextPosition(r);
            out[r] = position;
            out[maxBatch + r] = position + 1;
            out[2 * maxBatch + r] = r * maxLength + position;
        }
        return out;
    }

    /** The position of the token request r feeds next (its last sampled token), at most maxLength − 1. */
    int nextPosition(int r) {
        return Math.min(requests.get(r).prompt().length + count[r] - 1, maxLength - 1);
    }

    /** Tokens request r has generated so far. */
    int count(int r) {
        return count[r];
    }

    /** Token i of request r's continuation (i < count(r)). */
    int token(int r, int i) {
        return tokens[r][i];
    }

    /** Why request r stopped, or null while it runs. */
    GenerationResult.StopReason stopReason(int r) {
        return stopped[r];
    }

    /** [maxBatch] I64: the index of the token each row draws next (its sampling counter). */
    long[] drawIndices(int maxBatch) {
        long[] out = new long[maxBatch];
        for (int r = 0; r < requests.size(); r++) {
            out[r] = count[r];
        }
        return out;
    }

    List<GenerationResult> results() {
        List<GenerationResult> out = new ArrayList<>();
        for (int r = 0; r < requests.size(); r++) {
            out.add(new GenerationResult(Arrays.copyOf(tokens[r], count[r]), stopped[r]));
        }
        return out;
    }
}
