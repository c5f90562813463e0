package dev.lorapar.tests.oracle;

/**
 * A training batch for {@link TorchLlama#gradients}: the loss is
 * <pre>  L = lossScale · Σ_{b,t : targets[b][t] ≥ 0} w[b][t] · CE(logits[b·S + t], targets[b][t])</pre>
 * with CE(z, y) = logsumexp(z) − z[y] (natural log) and w = 1 when {@code tokenWeights} is null.
 * No averaging happens inside: a mean over tokens is lossScale = 1 / count.
 *
 * @param tokens       token ids [batch][seq], every row of the same length S ≥ 1, positions 0..S−1
 * @param targets      [batch][seq]: the id to predict at each position, or −1 (any negative) to ignore it
 * @param tokenWeights [batch][seq] per-token weights w, or null for all ones
 * @param lossScale    multiplies the whole sum
 */
public record OracleBatch(int[][] tokens, int[][] targets, float[][] tokenWeights, double lossScale) {
    public OracleBatch {
        if (tokens == null || tokens.length == 0 || tokens[0].length == 0) {
            throw new IllegalArgumentException("OracleBatch: empty tokens");
        }
        int seq = tokens[0].length;
        check("tokens", tokens, seq);
        if (targets == null || targets.length != tokens.length) throw new IllegalArgumentException("OracleBatch: targets rows");
        check("targets", targets, seq);
        if (tokenWeights != null) {
            if (tokenWeights.length != tokens.length) throw new IllegalArgumentException("OracleBatch: tokenWeights rows");
            for (float[] row : tokenWeights) {
                if (row == null || row.length != seq) throw new IllegalArgumentException("OracleBatch: tokenWeights row length");
            }
        }
        if (!Double.isFinite(lossScale)) throw new IllegalArgumentException("OracleBatch: lossScale " + lossScale);
    }

    /** Next-token targets of {@code tokens} (targets[b][t] = tokens[b][t+1], the last position ignored), weights 1. */
    public static OracleBatch nextToken(int[][] tokens, double lossScale) {
        int[][] targets = new int[tokens.length][];
        for (int b = 0; b < tokens.length; b++) {
            targets[b] = new int[tokens[b].length];
            for (int t = 0; t < tokens[b].length; t++) targets[b][t] = t + 1 < tokens[b].length ? tokens[b][t + 1] : -1;
        }
        return new OracleBatch(tokens, targets, null, lossScale);
    }

    public int batch() {
        return tokens.length;
    }

    public int seq() {
        return tokens[0].length;
    }

    /** The weight of token t of sequence b (1 without weights). */
    public double weight(int b, int t) {
        return tokenWeights == null ? 1.0 : tokenWeights[b][t];
    }

    private static void check(String name, int[][] rows, int seq) {
        for (int[] row : rows) {
            if (row == null || row.length != seq) {
                throw new IllegalArgumentException("OracleBatch: every row of " + name + " must have length " + seq);
            }
        }
    }
}
