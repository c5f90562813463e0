package dev.lorapar.model;

import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.core.Tensor;

/**
 * What one decoder layer's forward leaves for its backward, for up to {@code maxTokens} rows: the normed inputs, q/k/v
 * after RoPE, the attention output and its log-sum-exp, the mid residual, the MLP's gate / up / activation, and
 * u = x·A'ᵀ of every adapted projection. The layer's input x is not here: it is the checkpoint the caller keeps.
 * Owns its tensors. Row views for a step come from {@link #rows(int)}. q, k and v (when kvDim = dim) and gate and up
 * share one buffer each, laid out per step as [3×T×dim] and [2×T×hidden], so one batched GEMM over stacked weights
 * ({@link LlamaWeights.Layer#qkv()}, {@link LlamaWeights.Layer#gateUp()}) fills them.
 */
final class LayerActivations implements AutoCloseable {
    private final OwnedTensors owned;
    final Tensor h1, rstd1, att, lse, xMid, h2, rstd2, act; // [maxTokens×…], see rows()
    private final Tensor qkv;    // [3·maxTokens·dim] when kvDim = dim, else q [maxTokens·dim] + kv [2·maxTokens·kvDim]
    private final Tensor kv;     // null when stacked with q
    private final Tensor gateUp; // [2·maxTokens·hidden]
    private final int dim, kvDim, hidden;
    private final Tensor[] u; // [target] [maxTokens×r], null where not adapted
    private final int rank;

    LayerActivations(Device device, DType dt, LlamaConfig c, int maxTokens, int rank, boolean[] adapted) {
        this.rank = rank;
        this.owned = new OwnedTensors(device);
        try {
            h1 = owned.empty(dt, maxTokens, c.dim());
            rstd1 = owned.empty(DType.F32, maxTokens, 1);
            dim = c.dim();
            kvDim = c.kvDim();
            hidden = c.hiddenDim();
            boolean stacked = kvDim == dim;
            qkv = owned.empty(dt, (long) (stacked ? 3 : 1) * maxTokens * dim);
            kv = stacked ? null : owned.empty(dt, 2L * maxTokens * kvDim);
            att = owned.empty(dt, maxTokens, c.dim());
            lse = owned.empty(DType.F32, maxTokens, c.nHeads());
            xMid = owned.empty(dt, maxTokens, c.dim());
            h2 = owned.empty(dt, maxTokens, c.dim());
            rstd2 = owned.empty(DType.F32, maxTokens, 1);
            gateUp = owned.empty(dt, 2L * maxTokens * hidden);
            act = owned.empty(dt, maxTokens, c.hiddenDim());
            u = new Tensor[LoraTarget.values().length];
            for (LoraTarget t : LoraTarget.values()) {
                if (rank > 0 && adapted[t.ordinal()]) {
                    u[t.ordinal()] = owned.empty(dt, maxTokens, rank);
                }
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Whether u buffers exist for {@code rank} and every target in {@code adapted}. */
    boolean fits(int wantRank, boolean[] adapted) {
        if (wantRank == 0) {
            return true;
        }
        if (wantRank != rank) {
            return false;
        }
        for (LoraTarget t : LoraTarget.values()) {
            if (adapted[t.ordinal()] && u[t.ordinal()] == null) {
                return false;
            }
        }
        return true;
    }

    /** The first {@code tokens} rows of every buffer. */
    Rows rows(int tokens) {
        Tensor[] uRows = new Tensor[u.length];
        for (int i = 0; i < u.length; i++) {
            uRows[i] = u[i] == null ? null : u[i].rows(0, tokens);
        }
        Tensor qkvRows = kv == null ? stack(qkv, 3, tokens, dim) : null;            // [3×T×dim]
        Tensor q = kv == null ? slice(qkvRows, 0) : qkv.rows(0, (long) tokens * dim).view(tokens, dim);
        Tensor kvRows = kv == null ? null : stack(kv, 2, tokens, kvDim);           // [2×T×kvDim]
        Tensor gateUpRows = stack(gateUp, 2, tokens, hidden);                      // [2×T×hidden]
        return new Rows(h1.rows(0, tokens), rstd1.rows(0, tokens).view(tokens), q,
                kv == null ? slice(qkvRows, 1) : slice(kvRows, 0), kv == null ? slice(qkvRows, 2) : slice(kvRows, 1),
                att.rows(0, tokens), lse.rows(0, tokens), xMid.rows(0, tokens), h2.rows(0, tokens),
                rstd2.rows(0, tokens).view(tokens), slice(gateUpRows, 0), slice(gateUpRows, 1), act.rows(0, tokens),
                uRows, qkvRows, gateUpRows);
    }

    /** The first count·tokens·width elements of a flat buffer as [count×tokens×width]. */
    private static Tensor stack(Tensor flat, int count, int tokens, int width) {
        return flat.rows(0, (long) count * tokens * width).view(count, tokens, width);
    }

    /** Matrix i of a stack [count×T×width], as [T×width]. */
    private static Tensor slice(Tensor stack, int i) {
        return stack.rows(i, 1).view(stack.dim(1), stack.dim(2));
    }

    /** Row views for one step (T = tokens); lse [T×nHeads] is reshaped by the attention call. */
    record Rows(Tensor h1,     // [T×dim]
                Tensor rstd1,  // [T] F32
                Tensor q,      // [T×dim], after RoPE
                Tensor k,      // [T×kvDim], after RoPE
                Tensor v,      // [T×kvDim]
                Tensor att,    // [T×dim]
                Tensor lse,    // [T×nHeads] F32 (as [batch×nHeads×seq])
                Tensor xMid,   // [T×dim]
                Tensor h2,     // [T×dim]
                Tensor rstd2,  // [T] F32
                Tensor gate,   // [T×hidden]
                Tensor up,     // [T×hidden]
                Tensor act,    // [T×hidden]
                Tensor[] u,    // [target] [T×r] or null
                Tensor qkv,    // [3×T×dim]: q, k, v stacked (they are its matrices), or null (GQA)
                Tensor gateUp) { // [2×T×hidden]: gate, up stacked
        Tensor u(LoraTarget t) {
            return u[t.ordinal()];
        }
    }

    @Override
    public void close() {
        owned.close();
    }
}
