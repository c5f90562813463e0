package dev.lorapar.model;

import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.core.Ops;
import dev.lorapar.core.Stream;
import dev.lorapar.core.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * The LLaMA forward pass for a batch of equal-length sequences starting at position 0 (no KV cache: the whole
 * prefix is recomputed), with an optional LoRA adapter: embedding → layers ({@link LayerPass#forward}) → final
 * RMSNorm → LM head. For training use {@link LlamaForwardBackward}; for generation {@code LlamaGenerator}.
 */
public final class LlamaForward {
    private LlamaForward() {
    }

    /** {@link #logits(Stream, LlamaWeights, LoraAdapter, int[][])} of the base model. */
    public static Tensor logits(Stream stream, LlamaWeights weights, int[][] tokens) {
        return logits(stream, weights, null, tokens);
    }

    /**
     * Logits [batch·seq × vocab] F32 (row b·seq + i is sequence b at position i) of the token ids
     * {@code tokens [batch][seq]}, with {@code adapter} active (null = disabled). The caller owns the result.
     */
    public static Tensor logits(Stream stream, LlamaWeights weights, LoraAdapter adapter, int[][] tokens) {
        LlamaConfig c = weights.config();
        int batch = tokens.length;
        if (batch == 0 || tokens[0].length == 0) {
            throw new IllegalArgumentException("LlamaForward: empty batch");
        }
        int seq = tokens[0].length;
        int[][] noTargets = new int[batch][seq];
        for (int[] row : noTargets) {
            java.util.Arrays.fill(row, -1);
        }
        TokenBatch tb = new TokenBatch(tokens, noTargets, null, null);
        tb.checkVocabulary(c.vocabSize());
        int rows = tb.rows();
        LoraBinding lora = LoraBinding.of(weights, adapter);
        boolean[] adapted = lora.adaptedTargets();
        DType dt = weights.dtype();
        Device device = stream.device();
        List<Runnable> scratch = new ArrayList<>(); // closers
        Tensor logits = null;
        try {
            Tensor ids = keep(scratch, Tensor.of(stream, DType.I32, TokenBatch.flatten(tokens), rows)); // [T]
            Tensor pos = keep(scratch, Tensor.of(stream, DType.I32, tb.positions(), rows));            // [T]
            Tensor x = keep(scratch, Tensor.empty(device, dt, rows, c.dim()));                          // [T×dim]
            Tensor next = keep(scratch, Tensor.empty(device, dt, rows, c.dim()));                       // [T×dim]
            Tensor rstd = keep(scratch, Tensor.empty(device, DType.F32, rows));                         // [T]
            LayerActivations acts = new LayerActivations(device, dt, c, rows, lora.rank(), adapted);
            scratch.add(acts::close);
            PassShape p = new PassShape(stream, c, batch, seq, pos, null, lora);
            Ops.embeddingForward(stream, ids, weights.embedding(), x);
            for (int l = 0; l < c.nLayers(); l++) {
                LayerPass.forward(p, l, weights.layers().get(l), x, acts.rows(rows), next);
                Tensor t = x;
                x = next;
                next = t;
            }
            Ops.rmsnormForward(stream, p.eps(), x, weights.finalNorm(), next, rstd);
            logits = Tensor.empty(device, DType.F32, rows, c.vocabSize());                             // [T×vocab]
            Ops.gemm(stream, false, true, 1f, next, weights.lmHead(), 0f, logits);
            stream.synchronize();
            Tensor result = logits;
            logits = null;
            return result;
        } finally {
            if (logits != null) {
                logits.close();
            }
            scratch.forEach(Runnable::run);
        }
    }

    private static Tensor keep(List<Runnable> scratch, Tensor t) {
        scratch.add(t::close);
        return t;
    }
}
