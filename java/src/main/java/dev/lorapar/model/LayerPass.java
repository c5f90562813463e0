package dev.lorapar.model;

import dev.lorapar.core.MaskMode;
import dev.lorapar.core.Ops;
import dev.lorapar.core.Stream;
import dev.lorapar.core.Tensor;

/** One decoder layer: the forward (saving what the backward needs) and the hand-written backward. */
final class LayerPass {
    private LayerPass() {
    }

    /**
     * xOut = layer(xIn): h1 = RMSNorm(xIn); q, k, v = h1·W{q,k,v}ᵀ (+LoRA); RoPE(q, k); att = attention(q, k, v);
     * xMid = xIn + att·Woᵀ (+LoRA); h2 = RMSNorm(xMid); act = silu(h2·Wgateᵀ)⊙(h2·Wupᵀ) (+LoRA);
     * xOut = xMid + act·Wdownᵀ (+LoRA). xIn, xOut [T×dim] (distinct); a the row views to fill.
     */
    static void forward(PassShape p, int layer, LlamaWeights.Layer w, Tensor xIn, LayerActivations.Rows a,
                        Tensor xOut) {
        LlamaConfig c = p.config();
        int b = p.batch(), seq = p.seq();
        projectQkv(p.stream(), p.lora(), p.eps(), p.tokens(), c, p.positions(), layer, w, xIn, a);
        Ops.attentionForward(p.stream(), p.attentionScale(), a.q().view(b, seq, c.nHeads(), c.headDim()),
                a.k().view(b, seq, c.nKvHeads(), c.headDim()), a.v().view(b, seq, c.nKvHeads(), c.headDim()),
                p.segmentIds(), a.att().view(b, seq, c.nHeads(), c.headDim()), a.lse().view(b, c.nHeads(), seq));
        finish(p.stream(), p.lora(), p.eps(), layer, w, xIn, a, xOut);
    }

    /** h1 = RMSNorm(xIn); q, k, v = h1·W{q,k,v}ᵀ (+LoRA); RoPE(q, k) at positions [T] I32. */
    static void projectQkv(Stream s, LoraBinding lora, float eps, int tokens, LlamaConfig c, Tensor positions,
                           int layer, LlamaWeights.Layer w, Tensor xIn, LayerActivations.Rows a) {
        projectQkvUnrotated(s, lora, eps, layer, w, xIn, a);
        Ops.rope(s, a.q().view(tokens, c.nHeads(), c.headDim()), positions, c.ropeTheta(), ropeKind(c), false);
        Ops.rope(s, a.k().view(tokens, c.nKvHeads(), c.headDim()), positions, c.ropeTheta(), ropeKind(c), false);
    }

    /** h1 = RMSNorm(xIn); q, k, v = h1·W{q,k,v}ᵀ (+LoRA), before RoPE (a decode step rotates in its cache write). */
    static void projectQkvUnrotated(Stream s, LoraBinding lora, float eps, int layer, LlamaWeights.Layer w,
                                    Tensor xIn, LayerActivations.Rows a) {
        float scale = lora.scale();
        MaskMode mode = lora.maskMode();
        Ops.rmsnormForward(s, eps, xIn, w.attentionNorm(), a.h1(), a.rstd1());
        if (w.qkv() != null && a.qkv() != null) { // q, k, v [3×T×dim] by one batched GEMM over W{q,k,v} [3×dim×dim]
            LinearPass.forwardStacked(s, a.h1(), w.qkv(), a.qkv(), new LoraPair[] {lora.pair(layer, LoraTarget.Q),
                    lora.pair(layer, LoraTarget.K), lora.pair(layer, LoraTarget.V)}, scale, mode,
                    new Tensor[] {a.u(LoraTarget.Q), a.u(LoraTarget.K), a.u(LoraTarget.V)},
                    new Tensor[] {a.q(), a.k(), a.v()});
        } else {
            LinearPass.forward(s, a.h1(), w.wq(), 0f, lora.pair(layer, LoraTarget.Q), scale, mode, a.u(LoraTarget.Q),
                    a.q());
            LinearPass.forward(s, a.h1(), w.wk(), 0f, lora.pair(layer, LoraTarget.K), scale, mode, a.u(LoraTarget.K),
                    a.k());
            LinearPass.forward(s, a.h1(), w.wv(), 0f, lora.pair(layer, LoraTarget.V), scale, mode, a.u(LoraTarget.V),
                    a.v());
        }
    }

