package dev.lorapar.tests.cases;

import dev.lorapar.core.Ops.AdamW;
import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.core.Ops;
import dev.lorapar.core.Tensor;
import dev.lorapar.tests.support.Numerics;
import dev.lorapar.tests.support.Rng;
import dev.lorapar.tests.support.TensorScope;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A multi-step masked AdamW run over several fp32 tensors. Per tensor: a mask kind (null = no mask
 * entry), optional param copy (poisoned with NaN at the start), random initial p, m and v (v > 0),
 * and fresh random grads each step. With clipping on, each step's gradNorm is globalNorm(grads).
 * {@link #run} records the full state after every step so a reference can replay each one.
 */
public final class AdamWCase {
    public final List<long[]> shapes;
    public final List<Rng.MaskKind> maskKinds;   // per tensor; null = that masks entry is null
    public final boolean masksListNull;           // pass null for the whole masks list
    public final DType copyType;                  // null = pass null for the copies list
    public final boolean[] copyPresent;           // per tensor: copies entry non-null
    public final AdamW hp;
    public final int steps;
    public final boolean clip;
    public final float maxGradNorm;
    public final List<byte[]> masks = new ArrayList<>();          // per tensor [numel] or null
    public final List<float[]> p0 = new ArrayList<>(), m0 = new ArrayList<>(), v0 = new ArrayList<>();
    public final List<List<float[]>> grads = new ArrayList<>();   // per step, per tensor [numel]

    public AdamWCase(Rng rng, List<long[]> shapes, List<Rng.MaskKind> maskKinds, boolean masksListNull,
                     DType copyType, boolean[] copyPresent, AdamW hp, int steps, boolean clip, float maxGradNorm) {
        this.shapes = shapes;
        this.maskKinds = maskKinds;
        this.masksListNull = masksListNull;
        this.copyType = copyType;
        this.copyPresent = copyPresent;
        this.hp = hp;
        this.steps = steps;
        this.clip = clip;
        this.maxGradNorm = maxGradNorm;
        for (int t = 0; t < shapes.size(); t++) {
            int n = Numerics.numel(shapes.get(t));
            Rng.MaskKind kind = masksListNull ? null : maskKinds.get(t);
            masks.add(kind == null ? null : rng.mask(n, kind));
            p0.add(rng.gaussian(n, 0.5));
            m0.add(rng.gaussian(n, 0.01));
            float[] v = rng.uniform(n, 1e-6f, 1e-3f);
            v0.add(v);
        }
        for (int s = 0; s < steps; s++) {
            List<float[]> g = new ArrayList<>();
            for (long[] shape : shapes) g.add(rng.gaussian(Numerics.numel(shape), 0.05));
            grads.add(g);
        }
    }

    /** The state after a step: per tensor p, m, v, copy (null when absent); gradNorm used (null when off). */
    public record State(List<float[]> p, List<float[]> m, List<float[]> v, List<float[]> copy, Float gradNorm) {}

    /** states.get(0) is the initial state, states.get(s) the state after step s (1-based step numbers). */
    public List<State> run(Device device) {
        try (TensorScope s = new TensorScope(device)) {
            List<Tensor> tp = new ArrayList<>(), tm = new ArrayList<>(), tv = new ArrayList<>(), tg = new ArrayList<>();
            List<Tensor> tmask = masksListNull ? null : new ArrayList<>();
            List<Tensor> tcopy = copyType == null ? null : new ArrayList<>();
            for (int t = 0; t < shapes.size(); t++) {
                long[] shape = shapes.get(t);
                tp.add(s.of(DType.F32, p0.get(t), shape));
                tm.add(s.of(DType.F32, m0.get(t), shape));
                tv.add(s.of(DType.F32, v0.get(t), shape));
                tg.add(s.poisoned(DType.F32, shape));
                if (tmask != null) tmask.add(s.mask(masks.get(t), shape));
                if (tcopy != null) tcopy.add(copyPresent[t] ? s.poisoned(copyType, shape) : null);
            }
            Tensor gradNorm = clip ? s.poisoned(DType.F32, 1) : null;
            List<State> states = new ArrayList<>();
            states.add(snapshot(s, tp, tm, tv, tcopy, null));
            for (int step = 1; step <= steps; step++) {
                for (int t = 0; t < shapes.size(); t++) tg.get(t).copyFrom(s.stream(), grads.get(step - 1).get(t));
                if (clip) Ops.globalNorm(s.stream(), tg, gradNorm);
                Ops.adamwMasked(s.stream(), hp, step, tp, tg, tm, tv, tmask, tcopy, gradNorm, clip ? maxGradNorm : 0f);
                states.add(snapshot(s, tp, tm, tv, tcopy, clip ? s.read(gradNorm)[0] : null));
            }
            return states;
        }
    }

    private State snapshot(TensorScope s, List<Tensor> tp, List<Tensor> tm, List<Tensor> tv, List<Tensor> tcopy, Float norm) {
        List<float[]> p = new ArrayList<>(), m = new ArrayList<>(), v = new ArrayList<>(), c = new ArrayList<>();
        for (int t = 0; t < tp.size(); t++) {
            p.add(s.read(tp.get(t)));
            m.add(s.read(tm.get(t)));
            v.add(s.read(tv.get(t)));
            c.add(tcopy == null || tcopy.get(t) == null ? null : s.read(tcopy.get(t)));
        }
        return new State(p, m, v, c, norm);
    }

    /** The entries of v at active indices of mask (all when mask is null). */
    public static float[] active(float[] v, byte[] mask) {
        float[] out = new float[v.length];
        int n = 0;
        for (int i = 0; i < v.length; i++) if (Numerics.active(mask, i)) out[n++] = v[i];
        return Arrays.copyOf(out, n);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("adamw(steps=" + steps + " " + hp + " clip=" + clip + "/" + maxGradNorm
                + " copies=" + copyType + " masks=" + (masksListNull ? "null" : maskKinds) + " shapes=");
        for (long[] sh : shapes) sb.append(Arrays.toString(sh));
        return sb.append(')').toString();
    }
}
