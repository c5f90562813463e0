package dev.lorapar.tests.oracle;

import dev.lorapar.tests.support.Rng;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A LLaMA-2 model as plain data for the oracle: hyper-parameters, every base weight as a float[] under its
 * Hugging Face name (nn.Linear layout W [out×in] row-major, norms [dim]), and optional LoRA adapters.
 *
 * <p>LoRA: for the projections listed in {@link #lora} (any subset of {@link LoraTarget} per layer) the
 * projection computes y = W·x + scale · (B⊙mB)·((A⊙mA)·x) with A [r×in], B [out×r], r = {@link #loraRank},
 * scale = alpha / r. The element masks mA, mB (0 = inactive, anything else active) are optional, per matrix:
 * absent means all active. Masks act in the forward (FORWARD mode), so masked elements neither change the
 * output nor get a gradient.
 *
 * <p>Immutable by convention: the arrays are shared, not copied; {@link #withBase}/{@link #withLora} make
 * modified copies for finite differences.
 */
public final class OracleModel {
    private final OracleConfig config;
    private final Map<String, float[]> weights;
    private final int loraRank;
    private final double loraScale;
    private final Map<LoraKey, float[]> lora;
    private final Map<LoraKey, byte[]> loraMasks;

    /**
     * Checks every shape: all weights of {@link OracleNames#shapes} present with their element counts and
     * nothing else; every adapter with both A and B of rank {@code loraRank}; masks only on present matrices
     * with matching lengths.
     */
    public OracleModel(OracleConfig config, Map<String, float[]> weights, int loraRank, double loraScale,
                       Map<LoraKey, float[]> lora, Map<LoraKey, byte[]> loraMasks) {
        this.config = Objects.requireNonNull(config, "config");
        Map<String, int[]> shapes = OracleNames.shapes(config);
        Map<String, float[]> ordered = new LinkedHashMap<>();
        shapes.forEach((name, shape) -> {
            float[] w = weights.get(name);
            if (w == null) throw new IllegalArgumentException("OracleModel: missing weight " + name);
            if (w.length != OracleNames.numel(shape)) {
                throw new IllegalArgumentException("OracleModel: " + name + " has " + w.length + " elements, expected "
                        + OracleNames.numel(shape));
            }
            ordered.put(name, w);
        });
        for (String name : weights.keySet()) {
            if (!shapes.containsKey(name)) throw new IllegalArgumentException("OracleModel: unexpected weight " + name);
        }
        this.weights = Collections.unmodifiableMap(ordered);
        this.loraRank = loraRank;
        this.loraScale = loraScale;
        this.lora = Collections.unmodifiableMap(new LinkedHashMap<>(lora));
        this.loraMasks = Collections.unmodifiableMap(new LinkedHashMap<>(loraMasks));
        if (!lora.isEmpty() && loraRank <= 0) throw new IllegalArgumentException("OracleModel: LoRA rank must be positive");
        for (Map.Entry<LoraKey, float[]> e : lora.entrySet()) {
            LoraKey k = e.getKey();
            if (k.layer() >= config.nLayers()) throw new IllegalArgumentException("OracleModel: no layer for " + k);
            if (!lora.containsKey(k.partner())) throw new IllegalArgumentException("OracleModel: " + k + " without " + k.partner());
            int[] shape = k.shape(config, loraRank);
            if (e.getValue().length != shape[0] * shape[1]) {
                throw new IllegalArgumentException("OracleModel: " + k + " has " + e.getValue().length + " elements, expected "
                        + shape[0] + "×" + shape[1]);
            }
        }
        for (Map.Entry<LoraKey, byte[]> e : loraMasks.entrySet()) {
            float[] m = lora.get(e.getKey());
            if (m == null) throw new IllegalArgumentException("OracleModel: mask without matrix " + e.getKey());
            if (e.getValue().length != m.length) throw new IllegalArgumentException("OracleModel: mask length of " + e.getKey());
        }
    }

    /** A model without LoRA. */
    public OracleModel(OracleConfig config, Map<String, float[]> weights) {
        this(config, weights, 0, 0, Map.of(), Map.of());
    }

    public OracleConfig config() {
        return config;
    }

    /** Base weights by HF name, in HF order. */
    public Map<String, float[]> weights() {
        return weights;
    }

    /** The base weight named {@code name} (IllegalArgumentException when absent). */
    public float[] weight(String name) {
        float[] w = weights.get(name);
        if (w == null) throw new IllegalArgumentException("OracleModel: no weight " + name);
        return w;
    }

    /** The LM head [vocab×dim]: lm_head.weight, or the embedding when tied. */
    public float[] head() {
        return weight(config.tiedHead() ? OracleNames.EMBED : OracleNames.LM_HEAD);
    }

    public int loraRank() {
        return loraRank;
    }

    /** alpha / r. */
    public double loraScale() {
        return loraScale;
    }

    /** Every LoRA matrix (A and B of each adapter). */
    public Map<LoraKey, float[]> lora() {
        return lora;
    }

    /** True when layer {@code layer} has an adapter on {@code target}. */
    public boolean hasLora(int layer, LoraTarget target) {
        return lora.containsKey(LoraKey.a(layer, target));
    }

    /** The element mask of one LoRA matrix, or null (all active). */
    public byte[] loraMask(LoraKey key) {
        return loraMasks.get(key);
    }

    public Map<LoraKey, byte[]> loraMasks() {
        return loraMasks;
    }

    /** A copy whose base weight {@code name} is {@code values}. */
    public OracleModel withBase(String name, float[] values) {
        Map<String, float[]> w = new LinkedHashMap<>(weights);
        if (w.put(name, values) == null) throw new IllegalArgumentException("OracleModel: no weight " + name);
        return new OracleModel(config, w, loraRank, loraScale, lora, loraMasks);
    }

    /** A copy whose LoRA matrix {@code key} is {@code values}. */
    public OracleModel withLora(LoraKey key, float[] values) {
        Map<LoraKey, float[]> l = new LinkedHashMap<>(lora);
        if (l.put(key, values) == null) throw new IllegalArgumentException("OracleModel: no LoRA matrix " + key);
        return new OracleModel(config, weights, loraRank, loraScale, l, loraMasks);
    }

    /** The same weights and adapters under another config (same sizes; e.g. another RoPE style). */
    public OracleModel withConfig(OracleConfig other) {
        return new OracleModel(other, weights, loraRank, loraScale, lora, loraMasks);
    }

    /** A copy without any LoRA. */
    public OracleModel withoutLora() {
        return new OracleModel(config, weights);
    }

    /**
     * Random base weights for {@code config}: embedding N(0, 1), projections N(0, 1/in) (unit-scale
     * activations), norms 1 + N(0, 0.2²) (so a wrong norm weight shows). No LoRA.
     */
    public static OracleModel random(Rng rng, OracleConfig config) {
        Map<String, float[]> w = new LinkedHashMap<>();
        OracleNames.shapes(config).forEach((name, shape) -> {
            int n = OracleNames.numel(shape);
            if (shape.length == 1) {
                float[] v = rng.gaussian(n, 0.2);
                for (int i = 0; i < n; i++) v[i] += 1f;
                w.put(name, v);
            } else {
                w.put(name, rng.gaussian(n, name.equals(OracleNames.EMBED) ? 1.0 : 1.0 / Math.sqrt(shape[1])));
            }
        });
        return new OracleModel(config, w);
    }

    /**
     * Random base weights plus a LoRA adapter of rank {@code rank} on every target of {@code targets} in every
     * layer, A N(0, 1/in) and B N(0, 1/r) (both nonzero, so every LoRA gradient flows), scale {@code scale}.
     * With {@code maskDensity} in (0, 1) each matrix gets a random element mask keeping about that fraction;
     * with 1 (or more) no masks.
     */
    public static OracleModel random(Rng rng, OracleConfig config, int rank, double scale, Set<LoraTarget> targets,
                                     double maskDensity) {
        OracleModel base = random(rng, config);
        Map<LoraKey, float[]> lora = new LinkedHashMap<>();
        Map<LoraKey, byte[]> masks = new LinkedHashMap<>();
        for (int l = 0; l < config.nLayers(); l++) {
            for (LoraTarget t : EnumSet.copyOf(targets)) {
                for (LoraKey k : new LoraKey[] {LoraKey.a(l, t), LoraKey.b(l, t)}) {
                    int[] shape = k.shape(config, rank);
                    int n = shape[0] * shape[1];
                    double sigma = k.factor() == LoraKey.Factor.A ? 1.0 / Math.sqrt(shape[1]) : 1.0 / Math.sqrt(rank);
                    lora.put(k, rng.gaussian(n, sigma));
                    if (maskDensity < 1) {
                        byte[] m = new byte[n]; // [rows×cols] 0/1
                        for (int i = 0; i < n; i++) m[i] = rng.nextDouble() < maskDensity ? (byte) 1 : 0;
                        masks.put(k, m);
                    }
                }
            }
        }
        return new OracleModel(config, base.weights, rank, scale, lora, masks);
    }
}
