package dev.lorapar.tests.io;

import dev.lorapar.model.io.WeightType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Composes GGUF v3 files byte by byte for the tests (per the GGUF spec, independently of the
 * loader). Metadata values are given with their GGUF type; tensors with ggml dims innermost-first.
 */
public final class GgufWriter {
    // GGUF value types
    static final int UINT8 = 0, INT8 = 1, UINT16 = 2, INT16 = 3, UINT32 = 4, INT32 = 5, FLOAT32 = 6, BOOL = 7,
            STRING = 8, ARRAY = 9, UINT64 = 10, INT64 = 11, FLOAT64 = 12;

    private record Kv(String key, int type, Object value) {
    }

    /** A tensor: name, ggml type id, dims innermost-first, data bytes. */
    record Tensor(String name, int ggmlType, long[] dims, byte[] data) {
    }

    private final List<Kv> kvs = new ArrayList<>();
    private final List<Tensor> tensors = new ArrayList<>();
    private int alignment = 32;
    /** Filled by {@link #build}: where the fields sit, for the fuzz test. */
    List<LeBuffer.Field> fields = List.of();
    int dataOffset;

    /** Adds a metadata pair; for ARRAY the value is an {@code Object[]{elementType, List<?>}}. */
    public GgufWriter kv(String key, int type, Object value) {
        kvs.add(new Kv(key, type, value));
        return this;
    }

    /** Typed shorthands of {@link #kv} (the tokenizer tests build vocabulary-only files with them). */
    public GgufWriter string(String key, String value) {
        return kv(key, STRING, value);
    }

    public GgufWriter uint32(String key, int value) {
        return kv(key, UINT32, (long) value);
    }

    public GgufWriter bool(String key, boolean value) {
        return kv(key, BOOL, value ? 1L : 0L);
    }

    public GgufWriter strings(String key, List<String> values) {
        return kv(key, ARRAY, new Object[] {STRING, values});
    }

    public GgufWriter floats(String key, float[] values) {
        List<Double> items = new ArrayList<>(values.length);
        for (float v : values) items.add((double) v);
        return kv(key, ARRAY, new Object[] {FLOAT32, items});
    }

    public GgufWriter int32s(String key, int[] values) {
        List<Long> items = new ArrayList<>(values.length);
        for (int v : values) items.add((long) v);
        return kv(key, ARRAY, new Object[] {INT32, items});
    }

    /** The whole file (same as {@link #build}). */
    public byte[] toByteArray() {
        return build();
    }

    GgufWriter alignment(int a) {
        this.alignment = a;
        return kv("general.alignment", UINT32, (long) a);
    }

    GgufWriter tensor(String name, int ggmlType, long[] dims, byte[] data) {
        tensors.add(new Tensor(name, ggmlType, dims, data));
        return this;
    }

    static int ggmlType(WeightType t) {
        return switch (t) {
            case F32 -> 0;
            case F16 -> 1;
            case BF16 -> 30;
        };
    }

    /** Adds the llama.* keys and every tensor of {@code m} under its GGUF name. */
    GgufWriter llama(TinyModel m) {
        kv("general.architecture", STRING, "llama");
        kv("llama.context_length", UINT32, (long) m.maxSeq);
        kv("llama.embedding_length", UINT32, (long) m.dim);
        kv("llama.block_count", UINT32, (long) m.layers);
        kv("llama.feed_forward_length", UINT32, (long) m.hidden);
        kv("llama.rope.dimension_count", UINT32, (long) m.headDim());
        kv("llama.attention.head_count", UINT32, (long) m.heads);
        kv("llama.attention.head_count_kv", UINT32, (long) m.kvHeads);
        kv("llama.attention.layer_norm_rms_epsilon", FLOAT32, 1e-5);
        for (Map.Entry<String, RawTensor> e : m.tensors.entrySet()) {
            RawTensor t = e.getValue();
            long[] shape = t.shape();
            long[] dims = new long[shape.length];
            for (int i = 0; i < shape.length; i++) dims[i] = shape[shape.length - 1 - i];
            tensor(ggufName(e.getKey()), ggmlType(t.type()), dims, t.bytes());
        }
        return this;
    }

    /** The GGUF name of a canonical tensor name. */
    static String ggufName(String canonical) {
        switch (canonical) {
            case "model.embed_tokens.weight": return "token_embd.weight";
            case "model.norm.weight": return "output_norm.weight";
            case "lm_head.weight": return "output.weight";
            default: break;
        }
        String[] p = canonical.split("\\.", 4); // model, layers, i, rest
        String rest = switch (p[3]) {
            case "input_layernorm.weight" -> "attn_norm";
            case "self_attn.q_proj.weight" -> "attn_q";
            case "self_attn.k_proj.weight" -> "attn_k";
            case "self_attn.v_proj.weight" -> "attn_v";
            case "self_attn.o_proj.weight" -> "attn_output";
            case "post_attention_layernorm.weight" -> "ffn_norm";
            case "mlp.gate_proj.weight" -> "ffn_gate";
            case "mlp.up_proj.weight" -> "ffn_up";
            case "mlp.down_proj.weight" -> "ffn_down";
            default -> throw new IllegalArgumentException(canonical);
        };
        return "blk." + p[2] + "." + rest + ".weight";
    }

    public byte[] build() {
        LeBuffer b = new LeBuffer();
        b.utf8("GGUF").field32(3, "version").field64(tensors.size(), "tensor count").field64(kvs.size(), "kv count");
        for (Kv kv : kvs) {
            string(b, kv.key());
            b.field32(kv.type(), "value type of " + kv.key());
            value(b, kv.type(), kv.value());
        }
        long offset = 0;
        List<Long> offsets = new ArrayList<>();
        for (Tensor t : tensors) {
            string(b, t.name());
            b.field32(t.dims().length, "n_dims of " + t.name());
            for (long d : t.dims()) b.field64(d, "dim of " + t.name());
            b.field32(t.ggmlType(), "type of " + t.name());
            b.field64(offset, "offset of " + t.name());
            offsets.add(offset);
            offset = align(offset + t.data().length);
        }
        b.zeros((int) (align(b.size()) - b.size()));
        dataOffset = b.size();
        for (int i = 0; i < tensors.size(); i++) {
            b.zeros((int) (dataOffset + offsets.get(i) - b.size()));
            b.bytes(tensors.get(i).data());
        }
        fields = b.fields;
        return b.toArray();
    }

    private long align(long x) {
        return (x + alignment - 1) / alignment * alignment;
    }

    private static void string(LeBuffer b, String s) {
        byte[] utf8 = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        b.field64(utf8.length, "length of \"" + s + "\"").bytes(utf8);
    }

    private static void value(LeBuffer b, int type, Object v) {
        switch (type) {
            case UINT8, INT8, BOOL -> b.u8((int) (long) (Long) v);
            case UINT16, INT16 -> b.u16((int) (long) (Long) v);
            case UINT32, INT32 -> b.u32((int) (long) (Long) v);
            case UINT64, INT64 -> b.u64((Long) v);
            case FLOAT32 -> b.f32((float) (double) (Double) v);
            case FLOAT64 -> b.u64(Double.doubleToRawLongBits((Double) v));
            case STRING -> string(b, (String) v);
            case ARRAY -> {
                Object[] spec = (Object[]) v;
                int elementType = (Integer) spec[0];
                List<?> items = (List<?>) spec[1];
                b.field32(elementType, "array element type").field64(items.size(), "array length");
                for (Object item : items) value(b, elementType, item);
            }
            default -> throw new IllegalArgumentException("type " + type);
        }
    }
}
