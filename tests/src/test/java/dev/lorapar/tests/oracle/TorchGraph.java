package dev.lorapar.tests.oracle;

import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;

/**
 * The libtorch graph of {@link TorchLlama} (see there for the definitions). Callers have checked the input and
 * loaded libtorch. Each entry point runs in its own PointerScope: every tensor made in it is freed on return.
 */
final class TorchGraph {
    private TorchGraph() {
    }

    /** Logits [B·S × vocab] of {@code tokens [B][S]}, no autograd. */
    static double[] logits(OracleModel model, int[][] tokens, TorchLlama.Precision precision) {
        try (PointerScope scope = new PointerScope()) {
            TorchParameters params = new TorchParameters(model, precision, false, false);
            return TorchTensors.read(forward(model, params, precision, tokens, false).logits);
        }
    }

    /** The loss alone, no autograd. */
    static double loss(OracleModel model, OracleBatch batch, TorchLlama.Precision precision) {
        try (PointerScope scope = new PointerScope()) {
            TorchParameters params = new TorchParameters(model, precision, false, false);
            return crossEntropy(forward(model, params, precision, batch.tokens(), false).logits, batch,
                    model.config().vocab(), precision).item_double();
        }
    }

    /** The loss and its gradients by one autograd backward pass. */
    static OracleGradients gradients(OracleModel model, OracleBatch batch, TorchLlama.Precision precision, boolean baseGrads) {
        OracleConfig c = model.config();
        try (PointerScope scope = new PointerScope()) {
            TorchParameters params = new TorchParameters(model, precision, true, baseGrads);
            Forward f = forward(model, params, precision, batch.tokens(), true);
            Tensor loss = crossEntropy(f.logits, batch, c.vocab(), precision);
            loss.backward();
            double[] inputGrad = f.input.grad().defined() ? TorchTensors.read(f.input.grad())
                    : new double[batch.batch() * batch.seq() * c.dim()];
            return new OracleGradients(loss.item_double(), TorchTensors.read(f.logits), params.loraGrads(), inputGrad,
                    baseGrads ? params.baseGrads() : Map.of());
        }
    }

    /** The logits and h0 (which retains its gradient when {@code withGrad}). */
    private record Forward(Tensor logits, Tensor input) {
    }

