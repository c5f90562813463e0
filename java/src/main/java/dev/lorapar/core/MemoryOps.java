package dev.lorapar.core;

import dev.lorapar.core.ffi.LpNative;

/** Validation and dispatch of the element-wise memory ops behind {@link Ops}. */
final class MemoryOps {
    private static final int COPY_H2H = 0;
    private static final int COPY_H2D = 1;
    private static final int COPY_D2H = 2;
    private static final int COPY_D2D = 3;

    private MemoryOps() {
    }

    /** src [n] → dst [n], same dtype; the copy kind follows the two devices. */
    static void copy(Stream stream, Tensor src, Tensor dst) {
        final String op = "copy";
        Check.stream(op, stream);
        Check.open(op, "src", src);
        Check.open(op, "dst", dst);
        Check.sameDtype(op, "dst", dst, "src", src);
        Check.sameNumel(op, "dst", dst, "src", src);
        int kind;
        boolean srcCuda = src.device().isCuda();
        boolean dstCuda = dst.device().isCuda();
        if (!srcCuda && !dstCuda) {
            kind = COPY_H2H; // host to host works on any stream
        } else {
            boolean streamTouchesOne = (srcCuda && src.device().equals(stream.device()))
                    || (dstCuda && dst.device().equals(stream.device()));
            if (!streamTouchesOne) {
                throw new IllegalArgumentException(op + ": src is on " + src.device() + ", dst on " + dst.device()
                        + ", but the stream is on " + stream.device() + " (use a stream of a CUDA device involved)");
            }
            kind = srcCuda ? (dstCuda ? COPY_D2D : COPY_D2H) : COPY_H2D;
        }
        if (src == dst || src.byteSize() == 0) {
            return; // nothing to move (and C memcpy must not see identical buffers)
        }
        LpNative.memcpy(stream.handle(), dst.segment(), src.segment(), src.byteSize(), kind);
    }

    /** src [n] → dst [n] on the stream's device: same dtype, or F32 ⇄ BF16 (round to nearest even). */
    static void convert(Stream stream, Tensor src, Tensor dst) {
        final String op = "convert";
        Check.stream(op, stream);
        Check.onStream(op, "src", src, stream);
        Check.onStream(op, "dst", dst, stream);
        Check.sameNumel(op, "dst", dst, "src", src);
        boolean floatPair = src.dtype().isFloatingPoint() && dst.dtype().isFloatingPoint();
        if (src.dtype() != dst.dtype() && !floatPair) {
            throw new IllegalArgumentException(op + ": cannot convert src " + src.dtype() + " to dst " + dst.dtype()
                    + " (supported: the same dtype, or F32 <-> BF16)");
        }
        if (src == dst) {
            return;
        }
        LpNative.convert(stream.handle(), src.segment(), src.dtype().code(), dst.segment(), dst.dtype().code(),
                src.numel());
    }

    /** t[i] = value for all i (U8/I32/I64: value must be an integer in range). */
    static void fill(Stream stream, Tensor t, double value) {
        final String op = "fill";
        Check.stream(op, stream);
        Check.onStream(op, "t", t, stream);
        HostData.checkFillValue(op, value, t.dtype());
        LpNative.fill(stream.handle(), t.segment(), t.dtype().code(), t.numel(), value);
    }

    /** x[i] = 0 where mask[i] == 0; x F32/BF16 [n], mask U8 [n]. */
    static void maskApply(Stream stream, Tensor x, Tensor mask) {
        final String op = "maskApply";
        Check.stream(op, stream);
        Check.onStream(op, "x", x, stream);
        Check.onStream(op, "mask", mask, stream);
        Check.dtype(op, "x", x, DType.F32, DType.BF16);
        Check.dtype(op, "mask", mask, DType.U8);
        Check.sameNumel(op, "mask", mask, "x", x);
        LpNative.maskApply(stream.handle(), x.dtype().code(), x.segment(), mask.segment(), x.numel());
    }
}
