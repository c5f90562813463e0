package dev.lorapar.tests.oracle;

/**
 * RoPE written as rope(x) = x ⊙ cos + (x·R) ⊙ sin for a row x of one head (size d), from the definitions:
 * pair i (0 ≤ i < d/2) turns by angle pos·θ^(−2i/d); its members are (x[i], x[i+d/2]) for ROTATE_HALF
 * (HF: x·cos + rotate_half(x)·sin with rotate_half(x) = [−x2, x1]) and (x[2i], x[2i+1]) for ADJACENT_PAIRS
 * (llama2.c: (a, b) → (a·cos − b·sin, a·sin + b·cos)). R is the signed permutation taking each member to its
 * partner; cos and sin repeat each pair's value at both members. Angles are computed in double.
 */
final class RotaryTables {
    /** cos of each member's angle, [seq×d] row-major. */
    final double[] cos;
    /** sin of each member's angle, [seq×d]. */
    final double[] sin;
    /** R [d×d]: (x·R)[j] = −partner for the first member of a pair, +partner for the second. */
    final double[] rotation;

    RotaryTables(OracleConfig c, int seq) {
        int d = c.headDim(), half = d / 2;
        cos = new double[seq * d];
        sin = new double[seq * d];
        rotation = new double[d * d];
        for (int j = 0; j < d; j++) {
            boolean adjacent = c.rope() == OracleConfig.Rope.ADJACENT_PAIRS;
            int pair = adjacent ? j / 2 : j % half;
            boolean first = adjacent ? j % 2 == 0 : j < half;
            int partner = adjacent ? (first ? j + 1 : j - 1) : (first ? j + half : j - half);
            rotation[partner * d + j] = first ? -1 : 1; // column j of R picks the partner with its sign
            double frequency = Math.pow(c.ropeTheta(), -2.0 * pair / d);
            for (int pos = 0; pos < seq; pos++) {
                cos[pos * d + j] = Math.cos(pos * frequency);
                sin[pos * d + j] = Math.sin(pos * frequency);
            }
        }
    }
}