    /** From a.att on: xMid = xIn + att·Woᵀ (+LoRA); the MLP; xOut = xMid + act·Wdownᵀ (+LoRA). */
    static void finish(Stream s, LoraBinding lora, float eps, int layer, LlamaWeights.Layer w, Tensor xIn,
                       LayerActivations.Rows a, Tensor xOut) {
        Ops.copy(s, xIn, a.xMid());
        residualBlocks(s, lora, eps, layer, w, a, a.xMid(), xOut);
    }

    /**
     * Decoding's {@link #finish}: x += att·Woᵀ (+LoRA), then x += the MLP of RMSNorm(x), in place — no copies, as a
     * decode step keeps no activations for a backward. x [T×dim].
     */
    static void finishInPlace(Stream s, LoraBinding lora, float eps, int layer, LlamaWeights.Layer w, Tensor x,
                              LayerActivations.Rows a) {
        residualBlocks(s, lora, eps, layer, w, a, x, x);
    }

    /** mid += att·Woᵀ (+LoRA); h2 = RMSNorm(mid); act = SwiGLU; out = mid (a copy unless the same) + act·Wdownᵀ. */
    private static void residualBlocks(Stream s, LoraBinding lora, float eps, int layer, LlamaWeights.Layer w,
                                       LayerActivations.Rows a, Tensor mid, Tensor out) {
        float scale = lora.scale();
        MaskMode mode = lora.maskMode();
        LinearPass.forward(s, a.att(), w.wo(), 1f, lora.pair(layer, LoraTarget.O), scale, mode, a.u(LoraTarget.O),
                mid);
        Ops.rmsnormForward(s, eps, mid, w.ffnNorm(), a.h2(), a.rstd2());
        if (w.gateUp() != null) { // gate, up [2×T×hidden] by one batched GEMM over W{gate,up} [2×hidden×dim]
            LinearPass.forwardStacked(s, a.h2(), w.gateUp(), a.gateUp(), new LoraPair[] {
                    lora.pair(layer, LoraTarget.GATE), lora.pair(layer, LoraTarget.UP)}, scale, mode,
                    new Tensor[] {a.u(LoraTarget.GATE), a.u(LoraTarget.UP)}, new Tensor[] {a.gate(), a.up()});
        } else {
            LinearPass.forward(s, a.h2(), w.wGate(), 0f, lora.pair(layer, LoraTarget.GATE), scale, mode,
                    a.u(LoraTarget.GATE), a.gate());
            LinearPass.forward(s, a.h2(), w.wUp(), 0f, lora.pair(layer, LoraTarget.UP), scale, mode,
                    a.u(LoraTarget.UP), a.up());
        }
        Ops.swigluForward(s, a.gate(), a.up(), a.act());
        if (out != mid) {
            Ops.copy(s, mid, out);
        }
        LinearPass.forward(s, a.act(), w.wDown(), 1f, lora.pair(layer, LoraTarget.DOWN), scale, mode,
                a.u(LoraTarget.DOWN), out);
    }

    static Ops.RopeKind ropeKind(LlamaConfig c) {
        return c.ropeStyle() == RopeStyle.ROTATE_HALF ? Ops.RopeKind.ROTATE_HALF : Ops.RopeKind.ADJACENT_PAIRS;
    }

