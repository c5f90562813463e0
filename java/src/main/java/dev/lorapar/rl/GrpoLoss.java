package dev.lorapar.rl;

/**
 * The GRPO objective of a set of completions, in double precision, and its derivative with respect to each completion
 * token's log-probability under the policy, turned into the signed per-token cross-entropy weights that
 * {@code LlamaForwardBackward} backpropagates.
 *
 * <p>Per completion token t of sequence i (policy log-prob p, reference log-prob r with the adapter disabled, old
 * log-prob q from the policy that sampled, advantage A_i):
 * <pre>
 *   ratio = exp(p − q)                       (μ = 1: q = p held constant, so ratio = 1 and ∂ratio/∂p = 1)
 *   surrogate = min(ratio·A, clip(ratio, 1 − ε, 1 + ε)·A)
 *   k3 = exp(r − p) − (r − p) − 1
 *   ℓ = −surrogate + β·k3
 *   L = (1/N) Σ_i (1/n_i) Σ_t ℓ_it           (per-sequence mean over its n_i completion tokens, then the mean over N)
 *   ∂ℓ/∂p = −[not clipped]·ratio·A + β·(1 − exp(r − p))
 * </pre>
 * "Clipped" is where the clipped branch is the minimum and flat: A &gt; 0 and ratio &gt; 1 + ε, or A &lt; 0 and
 * ratio &lt; 1 − ε. Cross-entropy is −p, so ∂L/∂θ = Σ_t w_t·∂CE_t/∂θ with w_t = −(1/(N·n_i))·∂ℓ/∂p.
 */
public final class GrpoLoss {
    /** β (KL coefficient) and ε (PPO clipping, used only with old log-probs). */
    public record Coefficients(double beta, double epsilon) {
        public Coefficients {
            if (!(beta >= 0) || !Double.isFinite(beta)) {
                throw new IllegalArgumentException("beta must be finite and ≥ 0, got " + beta);
            }
            if (!(epsilon >= 0) || !Double.isFinite(epsilon)) {
                throw new IllegalArgumentException("epsilon must be finite and ≥ 0, got " + epsilon);
            }
        }
    }

    /**
     * The value and derivatives over some of the N sequences.
     *
     * @param loss         Σ over these sequences of (1/N)(1/n_i) Σ_t ℓ (add the parts of one step for L)
     * @param weights      [sequence][token] w_t, the cross-entropy weights
     * @param klSum        Σ of k3 over these completion tokens
     * @param clipped      tokens in the clipped region
     * @param tokens       completion tokens
     */
    public record Part(double loss, double[][] weights, double klSum, long clipped, long tokens) {
    }

    private GrpoLoss() {
    }

    /**
     * The part of the loss from sequences i (rows of the arrays) of a step of {@code totalSequences} = N.
     *
     * @param policy     [i][t] log-probs of the completion tokens under the policy now
     * @param reference  [i][t] under the reference (adapter disabled)
     * @param old        [i][t] under the policy that sampled them (μ &gt; 1), or null (μ = 1: ratio ≡ 1)
     * @param advantages [i]
     */
    public static Part compute(double[][] policy, double[][] reference, double[][] old, double[] advantages,
                               int totalSequences, Coefficients k) {
        int n = policy.length;
        if (reference.length != n || advantages.length != n || (old != null && old.length != n)) {
            throw new IllegalArgumentException("GrpoLoss: " + n + " policy rows, " + reference.length + " reference, "
                    + advantages.length + " advantages" + (old == null ? "" : ", " + old.length + " old"));
        }
        if (totalSequences < n) {
            throw new IllegalArgumentException("GrpoLoss: N = " + totalSequences + " < " + n + " sequences");
        }
        double loss = 0, kl = 0;
        long clipped = 0, tokens = 0;
        double[][] weights = new double[n][];
        for (int i = 0; i < n; i++) {
            int len = policy[i].length;
            if (len == 0 || reference[i].length != len || (old != null && old[i].length != len)) {
                throw new IllegalArgumentException("GrpoLoss: sequence " + i + " has " + len + " policy, "
                        + reference[i].length + " reference log-probs" + (old == null ? "" : ", " + old[i].length
                        + " old") + " (need the same, ≥ 1)");
            }
            double a = advantages[i], scale = 1.0 / ((double) totalSequences * len), seq = 0;
            weights[i] = new double[len];
            for (int t = 0; t < len; t++) {
                double p = policy[i][t], d = reference[i][t] - p;
                double ratio = old == null ? 1.0 : Math.exp(p - old[i][t]);
                boolean clip = old != null && ((a > 0 && ratio > 1 + k.epsilon()) || (a < 0 && ratio < 1 - k.epsilon()));
                double clippedRatio = Math.max(1 - k.epsilon(), Math.min(1 + k.epsilon(), ratio));
                double surrogate = old == null ? a : Math.min(ratio * a, clippedRatio * a);
                double k3 = Math.exp(d) - d - 1;
                seq += -surrogate + k.beta() * k3;
                double dLdp = -(clip ? 0 : ratio * a) + k.beta() * (1 - Math.exp(d));
                weights[i][t] = -scale * dLdp;
                kl += k3;
                clipped += clip ? 1 : 0;
            }
            tokens += len;
            loss += seq * scale;
        }
        return new Part(loss, weights, kl, clipped, tokens);
    }
}
