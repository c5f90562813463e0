package dev.lorapar.tests.reference;

/**
 * Double-precision references of the LLaMA layer ops, written from the formulas of lorapar.h (section
 * "LLaMA layer ops"). Inputs are the values the op sees (bf16 inputs already rounded); every buffer is
 * row-major with its shape in the comment.
 */
public final class LayerRef {
    private LayerRef() {}

    /** out [tokens×dim] = rows ids [tokens] of table [vocab×dim]. */
    public static double[] embeddingForward(int[] ids, double[] table, int dim) {
        double[] out = new double[ids.length * dim];
        for (int t = 0; t < ids.length; t++) System.arraycopy(table, ids[t] * dim, out, t * dim, dim);
        return out;
    }

    /** dTable0 [vocab×dim] + Σ_t (row ids[t] of) dOut [tokens×dim]. */
    public static double[] embeddingBackward(int[] ids, double[] dOut, double[] dTable0, int dim) {
        double[] out = dTable0.clone();
        for (int t = 0; t < ids.length; t++)
            for (int j = 0; j < dim; j++) out[ids[t] * dim + j] += dOut[t * dim + j];
        return out;
    }

    /** rstd [rows] = 1/sqrt(mean x² + eps). */
    public static double[] rmsnormRstd(double[] x, int rows, int dim, double eps) {
        double[] rstd = new double[rows];
        for (int i = 0; i < rows; i++) {
            double s = 0;
            for (int j = 0; j < dim; j++) s += x[i * dim + j] * x[i * dim + j];
            rstd[i] = 1.0 / Math.sqrt(s / dim + eps);
        }
        return rstd;
    }

