package dev.lorapar.core;

import dev.lorapar.core.ffi.LpNative;

import java.util.Arrays;

/** Validation and dispatch of {@link Ops#gemm}: shapes of 2-D or strided-batch 3-D operands. */
final class GemmOp {
    private GemmOp() {
    }

    /**
     * c = alpha·op(a)·op(b) + beta·c. 2-D: a [m×k] ([k×m] when transA), b [k×n] ([n×k] when transB),
     * c [m×n]. 3-D: the same with a leading [batch] on all three; or a 2-D a shared by every matrix of a 3-D b and c
     * (one strided-batch call with a's batch stride 0, e.g. x·W{q,k,v}ᵀ over stacked weights).
     */
    static void gemm(Stream stream, boolean transA, boolean transB, float alpha, Tensor a, Tensor b, float beta,
                     Tensor c) {
        final String op = "gemm";
        Check.stream(op, stream);
        Check.onStream(op, "a", a, stream);
        Check.onStream(op, "b", b, stream);
        Check.onStream(op, "c", c, stream);
        Check.dtype(op, "a", a, DType.F32, DType.BF16);
        Check.sameDtype(op, "b", b, "a", a);
        if (c.dtype() != DType.F32 && c.dtype() != a.dtype()) {
            throw new IllegalArgumentException(op + ": c has dtype " + c.dtype() + ", expected F32"
                    + (a.dtype() == DType.F32 ? "" : " or " + a.dtype() + " (the dtype of a)"));
        }
        if (a.rank() != 2 && a.rank() != 3) {
            throw new IllegalArgumentException(op + ": a has shape " + Arrays.toString(a.shape())
                    + ", expected 2-D [rows, cols] or 3-D [batch, rows, cols]");
        }
        boolean sharedA = a.rank() == 2 && b.rank() == 3; // a broadcast over b's batch
        boolean batched = a.rank() == 3 || sharedA;
        long batch = a.rank() == 3 ? a.dim(0) : sharedA ? b.dim(0) : 1;
        long aRows = a.dim(-2);
        long aCols = a.dim(-1);
        long m = transA ? aCols : aRows;
        long k = transA ? aRows : aCols;
        String from = "from a " + Arrays.toString(a.shape()) + " with transA=" + transA + ", transB=" + transB;

        long bRank2Rows = transB ? -1 : k;  // b stored [k×n], or [n×k] when transB
        long bRank2Cols = transB ? k : -1;
        String[] bLabels = transB ? new String[] {"n", "k"} : new String[] {"k", "n"};
        Check.shape(op, "b", b, withBatch(batched, bLabels), withBatch(batched, batch, bRank2Rows, bRank2Cols), from);
        long n = transB ? b.dim(-2) : b.dim(-1);
        long bCols = b.dim(-1);

        Check.shape(op, "c", c, withBatch(batched, new String[] {"m", "n"}), withBatch(batched, batch, m, n),
                from + " and b " + Arrays.toString(b.shape()));

        if (c == a || c == b) {
            throw new IllegalArgumentException(op + ": c must not be the same tensor as a or b");
        }
        if (batch == 0 || m == 0 || n == 0) {
            return; // c has no elements
        }
        // Leading dimensions of contiguous row-major matrices; at least 1 so empty matrices stay valid.
        long lda = Math.max(1, aCols);
        long ldb = Math.max(1, bCols);
        long ldc = Math.max(1, n);
        LpNative.gemm(stream.handle(), transA ? 1 : 0, transB ? 1 : 0, m, n, k, alpha,
                a.segment(), lda, sharedA ? 0 : aRows * aCols,
                b.segment(), ldb, b.dim(-2) * bCols,
                beta, c.segment(), ldc, m * n,
                batch, a.dtype().code(), c.dtype().code());
    }

    private static String[] withBatch(boolean batched, String[] labels) {
        return batched ? new String[] {"batch", labels[0], labels[1]} : labels;
    }

    private static long[] withBatch(boolean batched, long batch, long rows, long cols) {
        return batched ? new long[] {batch, rows, cols} : new long[] {rows, cols};
    }
}
