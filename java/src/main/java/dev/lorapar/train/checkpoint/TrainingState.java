package dev.lorapar.train.checkpoint;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything a trainer needs to continue a run exactly, as host data: the step, named integer scalars (epoch,
 * batch index, tokens seen …), the effective run configuration (a JSON object), and named arrays — fp32 master
 * LoRA weights and Adam moments ({@code float[]}), U8 masks ({@code byte[]}), RNG states ({@code long[]}),
 * index lists ({@code int[]}). This class knows nothing of the trainer: names and meaning are the trainer's.
 *
 * <p>Arrays are NOT copied (a 7B run's masters and moments are ≈ 0.5 GB): the builder takes ownership, and
 * the caller must not change an array until the state has been saved. A floating-point scalar (a loss scale)
 * goes in a one-element float array, which keeps it bit-exact. Names and entries keep their insertion order,
 * so the same state always gives the same file bytes.
 *
 * <pre>{@code
 * TrainingState s = TrainingState.builder(step)
 *         .config(runConfigJson)
 *         .scalar("epoch", epoch).scalar("batch_in_epoch", batchIndex)
 *         .floats("lora.layers.0.q_proj.A", masterA, r, in)     // shape [r, in]
 *         .floats("adam.m.layers.0.q_proj.A", m, r, in)
 *         .bytes("mask.layers.0.q_proj.A", maskA, r, in)
 *         .longs("rng.data_order", rngState)
 *         .build();
 * }</pre>
 */
public final class TrainingState {
    static final ObjectMapper JSON = new ObjectMapper();
    /** Longest name of a scalar or array, in chars. */
    public static final int MAX_NAME_CHARS = 1024;

    private final long step;
    private final Map<String, Long> scalars;
    private final ObjectNode config;
    private final Map<String, NamedArray> arrays;

    private TrainingState(long step, Map<String, Long> scalars, ObjectNode config, Map<String, NamedArray> arrays) {
        this.step = step;
        this.scalars = Collections.unmodifiableMap(new LinkedHashMap<>(scalars));
        this.config = config;
        this.arrays = Collections.unmodifiableMap(new LinkedHashMap<>(arrays));
    }

    /** A builder for the state after {@code step} optimizer steps (≥ 0; the checkpoint file is named by it). */
    public static Builder builder(long step) {
        return new Builder(step);
    }

    /** The optimizer step this state is at. */
    public long step() {
        return step;
    }

    /** The run configuration as compact JSON ({@code "{}"} when none was set). */
    public String configJson() {
        try {
            return JSON.writeValueAsString(config);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("config no longer serialises", e); // cannot happen: it was parsed
        }
    }

    /** The run configuration, a copy the caller may change. */
    public ObjectNode config() {
        return config.deepCopy();
    }

    /** The scalars by name, in insertion order. */
    public Map<String, Long> scalars() {
        return scalars;
    }

    /** The scalar {@code name}; an exception naming the scalars there are when it is missing. */
    public long scalar(String name) {
        Long v = scalars.get(name);
        if (v == null) {
            throw new IllegalArgumentException("training state of step " + step + " has no scalar '" + name
                    + "'; it has " + scalars.keySet());
        }
        return v;
    }

    /** The array names, in insertion order. */
    public List<String> arrayNames() {
        return List.copyOf(arrays.keySet());
    }

    /** Whether there is an array named {@code name}. */
    public boolean hasArray(String name) {
        return arrays.containsKey(name);
    }

    /** The element type of array {@code name}. */
    public ArrayType type(String name) {
        return array(name).type();
    }

    /** The shape of array {@code name} (a copy; the product of the dims is its length). */
    public long[] shape(String name) {
        return array(name).shape().clone();
    }

    /** The F32 array {@code name} (the state's own array, not a copy). */
    public float[] floats(String name) {
        return (float[]) typed(name, ArrayType.F32);
    }

    /** The U8 array {@code name} (the state's own array, not a copy). */
    public byte[] bytes(String name) {
        return (byte[]) typed(name, ArrayType.U8);
    }

    /** The I32 array {@code name} (the state's own array, not a copy). */
    public int[] ints(String name) {
        return (int[]) typed(name, ArrayType.I32);
    }

    /** The I64 array {@code name} (the state's own array, not a copy). */
    public long[] longs(String name) {
        return (long[]) typed(name, ArrayType.I64);
    }

    /** Bytes of array data (what dominates the file size). */
    public long arrayBytes() {
        long total = 0;
        for (NamedArray a : arrays.values()) total += a.byteLength();
        return total;
    }

    Iterable<NamedArray> arrays() {
        return arrays.values();
    }

    ObjectNode configNode() {
        return config;
    }

    private NamedArray array(String name) {
        NamedArray a = arrays.get(name);
        if (a == null) {
            throw new IllegalArgumentException("training state of step " + step + " has no array '" + name
                    + "'; it has " + arrays.keySet());
        }
        return a;
    }

    private Object typed(String name, ArrayType want) {
        NamedArray a = array(name);
        if (a.type() != want) {
            throw new IllegalArgumentException("array " + a.describe() + " of the training state of step " + step
                    + " is " + a.type() + ", not " + want);
        }
        return a.data();
    }

    /** Same step, scalars, config and arrays (names, order, types, shapes, bit-identical elements). */
    @Override
    public boolean equals(Object o) {
        if (!(o instanceof TrainingState s)) return false;
        if (step != s.step || !scalars.equals(s.scalars) || !config.equals(s.config)) return false;
        if (!List.copyOf(arrays.keySet()).equals(List.copyOf(s.arrays.keySet()))) return false;
        for (NamedArray a : arrays.values()) {
            if (!a.sameContent(s.arrays.get(a.name()))) return false;
        }
        return true;
    }

    @Override
    public int hashCode() {
        int h = Long.hashCode(step) * 31 + scalars.hashCode();
        for (NamedArray a : arrays.values()) h = h * 31 + a.contentHash();
        return h;
    }

    @Override
    public String toString() {
        List<String> parts = new ArrayList<>();
        for (NamedArray a : arrays.values()) parts.add(a.name() + ":" + a.type() + Arrays.toString(a.shape()));
        return "TrainingState{step=" + step + ", scalars=" + scalars + ", arrays=" + parts + "}";
    }

    /** Collects the parts of a {@link TrainingState}; each name once (scalars and arrays have separate names). */
    public static final class Builder {
        private final long step;
        private final Map<String, Long> scalars = new LinkedHashMap<>();
        private final Map<String, NamedArray> arrays = new LinkedHashMap<>();
        private ObjectNode config = JSON.createObjectNode();

        private Builder(long step) {
            if (step < 0) throw new IllegalArgumentException("training step must be ≥ 0, got " + step);
            this.step = step;
        }

        /** The run configuration: a JSON object (checked here; kept as parsed, written compactly). */
        public Builder config(String json) {
            Objects.requireNonNull(json, "config json");
            JsonNode node;
            try {
                node = JSON.readTree(json);
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException("training config is not valid JSON: " + e.getOriginalMessage(), e);
            }
            return config(node);
        }

        /** The run configuration: a JSON object (copied). */
        public Builder config(JsonNode json) {
            Objects.requireNonNull(json, "config json");
            if (!(json instanceof ObjectNode obj)) {
                throw new IllegalArgumentException("training config must be a JSON object, got " + json.getNodeType());
            }
            this.config = obj.deepCopy();
            return this;
        }

        /** An integer scalar (epoch, batch index, tokens seen …). */
        public Builder scalar(String name, long value) {
            checkName(name, "scalar");
            if (scalars.putIfAbsent(name, value) != null) {
                throw new IllegalArgumentException("training state: scalar '" + name + "' given twice");
            }
            return this;
        }

        /** An F32 array of {@code shape} (none given: one dimension, its length). Not copied. */
        public Builder floats(String name, float[] data, long... shape) {
            return add(name, ArrayType.F32, data, Objects.requireNonNull(data, () -> "array '" + name + "'").length, shape);
        }

        /** A U8 array (masks) of {@code shape} (none given: one dimension). Not copied. */
        public Builder bytes(String name, byte[] data, long... shape) {
            return add(name, ArrayType.U8, data, Objects.requireNonNull(data, () -> "array '" + name + "'").length, shape);
        }

        /** An I32 array of {@code shape} (none given: one dimension). Not copied. */
        public Builder ints(String name, int[] data, long... shape) {
            return add(name, ArrayType.I32, data, Objects.requireNonNull(data, () -> "array '" + name + "'").length, shape);
        }

        /** An I64 array (RNG states) of {@code shape} (none given: one dimension). Not copied. */
        public Builder longs(String name, long[] data, long... shape) {
            return add(name, ArrayType.I64, data, Objects.requireNonNull(data, () -> "array '" + name + "'").length, shape);
        }

        private Builder add(String name, ArrayType type, Object data, int length, long[] shape) {
            checkName(name, "array");
            long[] dims = shape == null || shape.length == 0 ? new long[] {length} : shape.clone();
            long product = 1;
            for (long d : dims) {
                if (d < 0) {
                    throw new IllegalArgumentException("array '" + name + "': negative dimension in shape " + Arrays.toString(dims));
                }
                product = d == 0 ? 0 : (product > Long.MAX_VALUE / d ? -1 : product * d);
                if (product < 0) {
                    throw new IllegalArgumentException("array '" + name + "': shape " + Arrays.toString(dims) + " overflows");
                }
            }
            if (product != length) {
                throw new IllegalArgumentException("array '" + name + "': shape " + Arrays.toString(dims) + " holds "
                        + product + " elements but the array has " + length);
            }
            if (arrays.putIfAbsent(name, new NamedArray(name, type, dims, data)) != null) {
                throw new IllegalArgumentException("training state: array '" + name + "' given twice");
            }
            return this;
        }

        public TrainingState build() {
            return new TrainingState(step, scalars, config, arrays);
        }
    }

    /** Throws unless {@code name} is a usable name: 1..MAX_NAME_CHARS chars, no control characters. */
    static void checkName(String name, String what) {
        Objects.requireNonNull(name, what + " name");
        if (name.isEmpty() || name.length() > MAX_NAME_CHARS) {
            throw new IllegalArgumentException(what + " name must have 1.." + MAX_NAME_CHARS + " chars, got "
                    + name.length());
        }
        for (int i = 0; i < name.length(); i++) {
            if (Character.isISOControl(name.charAt(i))) {
                throw new IllegalArgumentException(what + " name '" + name.replaceAll("\\p{Cntrl}", "?")
                        + "' holds a control character at index " + i);
            }
        }
    }
}