    /** y [rows×dim] = x · rstd · w. */
    public static double[] rmsnormForward(double[] x, double[] w, int rows, int dim, double eps) {
        double[] rstd = rmsnormRstd(x, rows, dim, eps);
        double[] y = new double[rows * dim];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < dim; j++) y[i * dim + j] = x[i * dim + j] * rstd[i] * w[j];
        return y;
    }

    /** {dx [rows×dim], dw [dim]} (dw without any initial value) of RMSNorm at x, w for dy. */
    public static double[][] rmsnormBackward(double[] x, double[] w, double[] dy, int rows, int dim, double eps) {
        double[] rstd = rmsnormRstd(x, rows, dim, eps);
        double[] dx = new double[rows * dim], dw = new double[dim];
        for (int i = 0; i < rows; i++) {
            double dot = 0;
            for (int j = 0; j < dim; j++) dot += dy[i * dim + j] * w[j] * x[i * dim + j] * rstd[i];
            double mean = dot / dim;
            for (int j = 0; j < dim; j++) {
                double xhat = x[i * dim + j] * rstd[i];
                dx[i * dim + j] = rstd[i] * (dy[i * dim + j] * w[j] - xhat * mean);
                dw[j] += dy[i * dim + j] * xhat;
            }
        }
        return new double[][] {dx, dw};
    }

    /** RoPE of x [tokens×heads×headDim] (a copy); adjacent: pairs (2p, 2p+1), else (p, p + headDim/2). */
    public static double[] rope(double[] x, int[] positions, int heads, int headDim, double theta, boolean adjacent,
                                boolean inverse) {
        double[] out = x.clone();
        int half = headDim / 2;
        for (int t = 0; t < positions.length; t++)
            for (int p = 0; p < half; p++) {
                double angle = positions[t] * Math.pow(theta, -2.0 * p / headDim);
                double c = Math.cos(angle), s = inverse ? -Math.sin(angle) : Math.sin(angle);
                int ia = adjacent ? 2 * p : p, ib = adjacent ? 2 * p + 1 : p + half;
                for (int h = 0; h < heads; h++) {
                    int base = (t * heads + h) * headDim;
                    double a = x[base + ia], b = x[base + ib];
                    out[base + ia] = a * c - b * s;
                    out[base + ib] = a * s + b * c;
                }
            }
        return out;
    }

    public static double sigmoid(double z) { return 1.0 / (1.0 + Math.exp(-z)); }

    /** out [n] = silu(gate) ⊙ up. */
    public static double[] swigluForward(double[] gate, double[] up) {
        double[] out = new double[gate.length];
        for (int i = 0; i < gate.length; i++) out[i] = gate[i] * sigmoid(gate[i]) * up[i];
        return out;
    }

    /** {dGate [n], dUp [n]}. */
    public static double[][] swigluBackward(double[] gate, double[] up, double[] dOut) {
        int n = gate.length;
        double[] dg = new double[n], du = new double[n];
        for (int i = 0; i < n; i++) {
            double s = sigmoid(gate[i]);
            dg[i] = dOut[i] * up[i] * s * (1 + gate[i] * (1 - s));
            du[i] = dOut[i] * gate[i] * s;
        }
        return new double[][] {dg, du};
    }

    /** The geometry of one attention problem. */
    public record Attn(int batch, int seq, int nHeads, int nKvHeads, int headDim, double scale, int[] segmentIds) {
        int q(int t, int h, int d) { return (t * nHeads + h) * headDim + d; }

        int kv(int t, int h, int d) { return (t * nKvHeads + h) * headDim + d; }

        boolean visible(int s0, int i, int j) {
            return j <= i && (segmentIds == null || segmentIds[s0 + j] == segmentIds[s0 + i]);
        }

        double score(double[] q, double[] k, int s0, int h, int i, int j) {
            int kvh = h / (nHeads / nKvHeads);
            double s = 0;
            for (int d = 0; d < headDim; d++) s += q[q(s0 + i, h, d)] * k[kv(s0 + j, kvh, d)];
            return scale * s;
        }

        double lse(double[] q, double[] k, int s0, int h, int i) {
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j <= i; j++) if (visible(s0, i, j)) max = Math.max(max, score(q, k, s0, h, i, j));
            double sum = 0;
            for (int j = 0; j <= i; j++) if (visible(s0, i, j)) sum += Math.exp(score(q, k, s0, h, i, j) - max);
            return max + Math.log(sum);
        }
    }

    /** {out [tokens×nHeads×headDim], lse [batch×nHeads×seq]}. */
    public static double[][] attentionForward(Attn a, double[] q, double[] k, double[] v) {
        int tokens = a.batch * a.seq;
        double[] out = new double[tokens * a.nHeads * a.headDim], lse = new double[a.batch * a.nHeads * a.seq];
        for (int b = 0; b < a.batch; b++)
            for (int h = 0; h < a.nHeads; h++) {
                int s0 = b * a.seq, kvh = h / (a.nHeads / a.nKvHeads);
                for (int i = 0; i < a.seq; i++) {
                    double l = a.lse(q, k, s0, h, i);
                    lse[(b * a.nHeads + h) * a.seq + i] = l;
                    for (int j = 0; j <= i; j++) {
                        if (!a.visible(s0, i, j)) continue;
                        double p = Math.exp(a.score(q, k, s0, h, i, j) - l);
                        for (int d = 0; d < a.headDim; d++) out[a.q(s0 + i, h, d)] += p * v[a.kv(s0 + j, kvh, d)];
                    }
                }
            }
        return new double[][] {out, lse};
    }

    /** {dq, dk, dv} given the forward's out (as the op would store it) and dOut [like q]. */
    public static double[][] attentionBackward(Attn a, double[] q, double[] k, double[] v, double[] out,
                                               double[] dOut) {
        double[] dq = new double[q.length], dk = new double[k.length], dv = new double[v.length];
        for (int b = 0; b < a.batch; b++)
            for (int h = 0; h < a.nHeads; h++) {
                int s0 = b * a.seq, kvh = h / (a.nHeads / a.nKvHeads);
                for (int i = 0; i < a.seq; i++) {
                    double l = a.lse(q, k, s0, h, i);
                    double dsum = 0;
                    for (int d = 0; d < a.headDim; d++) dsum += dOut[a.q(s0 + i, h, d)] * out[a.q(s0 + i, h, d)];
                    for (int j = 0; j <= i; j++) {
                        if (!a.visible(s0, i, j)) continue;
                        double p = Math.exp(a.score(q, k, s0, h, i, j) - l);
                        double dp = 0;
                        for (int d = 0; d < a.headDim; d++) dp += dOut[a.q(s0 + i, h, d)] * v[a.kv(s0 + j, kvh, d)];
                        double ds = p * (dp - dsum);
                        for (int d = 0; d < a.headDim; d++) {
                            dq[a.q(s0 + i, h, d)] += a.scale * ds * k[a.kv(s0 + j, kvh, d)];
                            dk[a.kv(s0 + j, kvh, d)] += a.scale * ds * q[a.q(s0 + i, h, d)];
                            dv[a.kv(s0 + j, kvh, d)] += p * dOut[a.q(s0 + i, h, d)];
                        }
                    }
                }
            }
        return new double[][] {dq, dk, dv};
    }

    /** {losses [tokens], dLogits [tokens×vocab]} (targets < 0 ignored; weights null = 1). */
    public static double[][] crossEntropy(double[] logits, int[] targets, double[] weights, int vocab,
                                          double gradScale) {
        int tokens = targets.length;
        double[] losses = new double[tokens], grad = new double[tokens * vocab];
        for (int t = 0; t < tokens; t++) {
            if (targets[t] < 0) continue;
            double w = weights == null ? 1 : weights[t];
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < vocab; j++) max = Math.max(max, logits[t * vocab + j]);
            double sum = 0;
            for (int j = 0; j < vocab; j++) sum += Math.exp(logits[t * vocab + j] - max);
            double lse = max + Math.log(sum);
            losses[t] = w * (lse - logits[t * vocab + targets[t]]);
            for (int j = 0; j < vocab; j++)
                grad[t * vocab + j] = gradScale * w * (Math.exp(logits[t * vocab + j] - lse) - (j == targets[t] ? 1 : 0));
        }
        return new double[][] {losses, grad};
    }

    // ------------------------------------------------------------------ scales of cancelling results

    /**
     * rstd·(|g| + |x̂|·mean|g ⊙ x̂|): the size of the two terms whose difference is dx. They cancel almost
     * exactly when dim is tiny (dim = 1: dx = rstd·g·(1 − x̂²) with x̂² ≈ 1), where only this scale is meaningful.
     */
    public static double[] rmsnormDxMagnitude(double[] x, double[] w, double[] dy, int rows, int dim, double eps) {
        double[] rstd = rmsnormRstd(x, rows, dim, eps);
        double[] mag = new double[rows * dim];
        for (int i = 0; i < rows; i++) {
            double m = 0;
            for (int j = 0; j < dim; j++) m += Math.abs(dy[i * dim + j] * w[j] * x[i * dim + j] * rstd[i]) / dim;
            for (int j = 0; j < dim; j++)
                mag[i * dim + j] = rstd[i] * (Math.abs(dy[i * dim + j] * w[j]) + Math.abs(x[i * dim + j] * rstd[i]) * m);
        }
        return mag;
    }

    /**
     * w_t·(|lse_t| + |logits_t[target]|): the loss is their difference, which cancels when the target
     * dominates the row (small losses), so f32 rounding is judged against this scale.
     */
    public static double[] crossEntropyLossMagnitude(double[] logits, int[] targets, double[] weights, int vocab) {
        double[] mag = new double[targets.length];
        for (int t = 0; t < targets.length; t++) {
            if (targets[t] < 0) continue;
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (int j = 0; j < vocab; j++) max = Math.max(max, logits[t * vocab + j]);
            for (int j = 0; j < vocab; j++) sum += Math.exp(logits[t * vocab + j] - max);
            double w = weights == null ? 1 : weights[t];
            mag[t] = w * (Math.abs(max + Math.log(sum)) + Math.abs(logits[t * vocab + targets[t]]));
        }
        return mag;
    }
}
