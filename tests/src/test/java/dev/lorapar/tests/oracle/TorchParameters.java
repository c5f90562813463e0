package dev.lorapar.tests.oracle;

import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;

/**
 * An OracleModel's weights as libtorch leaf tensors (one per base weight, one per LoRA matrix), with autograd
 * switched on where gradients are wanted, and the gradients read back after backward(). Lives in the caller's
 * PointerScope.
 */
final class TorchParameters {
    private final OracleModel model;
    private final Map<String, Tensor> base = new LinkedHashMap<>();
    private final Map<LoraKey, Tensor> lora = new LinkedHashMap<>();
    private final Map<LoraKey, Tensor> effectiveLora = new LinkedHashMap<>();

    TorchParameters(OracleModel model, TorchLlama.Precision precision, boolean loraGrads, boolean baseGrads) {
        this.model = model;
        OracleConfig c = model.config();
        OracleNames.shapes(c).forEach((name, shape) -> {
            Tensor t = TorchTensors.of(model.weight(name), precision, toLong(shape));
            if (baseGrads) t.set_requires_grad(true);
            base.put(name, t);
        });
        model.lora().forEach((key, values) -> {
            int[] shape = key.shape(c, model.loraRank());
            Tensor t = TorchTensors.of(values, precision, toLong(shape));
            if (loraGrads) t.set_requires_grad(true);
            lora.put(key, t);
            byte[] mask = model.loraMask(key);
            // FORWARD-mode mask: the forward uses A⊙mA, so autograd gives ∂L/∂A = (∂L/∂(A⊙mA))⊙mA.
            effectiveLora.put(key, mask == null ? t : t.mul(TorchTensors.mask(mask, precision, toLong(shape))));
        });
    }

    /** The leaf of base weight {@code name}. */
    Tensor base(String name) {
        Tensor t = base.get(name);
        if (t == null) throw new IllegalArgumentException("TorchParameters: no weight " + name);
        return t;
    }

    /** The LM head [vocab×dim]: the embedding leaf itself when tied. */
    Tensor head() {
        return base(model.config().tiedHead() ? OracleNames.EMBED : OracleNames.LM_HEAD);
    }

    /** A⊙mA [r×in] and B⊙mB [out×r] of the adapter on (layer, target), or null when there is none. */
    Tensor[] adapter(int layer, LoraTarget target) {
        Tensor a = effectiveLora.get(LoraKey.a(layer, target));
        return a == null ? null : new Tensor[] {a, effectiveLora.get(LoraKey.b(layer, target))};
    }

    /** ∂L/∂ every LoRA matrix (zeros where autograd reached none). */
    Map<LoraKey, double[]> loraGrads() {
        Map<LoraKey, double[]> out = new LinkedHashMap<>();
        lora.forEach((k, t) -> out.put(k, grad(t)));
        return out;
    }

    /** ∂L/∂ every base weight by HF name. */
    Map<String, double[]> baseGrads() {
        Map<String, double[]> out = new LinkedHashMap<>();
        base.forEach((k, t) -> out.put(k, grad(t)));
        return out;
    }

    private static double[] grad(Tensor leaf) {
        Tensor g = leaf.grad();
        return g.defined() ? TorchTensors.read(g) : new double[Math.toIntExact(leaf.numel())];
    }

    static long[] toLong(int[] shape) {
        long[] out = new long[shape.length];
        for (int i = 0; i < shape.length; i++) out[i] = shape[i];
        return out;
    }
}
