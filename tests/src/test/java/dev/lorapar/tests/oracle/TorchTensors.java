package dev.lorapar.tests.oracle;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.pytorch.AbstractTensor;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Moving arrays in and out of libtorch CPU tensors in the oracle's precision. Every tensor made here is an
 * owned copy (AbstractTensor.create copies), attached to the innermost JavaCPP PointerScope like any other.
 */
final class TorchTensors {
    private TorchTensors() {
    }

    /** A tensor of {@code shape} holding {@code data} (row-major) as float32 or float64. */
    static Tensor of(float[] data, TorchLlama.Precision precision, long... shape) {
        if (precision == TorchLlama.Precision.FLOAT32) return AbstractTensor.create(data, shape);
        double[] wide = new double[data.length];
        for (int i = 0; i < data.length; i++) wide[i] = data[i];
        return AbstractTensor.create(wide, shape);
    }

    /** A tensor of {@code shape} holding {@code data} (row-major), rounded to float32 in FLOAT32. */
    static Tensor of(double[] data, TorchLlama.Precision precision, long... shape) {
        if (precision == TorchLlama.Precision.FLOAT64) return AbstractTensor.create(data, shape);
        float[] narrow = new float[data.length];
        for (int i = 0; i < data.length; i++) narrow[i] = (float) data[i];
        return AbstractTensor.create(narrow, shape);
    }

    /** An int64 tensor of {@code shape} (indices). */
    static Tensor indices(long[] data, long... shape) {
        return AbstractTensor.create(data, shape);
    }

    /** The 0/1 element mask as a tensor of the precision (0 where mask[i] == 0, else 1). */
    static Tensor mask(byte[] mask, TorchLlama.Precision precision, long... shape) {
        double[] ones = new double[mask.length];
        for (int i = 0; i < mask.length; i++) ones[i] = mask[i] == 0 ? 0 : 1;
        return of(ones, precision, shape);
    }

    /** The values of {@code t} (any shape, any float dtype), row-major, widened to double. */
    static double[] read(Tensor t) {
        Tensor dense = t.detach().to(ScalarType.Double).contiguous();
        double[] out = new double[Math.toIntExact(dense.numel())];
        DoublePointer p = dense.data_ptr_double();
        p.get(out);
        return out;
    }

    static Scalar scalar(double v) {
        return new Scalar(v);
    }
}