    /**
     * Backward of {@link #forward}: on entry dres [T×dim] is ∂L/∂xOut, on return ∂L/∂xIn. LoRA gradients (and base
     * gradients when {@code grads.base(layer)} is not null) go to {@code grads}. Destroys a.gate and a.up (they
     * receive ∂L/∂gate, ∂L/∂up).
     */
    static void backward(PassShape p, int layer, LlamaWeights.Layer w, Tensor xIn, LayerActivations.Rows a,
                         Tensor dres, BackwardScratch.Rows s, GradientSink grads) {
        Stream st = p.stream();
        LlamaConfig c = p.config();
        int b = p.batch(), seq = p.seq(), tokens = p.tokens();
        BaseGradients.Layer base = grads.base(layer);
        // MLP: xOut = xMid + act·Wdownᵀ
        linearBackward(p, layer, LoraTarget.DOWN, a.act(), w.wDown(), a, dres, s, 0f, s.dAct(), grads,
                base == null ? null : base.wDown());
        Ops.swigluBackward(st, a.gate(), a.up(), s.dAct(), a.gate(), a.up());          // gate ← dGate, up ← dUp
        linearBackward(p, layer, LoraTarget.GATE, a.h2(), w.wGate(), a, a.gate(), s, 0f, s.dh(), grads,
                base == null ? null : base.wGate());
        linearBackward(p, layer, LoraTarget.UP, a.h2(), w.wUp(), a, a.up(), s, 1f, s.dh(), grads,
                base == null ? null : base.wUp());
        Ops.rmsnormBackward(st, a.xMid(), w.ffnNorm(), a.rstd2(), s.dh(), dres, base == null ? null : base.ffnNorm(),
                true);                                                                  // dres = ∂L/∂xMid
        // attention: xMid = xIn + att·Woᵀ
        linearBackward(p, layer, LoraTarget.O, a.att(), w.wo(), a, dres, s, 0f, s.dAtt(), grads,
                base == null ? null : base.wo());
        Ops.attentionBackward(st, p.attentionScale(), a.q().view(b, seq, c.nHeads(), c.headDim()),
                a.k().view(b, seq, c.nKvHeads(), c.headDim()), a.v().view(b, seq, c.nKvHeads(), c.headDim()),
                p.segmentIds(), a.att().view(b, seq, c.nHeads(), c.headDim()), a.lse().view(b, c.nHeads(), seq),
                s.dAtt().view(b, seq, c.nHeads(), c.headDim()), s.dq().view(b, seq, c.nHeads(), c.headDim()),
                s.dk().view(b, seq, c.nKvHeads(), c.headDim()), s.dv().view(b, seq, c.nKvHeads(), c.headDim()));
        Ops.rope(st, s.dq().view(tokens, c.nHeads(), c.headDim()), p.positions(), c.ropeTheta(), ropeKind(c), true);
        Ops.rope(st, s.dk().view(tokens, c.nKvHeads(), c.headDim()), p.positions(), c.ropeTheta(), ropeKind(c), true);
        linearBackward(p, layer, LoraTarget.Q, a.h1(), w.wq(), a, s.dq(), s, 0f, s.dh(), grads,
                base == null ? null : base.wq());
        linearBackward(p, layer, LoraTarget.K, a.h1(), w.wk(), a, s.dk(), s, 1f, s.dh(), grads,
                base == null ? null : base.wk());
        linearBackward(p, layer, LoraTarget.V, a.h1(), w.wv(), a, s.dv(), s, 1f, s.dh(), grads,
                base == null ? null : base.wv());
        Ops.rmsnormBackward(st, xIn, w.attentionNorm(), a.rstd1(), s.dh(), dres,
                base == null ? null : base.attentionNorm(), true);                      // dres = ∂L/∂xIn
    }

    private static void linearBackward(PassShape p, int layer, LoraTarget t, Tensor x, Tensor w,
                                       LayerActivations.Rows a, Tensor dy, BackwardScratch.Rows s, float betaDx,
                                       Tensor dx, GradientSink grads, Tensor dW) {
        LoraBinding lora = p.lora();
        LoraPair pair = lora.pair(layer, t);
        Tensor da = null, db = null;
        if (pair != null && lora.trainable()) {
            da = grads.loraA(layer, t);
            db = grads.loraB(layer, t);
        }
        LinearPass.backward(p.stream(), x, w, pair, lora.scale(), lora.maskMode(), a.u(t), dy, s.g(), betaDx, dx, da,
                db, grads.accumulate(), dW);
    }
}
