package dev.lorapar.model;

import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.core.Tensor;

/**
 * What one decoder layer's forward leaves for its backward, for up to {@code maxTokens} rows: the normed inputs, q/k/v
 * after RoPE, the attention output and its log-sum-exp, the mid residual, the MLP's gate / up / activation, and
 * u = x·A'ᵀ of every adapted projection. The layer's input x is not here: it is the checkpoint the caller keeps.
 * Owns its tensors. Row views for a step come from {@link #rows(int)}.
 */
final class LayerActivations implements AutoCloseable {
    private final OwnedTensors owned;
    final Tensor h1, rstd1, q, k, v, att, lse, xMid, h2, rstd2, gate, up, act; // [maxTokens×…], see rows()
    private final Tensor[] u; // [target] [maxTokens×r], null where not adapted
    private final int rank;

    LayerActivations(Device device, DType dt, LlamaConfig c, int maxTokens, int rank, boolean[] adapted) {
        this.rank = rank;
        this.owned = new OwnedTensors(device);
        try {
            h1 = owned.empty(dt, maxTokens, c.dim());
            rstd1 = owned.empty(DType.F32, maxTokens, 1);
            q = owned.empty(dt, maxTokens, c.dim());
            k = owned.empty(dt, maxTokens, c.kvDim());
            v = owned.empty(dt, maxTokens, c.kvDim());
            att = owned.empty(dt, maxTokens, c.dim());
            lse = owned.empty(DType.F32, maxTokens, c.nHeads());
            xMid = owned.empty(dt, maxTokens, c.dim());
            h2 = owned.empty(dt, maxTokens, c.dim());
            rstd2 = owned.empty(DType.F32, maxTokens, 1);
            gate = owned.empty(dt, maxTokens, c.hiddenDim());
            up = owned.empty(dt, maxTokens, c.hiddenDim());
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
        return new Rows(h1.rows(0, tokens), rstd1.rows(0, tokens).view(tokens), q.rows(0, tokens),
                k.rows(0, tokens), v.rows(0, tokens), att.rows(0, tokens), lse.rows(0, tokens), xMid.rows(0, tokens),
                h2.rows(0, tokens), rstd2.rows(0, tokens).view(tokens), gate.rows(0, tokens), up.rows(0, tokens),
                act.rows(0, tokens), uRows);
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
                Tensor[] u) {  // [target] [T×r] or null
        Tensor u(LoraTarget t) {
            return u[t.ordinal()];
        }
    }

    @Override
    public void close() {
        owned.close();
    }
}