    private static Forward forward(OracleModel model, TorchParameters w, TorchLlama.Precision precision, int[][] tokens,
                                   boolean withGrad) {
        OracleConfig c = model.config();
        int batch = tokens.length, seq = tokens[0].length, n = batch * seq;
        long[] ids = new long[n];
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < seq; t++) ids[b * seq + t] = tokens[b][t];
        }
        Tensor h0 = w.base(OracleNames.EMBED).index_select(0, TorchTensors.indices(ids, n)); // [N×dim]
        if (withGrad) { // h0 is a non-leaf when the embedding is trained (keep its grad), else make it a leaf
            if (h0.requires_grad()) h0.retain_grad();
            else h0.set_requires_grad(true);
        }
        RotaryTables rope = new RotaryTables(c, seq);
        long d = c.headDim();
        Tensor cos = TorchTensors.of(rope.cos, precision, 1, seq, 1, d);       // [1×S×1×d], broadcast over B, heads
        Tensor sin = TorchTensors.of(rope.sin, precision, 1, seq, 1, d);       // [1×S×1×d]
        Tensor rotation = TorchTensors.of(rope.rotation, precision, d, d);      // [d×d]
        Tensor causal = TorchTensors.of(causalMask(seq), precision, seq, seq);  // [S×S]: 0 or −∞
        Tensor h = h0;
        for (int l = 0; l < c.nLayers(); l++) {
            Tensor a = rmsNorm(h, w.base(OracleNames.layer(l, OracleNames.INPUT_NORM)), c.normEps());       // [N×dim]
            Tensor q = applyRope(project(a, w, model, l, LoraTarget.Q).view(batch, seq, c.nHeads(), d), cos, sin, rotation);
            Tensor k = applyRope(project(a, w, model, l, LoraTarget.K).view(batch, seq, c.nKvHeads(), d), cos, sin, rotation);
            Tensor v = project(a, w, model, l, LoraTarget.V).view(batch, seq, c.nKvHeads(), d);              // [B×S×Hkv×d]
            Tensor attended = attention(c, q, k, v, causal).reshape(n, c.dim());                           // [N×dim]
            h = h.add(project(attended, w, model, l, LoraTarget.O));
            Tensor m = rmsNorm(h, w.base(OracleNames.layer(l, OracleNames.POST_ATTENTION_NORM)), c.normEps()); // [N×dim]
            Tensor gate = project(m, w, model, l, LoraTarget.GATE);                                         // [N×hidden]
            Tensor up = project(m, w, model, l, LoraTarget.UP);                                             // [N×hidden]
            h = h.add(project(gate.mul(gate.sigmoid()).mul(up), w, model, l, LoraTarget.DOWN));
        }
        Tensor logits = rmsNorm(h, w.base(OracleNames.FINAL_NORM), c.normEps()).matmul(w.head().t()); // [N×vocab]
        return new Forward(logits, h0);
    }

    /** x·Wᵀ [N×out] plus scale·(x·Aᵀ)·Bᵀ when the layer has an adapter on {@code target}; x [N×in]. */
    private static Tensor project(Tensor x, TorchParameters w, OracleModel model, int layer, LoraTarget target) {
        Tensor y = x.matmul(w.base(target.weightName(layer)).t());
        Tensor[] ab = w.adapter(layer, target);
        if (ab == null) return y;
        Tensor low = x.matmul(ab[0].t()).matmul(ab[1].t()); // [N×r]·[r×out]
        return y.add(low.mul(TorchTensors.scalar(model.loraScale())));
    }

    /** x [N×dim] / √(mean over the row of x² + ε) ⊙ weight [dim]. */
    private static Tensor rmsNorm(Tensor x, Tensor weight, double eps) {
        Tensor meanSquare = x.mul(x).mean(new long[] {-1}, true, new ScalarTypeOptional()); // [N×1]
        return x.mul(meanSquare.add(TorchTensors.scalar(eps)).rsqrt()).mul(weight);
    }

    /** x [B×S×heads×d] ⊙ cos + (x·R) ⊙ sin, tables [1×S×1×d]. */
    private static Tensor applyRope(Tensor x, Tensor cos, Tensor sin, Tensor rotation) {
        return x.mul(cos).add(x.matmul(rotation).mul(sin));
    }

    /** Causal GQA attention: q [B×S×H×d], k, v [B×S×Hkv×d] → [B×S×H×d] (contiguous order for reshape). */
    private static Tensor attention(OracleConfig c, Tensor q, Tensor k, Tensor v, Tensor causal) {
        int heads = c.nHeads(), kvHeads = c.nKvHeads(), group = heads / kvHeads;
        long batch = q.size(0), seq = q.size(1), d = c.headDim();
        Tensor qh = q.transpose(1, 2);                  // [B×H×S×d]
        Tensor kh = repeatKv(k.transpose(1, 2), group); // [B×H×S×d]: query head h reads kv head h / group
        Tensor vh = repeatKv(v.transpose(1, 2), group); // [B×H×S×d]
        Tensor scores = qh.matmul(kh.transpose(2, 3)).mul(TorchTensors.scalar(1.0 / Math.sqrt(d))).add(causal); // [B×H×S×S]
        Tensor out = scores.softmax(-1).matmul(vh);     // [B×H×S×d]
        return out.transpose(1, 2).contiguous().view(batch, seq, heads, d);
    }

    /** [B×Hkv×S×d] → [B×(Hkv·group)×S×d], each kv head repeated group times in a row. */
    private static Tensor repeatKv(Tensor x, int group) {
        if (group == 1) return x;
        long b = x.size(0), kv = x.size(1), s = x.size(2), d = x.size(3);
        return x.unsqueeze(2).expand(b, kv, group, s, d).reshape(b, kv * group, s, d);
    }

    /** [S×S]: 0 where key ≤ query, −∞ above the diagonal. */
    private static double[] causalMask(int seq) {
        double[] m = new double[seq * seq];
        for (int i = 0; i < seq; i++) {
            for (int j = i + 1; j < seq; j++) m[i * seq + j] = Double.NEGATIVE_INFINITY;
        }
        return m;
    }

    /** lossScale · Σ w·(logsumexp(z) − z[y]) over targets ≥ 0, as −Σ log_softmax(z) ⊙ C with C[t, y_t] = scale·w_t. */
    private static Tensor crossEntropy(Tensor logits, OracleBatch batch, int vocab, TorchLlama.Precision precision) {
        int seq = batch.seq();
        double[] coefficients = new double[batch.batch() * seq * vocab]; // [N×vocab]
        for (int b = 0; b < batch.batch(); b++) {
            for (int t = 0; t < seq; t++) {
                int y = batch.targets()[b][t];
                if (y < 0) continue;
                if (y >= vocab) throw new IllegalArgumentException("TorchLlama: target " + y + " ≥ vocab " + vocab);
                coefficients[(b * seq + t) * vocab + y] = batch.lossScale() * batch.weight(b, t);
            }
        }
        Tensor c = TorchTensors.of(coefficients, precision, batch.batch() * seq, vocab);
        return logits.log_softmax(1).mul(c).sum().neg();
    }

}
