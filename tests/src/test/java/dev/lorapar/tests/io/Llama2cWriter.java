package dev.lorapar.tests.io;

import java.util.List;

/**
 * Composes llama2.c legacy .bin files for the tests, per shared/data/README.md §1b: 7 int32, the
 * float32 tensors stacked per kind, the freq_cis tables, and wcls at the end when untied (negative
 * vocab_size). The model's tensors must be F32.
 */
final class Llama2cWriter {
    private Llama2cWriter() {
    }

    /** The file bytes; {@code fields} receives the 7 header fields. */
    static byte[] compose(TinyModel m, List<LeBuffer.Field> fields) {
        LeBuffer b = new LeBuffer();
        int[] header = {m.dim, m.hidden, m.layers, m.heads, m.kvHeads, m.tied ? m.vocab : -m.vocab, m.maxSeq};
        String[] names = {"dim", "hidden_dim", "n_layers", "n_heads", "n_kv_heads", "vocab_size", "seq_len"};
        for (int i = 0; i < 7; i++) b.field32(header[i], names[i]);
        b.bytes(m.tensors.get("model.embed_tokens.weight").bytes());
        for (String kind : new String[] {"input_layernorm", "self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj",
                "self_attn.o_proj", "post_attention_layernorm", "mlp.gate_proj", "mlp.down_proj", "mlp.up_proj"}) {
            for (int l = 0; l < m.layers; l++) b.bytes(m.tensors.get("model.layers." + l + "." + kind + ".weight").bytes());
        }
        b.bytes(m.tensors.get("model.norm.weight").bytes());
        for (int i = 0; i < m.maxSeq * m.headDim(); i++) b.f32(i % 2 == 0 ? 1f : 0f); // freq_cis real, imag
        if (!m.tied) b.bytes(m.tensors.get("lm_head.weight").bytes());
        fields.addAll(b.fields);
        return b.toArray();
    }
}
