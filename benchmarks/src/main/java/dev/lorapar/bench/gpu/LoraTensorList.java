package dev.lorapar.bench.gpu;

import java.util.ArrayList;
import java.util.List;

/**
 * The LoRA tensors of a LLaMA-2 model with adapters on q, k, v, gate, up, down ("QKVGUD"; o is not
 * adapted): per layer and module an A [r×in] and a B [out×r]. For LLaMA-2-7B (32 layers, width
 * 4096, MLP 11008, r = 8): 384 tensors, 17,891,328 elements.
 */
final class LoraTensorList {
    private LoraTensorList() {}

    /** One LoRA matrix, e.g. "layers.3.gate.A" [8×4096]. */
    record Spec(String name, long rows, long cols) {
        long numel() {
            return rows * cols;
        }
    }

    static final List<String> MODULES = List.of("q", "k", "v", "gate", "up", "down");

    /** The list in layer order, per layer the modules in MODULES order, A before B. */
    static List<Spec> llama(int layers, long hidden, long ffn, int rank) {
        List<Spec> specs = new ArrayList<>();
        for (int layer = 0; layer < layers; layer++) {
            for (String module : MODULES) {
                long in = module.equals("down") ? ffn : hidden;
                long out = (module.equals("gate") || module.equals("up")) ? ffn : hidden;
                String prefix = "layers." + layer + "." + module;
                specs.add(new Spec(prefix + ".A", rank, in));  // A [r×in]
                specs.add(new Spec(prefix + ".B", out, rank)); // B [out×r]
            }
        }
        return specs;
    }

    static long totalElements(List<Spec> specs) {
        long total = 0;
        for (Spec spec : specs) {
            total += spec.numel();
        }
        return total;
    }
}
