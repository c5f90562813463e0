package dev.lorapar.tests.oracle;

/**
 * The oracle: the LLaMA-2 forward pass with LoRA and its gradients, built from libtorch (CPU) ops and
 * differentiated by libtorch autograd — nothing hand-written for the backward. Written from the definitions
 * (HF modeling_llama, llama2.c), independently of lorapar's Java/C code:
 * <pre>
 *   h0 = E[tokens]                                                   [N×dim], N = B·S
 *   per layer:  a = rms(h, w_in);  q, k, v = proj(a)                 proj(x) = x·Wᵀ + scale·(x·(A⊙mA)ᵀ)·(B⊙mB)ᵀ
 *               q, k = rope(q), rope(k) at positions 0..S−1 (θ, style of the config)
 *               attention per head: softmax(q·kᵀ/√d + causal) · v, kv head of query head h = h / (H/Hkv)
 *               h = h + o_proj(attention);  m = rms(h, w_post)
 *               h = h + down(silu(gate(m)) ⊙ up(m)),  silu(x) = x·σ(x)
 *   logits = rms(h, w_norm) · headᵀ                                  [N×vocab]
 *   rms(x, w) = x / √(mean(x²) + ε) ⊙ w  (per row)
 * </pre>
 * Native memory: each call runs inside its own JavaCPP PointerScope, so every tensor it made is freed when it
 * returns (or throws); results come back as Java arrays. Without libtorch on the class path (the GPU bundle
 * does not carry it) every call aborts the running test, which is then reported skipped with the reason.
 * This class names no libtorch type, so it loads without libtorch; the graph itself is {@link TorchGraph}.
 */
public final class TorchLlama {
    /** The libtorch dtype every tensor of a call uses. FLOAT64 is the stronger oracle (used for the checks). */
    public enum Precision { FLOAT32, FLOAT64 }

    private TorchLlama() {
    }

    /** Logits [B·S × vocab] (row b·S + t: sequence b at position t) of {@code tokens [B][S]}. No autograd. */
    public static double[] logits(OracleModel model, int[][] tokens, Precision precision) {
        checkTokens(model.config(), tokens);
        TorchRuntime.ensureLoaded();
        return TorchGraph.logits(model, tokens, precision);
    }

    /** The loss of {@code batch} (see {@link OracleBatch}) alone, without autograd (for finite differences). */
    public static double loss(OracleModel model, OracleBatch batch, Precision precision) {
        checkBatch(model.config(), batch);
        TorchRuntime.ensureLoaded();
        return TorchGraph.loss(model, batch, precision);
    }

    /**
     * The loss of {@code batch} (see {@link OracleBatch}) and, by one autograd backward pass, its gradients
     * with respect to every LoRA matrix, the hidden states entering layer 0, and — when {@code baseGrads} —
     * every base weight (full fine-tuning).
     */
    public static OracleGradients gradients(OracleModel model, OracleBatch batch, Precision precision, boolean baseGrads) {
        checkBatch(model.config(), batch);
        TorchRuntime.ensureLoaded();
        return TorchGraph.gradients(model, batch, precision, baseGrads);
    }

    private static void checkBatch(OracleConfig c, OracleBatch batch) {
        checkTokens(c, batch.tokens());
        for (int[] row : batch.targets()) {
            for (int y : row) {
                if (y >= c.vocab()) throw new IllegalArgumentException("TorchLlama: target " + y + " ≥ vocab " + c.vocab());
            }
        }
    }

    private static void checkTokens(OracleConfig c, int[][] tokens) {
        if (tokens == null || tokens.length == 0 || tokens[0] == null || tokens[0].length == 0) {
            throw new IllegalArgumentException("TorchLlama: empty batch");
        }
        for (int[] row : tokens) {
            if (row == null || row.length != tokens[0].length) {
                throw new IllegalArgumentException("TorchLlama: sequences must have equal lengths");
            }
            for (int id : row) {
                if (id < 0 || id >= c.vocab()) throw new IllegalArgumentException("TorchLlama: token " + id + " outside [0, " + c.vocab() + ")");
            }
        }
    }
}
