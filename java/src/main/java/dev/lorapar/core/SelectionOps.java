package dev.lorapar.core;

import dev.lorapar.core.ffi.LpNative;

/** Validation and dispatch of the partition-selection ops behind {@link Ops}. */
final class SelectionOps {
    private SelectionOps() {
    }

    /** maskOut [n] U8 ← the top-mass selection of importance [n] F32; returns how many were selected. */
    static long selectTopMass(Stream stream, Tensor importance, double theta, Tensor maskOut) {
        final String op = "selectTopMass";
        Check.stream(op, stream);
        Check.onStream(op, "importance", importance, stream);
        Check.onStream(op, "maskOut", maskOut, stream);
        Check.dtype(op, "importance", importance, DType.F32);
        Check.dtype(op, "maskOut", maskOut, DType.U8);
        Check.sameNumel(op, "maskOut", maskOut, "importance", importance);
        Check.inRange(op, "theta", theta, 0.0, 1.0);
        return LpNative.selectTopMass(stream.handle(), importance.segment(), importance.numel(), theta,
                maskOut.segment());
    }

    /** maskOut [n] U8 ← the k first candidates by value (descending, index ascending); returns the count. */
    static long selectTopK(Stream stream, Tensor values, Tensor candidates, long k, Tensor maskOut) {
        final String op = "selectTopK";
        Check.stream(op, stream);
        Check.onStream(op, "values", values, stream);
        Check.onStreamIfPresent(op, "candidates", candidates, stream);
        Check.onStream(op, "maskOut", maskOut, stream);
        Check.dtype(op, "values", values, DType.F32);
        if (candidates != null) {
            Check.dtype(op, "candidates", candidates, DType.U8);
            Check.sameNumel(op, "candidates", candidates, "values", values);
        }
        Check.dtype(op, "maskOut", maskOut, DType.U8);
        Check.sameNumel(op, "maskOut", maskOut, "values", values);
        if (k < 0) {
            throw new IllegalArgumentException(op + ": k = " + k + ", expected >= 0");
        }
        return LpNative.selectTopK(stream.handle(), values.segment(), candidates == null ? null : candidates.segment(),
                values.numel(), k, maskOut.segment());
    }

    /** The LoRA-PAR partition of two selected sets (see {@link Ops#partitionMasks}). */
    static Ops.PartitionCounts partitionMasks(Stream stream, Tensor set1, Tensor set2, Tensor imp1, Tensor imp2,
                                              double alpha, double beta, Tensor stage1, Tensor stage2, Tensor region) {
        final String op = "partitionMasks";
        Check.stream(op, stream);
        Check.onStream(op, "set1", set1, stream);
        Check.onStream(op, "set2", set2, stream);
        Check.onStream(op, "imp1", imp1, stream);
        Check.onStream(op, "imp2", imp2, stream);
        Check.onStream(op, "stage1", stage1, stream);
        Check.onStream(op, "stage2", stage2, stream);
        Check.onStreamIfPresent(op, "region", region, stream);
        Check.dtype(op, "set1", set1, DType.U8);
        Check.dtype(op, "set2", set2, DType.U8);
        Check.dtype(op, "imp1", imp1, DType.F32);
        Check.dtype(op, "imp2", imp2, DType.F32);
        Check.dtype(op, "stage1", stage1, DType.U8);
        Check.dtype(op, "stage2", stage2, DType.U8);
        Check.sameNumel(op, "set2", set2, "set1", set1);
        Check.sameNumel(op, "imp1", imp1, "set1", set1);
        Check.sameNumel(op, "imp2", imp2, "set1", set1);
        Check.sameNumel(op, "stage1", stage1, "set1", set1);
        Check.sameNumel(op, "stage2", stage2, "set1", set1);
        if (region != null) {
            Check.dtype(op, "region", region, DType.U8);
            Check.sameNumel(op, "region", region, "set1", set1);
        }
        Check.inRange(op, "alpha", alpha, 0.0, 1.0);
        Check.inRange(op, "beta", beta, 0.0, 1.0);
        long[] c = LpNative.partitionMasks(stream.handle(), set1.numel(), set1.segment(), set2.segment(),
                imp1.segment(), imp2.segment(), alpha, beta, stage1.segment(), stage2.segment(),
                region == null ? null : region.segment());
        return new Ops.PartitionCounts(c[0], c[1], c[2], c[3], c[4]);
    }
}
