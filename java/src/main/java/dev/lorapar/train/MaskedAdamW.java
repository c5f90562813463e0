package dev.lorapar.train;

import dev.lorapar.core.DType;
import dev.lorapar.core.Ops;
import dev.lorapar.core.Stream;
import dev.lorapar.core.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * AdamW over a list of parameters with fp32 master weights and moments on the device, through the core's fused
 * masked kernel: elements whose mask is 0 never move (weights, moments and the model's copy stay bit-identical).
 * Each step clips by the global gradient norm and writes the updated masters into the model's tensors (F32 or
 * BF16). Owns its masters, moments and norm buffer.
 */
public final class MaskedAdamW implements AutoCloseable {
    /** One trained tensor: its F32 gradient, the model's tensor the update lands in, an optional U8 mask. */
    public record Param(String name, Tensor grad, Tensor target, Tensor mask) {
        public Param {
            Objects.requireNonNull(name, "param name");
            Objects.requireNonNull(grad, name + ": grad");
            Objects.requireNonNull(target, name + ": target");
            if (grad.dtype() != DType.F32 || grad.numel() != target.numel()) {
                throw new IllegalArgumentException(name + ": grad must be F32 with the target's " + target.numel()
                        + " elements, got " + grad);
            }
            if (mask != null && (mask.dtype() != DType.U8 || mask.numel() != target.numel())) {
                throw new IllegalArgumentException(name + ": mask must be U8 with " + target.numel() + " elements");
            }
        }
    }

    /** beta1, beta2, eps, weight decay (decoupled) and the clipping norm (≤ 0: no clipping). */
    public record Hyper(float beta1, float beta2, float eps, float weightDecay, float maxGradNorm) {
        public static Hyper defaults() {
            return new Hyper(0.9f, 0.999f, 1e-8f, 0f, 1f);
        }
    }

    private final Stream stream;
    private final List<Param> params;
    private final Hyper hyper;
    private final List<Tensor> masters = new ArrayList<>(), expAvg = new ArrayList<>(), expAvgSq = new ArrayList<>();
    private final Tensor gradNorm; // [1] F32
    private long step;

    /** Masters start as the targets' current values (converted to F32); moments at 0; step 0. */
    public MaskedAdamW(Stream stream, List<Param> params, Hyper hyper) {
        this.stream = Objects.requireNonNull(stream, "stream");
        this.params = List.copyOf(params);
        this.hyper = Objects.requireNonNull(hyper, "hyper");
        if (this.params.isEmpty()) {
            throw new IllegalArgumentException("MaskedAdamW: no parameters");
        }
        Tensor norm = null;
        try {
            for (Param p : this.params) {
                Tensor master = Tensor.empty(stream.device(), DType.F32, p.target().shape());
                masters.add(master);
                Ops.convert(stream, p.target(), master);
                expAvg.add(Tensor.zeros(stream, DType.F32, p.target().shape()));
                expAvgSq.add(Tensor.zeros(stream, DType.F32, p.target().shape()));
            }
            norm = Tensor.zeros(stream, DType.F32, 1);
            stream.synchronize();
        } catch (RuntimeException e) {
            closeAll();
            if (norm != null) {
                norm.close();
            }
            throw e;
        }
        this.gradNorm = norm;
    }

    /** Optimizer steps taken so far. */
    public long steps() {
        return step;
    }

    /**
     * One step at learning rate {@code lr}: gradient norm over every grad (before clipping), clipped AdamW update of
     * the unmasked elements, copy into the targets. Returns the gradient norm (reads it back: synchronizes). A
     * non-finite norm is returned WITHOUT any update (nothing moves, the step count stays).
     */
    public double step(float lr) {
        List<Tensor> grads = params.stream().map(Param::grad).toList();
        Ops.globalNorm(stream, grads, gradNorm);
        double norm = gradNorm.toFloatArray(stream)[0];
        if (!Double.isFinite(norm)) {
            return norm;
        }
        step++;
        Ops.AdamW hp = new Ops.AdamW(lr, hyper.beta1(), hyper.beta2(), hyper.eps(), hyper.weightDecay());
        List<Tensor> masks = params.stream().map(Param::mask).toList();
        boolean anyMask = masks.stream().anyMatch(Objects::nonNull);
        Ops.adamwMasked(stream, hp, step, masters, grads, expAvg, expAvgSq, anyMask ? nullable(masks) : null,
                params.stream().map(Param::target).toList(), gradNorm, hyper.maxGradNorm());
        return norm;
    }

    private static List<Tensor> nullable(List<Tensor> xs) {
        return java.util.Collections.unmodifiableList(new ArrayList<>(xs)); // List.copyOf refuses nulls
    }

    /** The optimizer state on the host, parameter by parameter: masters, first and second moments, and the step. */
    public record State(long step, List<float[]> masters, List<float[]> expAvg, List<float[]> expAvgSq) {
    }

    public State state() {
        return new State(step, read(masters), read(expAvg), read(expAvgSq));
    }

    /** Restores {@link #state()}; the targets get the masters' values. */
    public void load(State s) {
        if (s.masters().size() != params.size() || s.expAvg().size() != params.size()
                || s.expAvgSq().size() != params.size()) {
            throw new IllegalArgumentException("optimizer state has " + s.masters().size() + " parameters, this "
                    + "optimizer " + params.size());
        }
        for (int i = 0; i < params.size(); i++) {
            masters.get(i).copyFrom(stream, s.masters().get(i));
            expAvg.get(i).copyFrom(stream, s.expAvg().get(i));
            expAvgSq.get(i).copyFrom(stream, s.expAvgSq().get(i));
            Ops.convert(stream, masters.get(i), params.get(i).target());
        }
        stream.synchronize();
        step = s.step();
    }

    public List<Param> params() {
        return params;
    }

    private List<float[]> read(List<Tensor> ts) {
        List<float[]> out = new ArrayList<>();
        for (Tensor t : ts) {
            out.add(t.toFloatArray(stream));
        }
        return out;
    }

    private void closeAll() {
        masters.forEach(Tensor::close);
        expAvg.forEach(Tensor::close);
        expAvgSq.forEach(Tensor::close);
    }

    @Override
    public void close() {
        closeAll();
        if (gradNorm != null) {
            gradNorm.close();
        }
    }
}
