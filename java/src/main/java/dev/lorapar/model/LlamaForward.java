package dev.lorapar.model;

import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.core.Ops;
import dev.lorapar.core.Stream;
import dev.lorapar.core.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * The LLaMA forward pass on the tensor core, for a batch of equal-length sequences starting at position 0:
 * embedding → per layer (RMSNorm → q, k, v → RoPE → causal GQA attention → o, residual; RMSNorm → gate, up →
 * SwiGLU → down, residual) → final RMSNorm → LM head. No KV cache yet (generation with a cache is later work of
 * the model issue); no LoRA yet.
 */
public final class LlamaForward {
    private LlamaForward() {
    }

    /**
     * Logits [batch·seq × vocab] F32 (row b·seq + i is sequence b at position i) of the token ids
     * {@code tokens [batch][seq]}. The caller owns (closes) the result.
     */
    public static Tensor logits(Stream stream, LlamaWeights weights, int[][] tokens) {
        LlamaConfig c = weights.config();
        int batch = tokens.length;
        if (batch == 0 || tokens[0].length == 0) {
            throw new IllegalArgumentException("LlamaForward: empty batch");
        }
        int seq = tokens[0].length;
        long rows = (long) batch * seq;
        float[] ids = new float[Math.toIntExact(rows)];     // [batch·seq]
        float[] positions = new float[ids.length];         // [batch·seq]
        for (int b = 0; b < batch; b++) {
            if (tokens[b].length != seq) {
                throw new IllegalArgumentException("LlamaForward: sequence " + b + " has " + tokens[b].length
                        + " tokens, sequence 0 has " + seq + " (equal lengths required)");
            }
            for (int i = 0; i < seq; i++) {
                int id = tokens[b][i];
                if (id < 0 || id >= c.vocabSize()) {
                    throw new IllegalArgumentException("LlamaForward: token " + id + " at [" + b + "][" + i
                            + "] is outside the vocabulary [0, " + c.vocabSize() + ")");
                }
                ids[b * seq + i] = id;
                positions[b * seq + i] = i;
            }
        }
        DType dt = weights.dtype();
        Device device = stream.device();
        Ops.RopeKind rope = c.ropeStyle() == RopeStyle.ROTATE_HALF ? Ops.RopeKind.ROTATE_HALF
                : Ops.RopeKind.ADJACENT_PAIRS;
        int heads = c.nHeads(), kvHeads = c.nKvHeads(), headDim = c.headDim();
        float scale = (float) (1.0 / Math.sqrt(headDim));
        float eps = (float) c.normEps();
        List<Tensor> scratch = new ArrayList<>();
        Tensor logits = null;
        try {
            Tensor idsT = keep(scratch, Tensor.of(stream, DType.I32, ids, rows));         // [T]
            Tensor pos = keep(scratch, Tensor.of(stream, DType.I32, positions, rows));    // [T]
            Tensor x = keep(scratch, Tensor.empty(device, dt, rows, c.dim()));            // [T×dim] residual stream
            Tensor h = keep(scratch, Tensor.empty(device, dt, rows, c.dim()));            // [T×dim] normed
            Tensor rstd = keep(scratch, Tensor.empty(device, DType.F32, rows));           // [T]
            Tensor q = keep(scratch, Tensor.empty(device, dt, rows, c.dim()));            // [T×dim]
            Tensor k = keep(scratch, Tensor.empty(device, dt, rows, c.kvDim()));          // [T×kvDim]
            Tensor v = keep(scratch, Tensor.empty(device, dt, rows, c.kvDim()));          // [T×kvDim]
            Tensor att = keep(scratch, Tensor.empty(device, dt, rows, c.dim()));          // [T×dim]
            Tensor lse = keep(scratch, Tensor.empty(device, DType.F32, batch, heads, seq)); // [B×H×S]
            Tensor gate = keep(scratch, Tensor.empty(device, dt, rows, c.hiddenDim()));   // [T×hidden]
            Tensor up = keep(scratch, Tensor.empty(device, dt, rows, c.hiddenDim()));     // [T×hidden]

            Ops.embeddingForward(stream, idsT, weights.embedding(), x);
            for (LlamaWeights.Layer layer : weights.layers()) {
                Ops.rmsnormForward(stream, eps, x, layer.attentionNorm(), h, rstd);
                Ops.gemm(stream, false, true, 1f, h, layer.wq(), 0f, q);
                Ops.gemm(stream, false, true, 1f, h, layer.wk(), 0f, k);
                Ops.gemm(stream, false, true, 1f, h, layer.wv(), 0f, v);
                Ops.rope(stream, q.view(rows, heads, headDim), pos, c.ropeTheta(), rope, false);
                Ops.rope(stream, k.view(rows, kvHeads, headDim), pos, c.ropeTheta(), rope, false);
                Ops.attentionForward(stream, scale, q.view(batch, seq, heads, headDim),
                        k.view(batch, seq, kvHeads, headDim), v.view(batch, seq, kvHeads, headDim), null,
                        att.view(batch, seq, heads, headDim), lse);
                Ops.gemm(stream, false, true, 1f, att, layer.wo(), 1f, x);      // x += att·Woᵀ
                Ops.rmsnormForward(stream, eps, x, layer.ffnNorm(), h, rstd);
                Ops.gemm(stream, false, true, 1f, h, layer.wGate(), 0f, gate);
                Ops.gemm(stream, false, true, 1f, h, layer.wUp(), 0f, up);
                Ops.swigluForward(stream, gate, up, up);                          // up ← silu(gate)⊙up
                Ops.gemm(stream, false, true, 1f, up, layer.wDown(), 1f, x);    // x += act·Wdownᵀ
            }
            Ops.rmsnormForward(stream, eps, x, weights.finalNorm(), h, rstd);
            logits = Tensor.empty(device, DType.F32, rows, c.vocabSize());       // [T×vocab]
            Ops.gemm(stream, false, true, 1f, h, weights.lmHead(), 0f, logits);
            stream.synchronize();
            Tensor result = logits;
            logits = null;
            return result;
        } finally {
            if (logits != null) {
                logits.close();
            }
            scratch.forEach(Tensor::close);
        }
    }

    private static Tensor keep(List<Tensor> scratch, Tensor t) {
        scratch.add(t);
        return t;
    }
}
