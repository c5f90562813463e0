package dev.lorapar.model;

import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.core.Tensor;

/** The gradient buffers every layer's backward reuses, for up to maxTokens rows. Owns its tensors. */
final class BackwardScratch implements AutoCloseable {
    private final OwnedTensors owned;
    private final Tensor dAct, dh, dAtt, dq, dk, dv, g;

    BackwardScratch(Device device, DType dt, LlamaConfig c, int maxTokens, int rank) {
        owned = new OwnedTensors(device);
        try {
            dAct = owned.empty(dt, maxTokens, c.hiddenDim());
            dh = owned.empty(dt, maxTokens, c.dim());
            dAtt = owned.empty(dt, maxTokens, c.dim());
            dq = owned.empty(dt, maxTokens, c.dim());
            dk = owned.empty(dt, maxTokens, c.kvDim());
            dv = owned.empty(dt, maxTokens, c.kvDim());
            g = rank > 0 ? owned.empty(dt, maxTokens, rank) : null;
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    boolean fits(int rank) {
        return rank == 0 || (g != null && g.dim(1) == rank);
    }

    Rows rows(int tokens) {
        return new Rows(dAct.rows(0, tokens), dh.rows(0, tokens), dAtt.rows(0, tokens), dq.rows(0, tokens),
                dk.rows(0, tokens), dv.rows(0, tokens), g == null ? null : g.rows(0, tokens));
    }

    record Rows(Tensor dAct, // [T×hidden]
                Tensor dh,   // [T×dim]
                Tensor dAtt, // [T×dim]
                Tensor dq,   // [T×dim]
                Tensor dk,   // [T×kvDim]
                Tensor dv,   // [T×kvDim]
                Tensor g) {  // [T×r] or null
    }

    @Override
    public void close() {
        owned.close();
    }
}
