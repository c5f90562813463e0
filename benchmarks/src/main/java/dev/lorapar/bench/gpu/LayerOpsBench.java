package dev.lorapar.bench.gpu;

import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.core.Event;
import dev.lorapar.core.MaskMode;
import dev.lorapar.core.Ops;
import dev.lorapar.core.Stream;
import dev.lorapar.core.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where a LLaMA-2-7B training step spends its time: every op of one decoder layer's forward and backward (LoRA
 * r = 16 on all seven projections, bf16, batch × seq tokens) timed alone between two events (median of 5 after a
 * warm-up), then × 32 layers, next to the LM head + cross-entropy of the whole batch. Prints a table; run with the
 * same options as {@link ModelBench}: {@code [--batch 4] [--seq 2048] [--device cuda:0]}.
 */
public final class LayerOpsBench {
    private LayerOpsBench() {
    }

    public static void main(String[] args) {
        int batch = 4, seq = 2048;
        Device device = Device.cuda(0);
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--batch" -> batch = Integer.parseInt(args[++i]);
                case "--seq" -> seq = Integer.parseInt(args[++i]);
                case "--device" -> device = Device.parse(args[++i]);
                default -> throw new IllegalArgumentException("LayerOpsBench: unknown argument " + args[i]);
            }
        }
        int dim = 4096, hidden = 11008, heads = 32, hd = 128, r = 16, vocab = 32000, layers = 32;
        long t = (long) batch * seq;
        int chunk = (int) Math.min(1024, t);
        final Device dev = device;
        DType dt = device.isCuda() ? DType.BF16 : DType.F32;
        List<Tensor> all = new ArrayList<>();
        Map<String, Double> perLayer = new LinkedHashMap<>();
        try (Stream s = Stream.create(device); Event e0 = Event.create(device); Event e1 = Event.create(device)) {
            java.util.function.Function<long[], Tensor> mk = shape -> {
                Tensor x = Tensor.empty(dev, dt, shape);
                x.fill(s, 0.01);
                all.add(x);
                return x;
            };
            Tensor x = mk.apply(new long[] {t, dim}), h = mk.apply(new long[] {t, dim}), y = mk.apply(new long[] {t, dim});
            Tensor w = mk.apply(new long[] {dim, dim}), wUp = mk.apply(new long[] {hidden, dim});
            Tensor wDown = mk.apply(new long[] {dim, hidden});
            Tensor a = mk.apply(new long[] {r, dim}), b = mk.apply(new long[] {dim, r}), bUp = mk.apply(new long[] {hidden, r});
            Tensor aDown = mk.apply(new long[] {r, hidden});
            Tensor u = mk.apply(new long[] {t, r}), g = mk.apply(new long[] {t, r});
            Tensor gate = mk.apply(new long[] {t, hidden}), up = mk.apply(new long[] {t, hidden}), act = mk.apply(new long[] {t, hidden});
            Tensor q = mk.apply(new long[] {t, dim}), k = mk.apply(new long[] {t, dim}), v = mk.apply(new long[] {t, dim});
            Tensor att = mk.apply(new long[] {t, dim}), dq = mk.apply(new long[] {t, dim}), dk = mk.apply(new long[] {t, dim});
            Tensor dv = mk.apply(new long[] {t, dim});
            Tensor rstd = Tensor.zeros(s, DType.F32, t);
            Tensor lse = Tensor.zeros(s, DType.F32, (long) batch * heads * seq);
            Tensor norm = mk.apply(new long[] {dim});
            Tensor da = Tensor.zeros(s, DType.F32, r, dim), db = Tensor.zeros(s, DType.F32, dim, r);
            Tensor daUp = Tensor.zeros(s, DType.F32, r, dim), dbUp = Tensor.zeros(s, DType.F32, hidden, r);
            Tensor daDown = Tensor.zeros(s, DType.F32, r, hidden), dbDown = Tensor.zeros(s, DType.F32, dim, r);
            Tensor pos = Tensor.zeros(s, DType.I32, t);
            Tensor logits = Tensor.zeros(s, DType.F32, chunk, vocab), dl = mk.apply(new long[] {chunk, vocab});
            Tensor head = mk.apply(new long[] {vocab, dim}), targets = Tensor.zeros(s, DType.I32, chunk);
            Tensor losses = Tensor.zeros(s, DType.F32, chunk);
            all.addAll(List.of(rstd, lse, da, db, daUp, dbUp, daDown, dbDown, pos, logits, head, targets, losses));
            int B = batch, S = seq;
            Tensor[] q4 = {q.view(B, S, heads, hd), k.view(B, S, heads, hd), v.view(B, S, heads, hd),
                    att.view(B, S, heads, hd), dq.view(B, S, heads, hd), dk.view(B, S, heads, hd), dv.view(B, S, heads, hd)};
            MaskMode m = MaskMode.GRADIENT;
            Map<String, Runnable> ops = new LinkedHashMap<>();
            ops.put("rmsnorm fwd ×2", () -> Ops.rmsnormForward(s, 1e-5f, x, norm, h, rstd));
            ops.put("lora linear fwd q,k,v,o (4096²) ×4", () -> Ops.loraLinearForward(s, 2f, h, w, 0f, a, null, b, null, m, u, y));
            ops.put("rope q,k ×2", () -> Ops.rope(s, q.view(t, heads, hd), pos, 10000, Ops.RopeKind.ROTATE_HALF, false));
            ops.put("attention fwd", () -> Ops.attentionForward(s, 0.088f, q4[0], q4[1], q4[2], null, q4[3], lse.view(B, heads, S)));
            ops.put("copy residual ×2", () -> Ops.copy(s, x, y));
            ops.put("lora linear fwd gate,up ×2", () -> Ops.loraLinearForward(s, 2f, h, wUp, 0f, a, null, bUp, null, m, u, gate));
            ops.put("swiglu fwd", () -> Ops.swigluForward(s, gate, up, act));
            ops.put("lora linear fwd down", () -> Ops.loraLinearForward(s, 2f, act, wDown, 1f, aDown, null, b, null, m, u, y));
            ops.put("lora linear bwd down", () -> Ops.loraLinearBackward(s, 2f, act, wDown, aDown, null, b, null, m, u, y, g, 0f, gate, daDown, dbDown, false));
            ops.put("swiglu bwd", () -> Ops.swigluBackward(s, gate, up, act, gate, up));
            ops.put("lora linear bwd gate,up ×2", () -> Ops.loraLinearBackward(s, 2f, h, wUp, a, null, bUp, null, m, u, gate, g, 1f, x, daUp, dbUp, false));
            ops.put("rmsnorm bwd ×2", () -> Ops.rmsnormBackward(s, x, norm, rstd, h, y, null, true));
            ops.put("lora linear bwd q,k,v,o ×4", () -> Ops.loraLinearBackward(s, 2f, h, w, a, null, b, null, m, u, y, g, 1f, x, da, db, false));
            ops.put("attention bwd", () -> Ops.attentionBackward(s, 0.088f, q4[0], q4[1], q4[2], null, q4[3], lse.view(B, heads, S), q4[3], q4[4], q4[5], q4[6]));
            ops.put("rope bwd q,k ×2", () -> Ops.rope(s, dq.view(t, heads, hd), pos, 10000, Ops.RopeKind.ROTATE_HALF, true));
            int[] mult = {2, 4, 2, 1, 2, 2, 1, 1, 1, 1, 2, 2, 4, 1, 2};
            int i = 0;
            double layerTotal = 0;
            System.out.printf("%-40s %10s %12s%n", "op (one layer, " + batch + "x" + seq + ")", "ms/call", "ms × count");
            for (var entry : ops.entrySet()) {
                double ms = time(s, e0, e1, entry.getValue());
                perLayer.put(entry.getKey(), ms * mult[i]);
                layerTotal += ms * mult[i];
                System.out.printf("%-40s %10.3f %12.3f%n", entry.getKey(), ms, ms * mult[i]);
                i++;
            }
            int chunks = (int) ((t + chunk - 1) / chunk);
            double head1 = time(s, e0, e1, () -> {
                Ops.gemm(s, false, true, 1f, h.rows(0, chunk), head, 0f, logits);
                Ops.crossEntropy(s, logits, targets, null, 1f, losses);
                Ops.convert(s, logits, dl);
                Ops.gemm(s, false, false, 1f, dl, head, 0f, y.rows(0, chunk));
            });
            System.out.printf("%-40s %10.3f%n", "one layer total", layerTotal);
            System.out.printf("%-40s %10.3f%n", "× " + layers + " layers", layerTotal * layers);
            System.out.printf("%-40s %10.3f%n", "LM head + CE (" + chunks + " chunks)", head1 * chunks);
            System.out.printf("%-40s %10.3f%n", "step estimate", layerTotal * layers + head1 * chunks);
        } finally {
            all.forEach(Tensor::close);
        }
    }

    private static double time(Stream s, Event e0, Event e1, Runnable op) {
        op.run();
        s.synchronize();
        double[] ms = new double[5];
        for (int i = 0; i < ms.length; i++) {
            e0.record(s);
            op.run();
            e1.record(s);
            e1.synchronize();
            ms[i] = Event.elapsedMillis(e0, e1);
        }
        java.util.Arrays.sort(ms);
        return ms[2];
    }
}
