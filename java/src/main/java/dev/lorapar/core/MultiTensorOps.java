package dev.lorapar.core;

import dev.lorapar.core.ffi.LpNative;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Objects;

/** Validation and dispatch of the multi-tensor ops (importance, norm, AdamW) behind {@link Ops}. */
final class MultiTensorOps {
    private MultiTensorOps() {
    }

    /** s1[t] += grads[t]·params[t]; s2[t] += (grads[t]·params[t])², element-wise. */
    static void importanceAccumulate(Stream stream, List<Tensor> grads, List<Tensor> params, List<Tensor> s1,
                                     List<Tensor> s2) {
        final String op = "importanceAccumulate";
        Check.stream(op, stream);
        Check.list(op, "grads", grads, -1, "", false, stream);
        int count = grads.size();
        Check.list(op, "params", params, count, "grads", false, stream);
        Check.list(op, "s1", s1, count, "grads", false, stream);
        Check.list(op, "s2", s2, count, "grads", false, stream);
        DType gradDtype = TensorLists.oneDtype(op, "grads", grads, DType.F32, DType.F32, DType.BF16);
        DType paramDtype = TensorLists.oneDtype(op, "params", params, DType.F32, DType.F32, DType.BF16);
        TensorLists.oneDtype(op, "s1", s1, DType.F32, DType.F32);
        TensorLists.oneDtype(op, "s2", s2, DType.F32, DType.F32);
        TensorLists.sameNumels(op, "params", params, "grads", grads);
        TensorLists.sameNumels(op, "s1", s1, "grads", grads);
        TensorLists.sameNumels(op, "s2", s2, "grads", grads);
        try (Arena arena = Arena.ofConfined()) {
            LpNative.importanceAccumulate(stream.handle(), count, TensorLists.sizes(arena, grads),
                    TensorLists.pointers(arena, grads), gradDtype.code(),
                    TensorLists.pointers(arena, params), paramDtype.code(),
                    TensorLists.pointers(arena, s1), TensorLists.pointers(arena, s2));
        }
    }

    /** importance[t] = |s1[t] − ½·s2[t]| / numSamples (importance may be the s1 tensors). */
    static void importanceFinalize(Stream stream, List<Tensor> s1, List<Tensor> s2, List<Tensor> importance,
                                   long numSamples) {
        final String op = "importanceFinalize";
        Check.stream(op, stream);
        Check.list(op, "s1", s1, -1, "", false, stream);
        int count = s1.size();
        Check.list(op, "s2", s2, count, "s1", false, stream);
        Check.list(op, "importance", importance, count, "s1", false, stream);
        TensorLists.oneDtype(op, "s1", s1, DType.F32, DType.F32);
        TensorLists.oneDtype(op, "s2", s2, DType.F32, DType.F32);
        TensorLists.oneDtype(op, "importance", importance, DType.F32, DType.F32);
        TensorLists.sameNumels(op, "s2", s2, "s1", s1);
        TensorLists.sameNumels(op, "importance", importance, "s1", s1);
        if (numSamples < 1) {
            throw new IllegalArgumentException(op + ": numSamples = " + numSamples + ", expected >= 1");
        }
        try (Arena arena = Arena.ofConfined()) {
            LpNative.importanceFinalize(stream.handle(), count, TensorLists.sizes(arena, s1),
                    TensorLists.pointers(arena, s1), TensorLists.pointers(arena, s2),
                    TensorLists.pointers(arena, importance), numSamples);
        }
    }

    /** out [1] F32 = sqrt(Σ_t Σ_i xs[t][i]²), written on the stream's device. */
    static void globalNorm(Stream stream, List<Tensor> xs, Tensor out) {
        final String op = "globalNorm";
        Check.stream(op, stream);
        Check.list(op, "xs", xs, -1, "", false, stream);
        DType dtype = TensorLists.oneDtype(op, "xs", xs, DType.F32, DType.F32, DType.BF16);
        Check.onStream(op, "out", out, stream);
        Check.dtype(op, "out", out, DType.F32);
        Check.numel(op, "out", out, 1);
        try (Arena arena = Arena.ofConfined()) {
            LpNative.globalNorm(stream.handle(), xs.size(), TensorLists.sizes(arena, xs),
                    TensorLists.pointers(arena, xs), dtype.code(), out.segment());
        }
    }

    /** One masked AdamW step over the parameter list (see {@link Ops#adamwMasked}). */
    static void adamwMasked(Stream stream, Ops.AdamW hp, long step, List<Tensor> params, List<Tensor> grads,
                            List<Tensor> expAvg, List<Tensor> expAvgSq, List<Tensor> masks, List<Tensor> copies,
                            Tensor gradNorm, float maxGradNorm) {
        final String op = "adamwMasked";
        Check.stream(op, stream);
        Objects.requireNonNull(hp, op + ": hp is null");
        if (step < 1) {
            throw new IllegalArgumentException(op + ": step = " + step + ", expected >= 1");
        }
        if (Float.isNaN(maxGradNorm)) {
            throw new IllegalArgumentException(op + ": maxGradNorm is NaN");
        }
        Check.list(op, "params", params, -1, "", false, stream);
        int count = params.size();
        Check.list(op, "grads", grads, count, "params", false, stream);
        Check.list(op, "expAvg", expAvg, count, "params", false, stream);
        Check.list(op, "expAvgSq", expAvgSq, count, "params", false, stream);
        TensorLists.oneDtype(op, "params", params, DType.F32, DType.F32);
        TensorLists.oneDtype(op, "grads", grads, DType.F32, DType.F32);
        TensorLists.oneDtype(op, "expAvg", expAvg, DType.F32, DType.F32);
        TensorLists.oneDtype(op, "expAvgSq", expAvgSq, DType.F32, DType.F32);
        TensorLists.sameNumels(op, "grads", grads, "params", params);
        TensorLists.sameNumels(op, "expAvg", expAvg, "params", params);
        TensorLists.sameNumels(op, "expAvgSq", expAvgSq, "params", params);
        if (masks != null) {
            Check.list(op, "masks", masks, count, "params", true, stream);
            TensorLists.oneDtype(op, "masks", masks, DType.U8, DType.U8);
            TensorLists.sameNumels(op, "masks", masks, "params", params);
        }
        DType copyDtype = DType.F32;
        if (copies != null) {
            Check.list(op, "copies", copies, count, "params", true, stream);
            copyDtype = TensorLists.oneDtype(op, "copies", copies, DType.F32, DType.BF16, DType.F32);
            TensorLists.sameNumels(op, "copies", copies, "params", params);
        }
        if (gradNorm != null) {
            Check.onStream(op, "gradNorm", gradNorm, stream);
            Check.dtype(op, "gradNorm", gradNorm, DType.F32);
            Check.numel(op, "gradNorm", gradNorm, 1);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment maskPointers = masks == null ? null : TensorLists.pointers(arena, masks);
            MemorySegment copyPointers = copies == null ? null : TensorLists.pointers(arena, copies);
            LpNative.adamwMasked(stream.handle(), count, TensorLists.sizes(arena, params),
                    TensorLists.pointers(arena, params), TensorLists.pointers(arena, grads),
                    TensorLists.pointers(arena, expAvg), TensorLists.pointers(arena, expAvgSq),
                    maskPointers, copyPointers, copyDtype.code(),
                    hp.lr(), hp.beta1(), hp.beta2(), hp.eps(), hp.weightDecay(), step,
                    gradNorm == null ? null : gradNorm.segment(), maxGradNorm);
        }
    }
}
