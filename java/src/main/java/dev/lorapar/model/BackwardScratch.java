package dev.lorapar.model;

import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.core.Tensor;
import java.util.ArrayList;
import java.util.List;

/** The gradient buffers every layer's backward reuses, for up to maxTokens rows. Owns its tensors. */
final class BackwardScratch implements AutoCloseable {
    private final List<Tensor> owned = new ArrayList<>();
    private final Tensor dAct, dh, dAtt, dq, dk, dv, g;

    BackwardScratch(Device device, DType dt, LlamaConfig c, int maxTokens, int rank) {
        try {
            dAct = alloc(device, dt, maxTokens, c.hiddenDim());
            dh = alloc(device, dt, maxTokens, c.dim());
            dAtt = alloc(device, dt, maxTokens, c.dim());
            dq = alloc(device, dt, maxTokens, c.dim());
            dk = alloc(device, dt, maxTokens, c.kvDim());
            dv = alloc(device, dt, maxTokens, c.kvDim());
            g = rank > 0 ? alloc(device, dt, maxTokens, rank) : null;
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private Tensor alloc(Device device, DType dt, long rows, long cols) {
        Tensor t = Tensor.empty(device, dt, rows, cols);
        owned.add(t);
        return t;
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
        owned.forEach(Tensor::close);
        owned.clear();
    }
}
