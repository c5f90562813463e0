package dev.lorapar.tests.train.export;

import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.core.Stream;
import dev.lorapar.core.Tensor;
import dev.lorapar.model.LlamaForward;
import dev.lorapar.model.LlamaWeights;
import dev.lorapar.model.LoraAdapter;
import dev.lorapar.model.LoraConfig;
import dev.lorapar.model.LoraInit;
import dev.lorapar.model.LoraPair;
import dev.lorapar.model.LoraTarget;
import dev.lorapar.model.io.Checkpoint;
import dev.lorapar.model.io.Checkpoints;
import dev.lorapar.tests.oracle.OracleCheckpoints;
import dev.lorapar.tests.oracle.OracleConfig;
import dev.lorapar.tests.oracle.OracleModel;
import dev.lorapar.tests.support.Rng;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Small random models and adapters for the interchange tests: an {@link OracleModel} loaded through a Hugging Face
 * folder (rotate-half) or through a llama2.c {@code .bin} written here (adjacent-pairs RoPE, as llama2.c stores it),
 * adapters with random nonzero A and B, random masks, logits.
 */
final class ExportModels {
    static final Stream CPU = Stream.create(Device.CPU);

    private ExportModels() {
    }

    /** A random shape with the given RoPE style (the HF loader always yields rotate-half). */
    static OracleConfig config(Rng rng, OracleConfig.Rope rope) {
        return OracleConfig.random(rng).withRope(rope);
    }

    /** {@code model} through a Hugging Face folder {@code dir}: F32 weights on the CPU, rotate-half. */
    static LlamaWeights viaHf(OracleModel model, Path dir) throws IOException {
        OracleCheckpoints.writeHuggingFace(model, dir, 64);
        try (Checkpoint ckpt = Checkpoints.open(dir)) {
            return LlamaWeights.upload(ckpt, CPU, DType.F32);
        }
    }

    /**
     * {@code model} (its config must be ADJACENT_PAIRS) through a llama2.c legacy {@code .bin} {@code file}
     * (shared/data/README.md §1b): F32 weights on the CPU in the adjacent-pairs layout.
     */
    static LlamaWeights viaLlama2c(OracleModel model, Path file) throws IOException {
        OracleConfig c = model.config();
        if (c.rope() != OracleConfig.Rope.ADJACENT_PAIRS) throw new IllegalArgumentException("llama2.c is adjacent-pairs");
        int seqLen = 64, half = c.headDim() / 2;
        List<float[]> parts = new ArrayList<>();
        parts.add(model.weight("model.embed_tokens.weight"));
        for (String kind : new String[] {"input_layernorm", "self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj",
                "self_attn.o_proj", "post_attention_layernorm", "mlp.gate_proj", "mlp.down_proj", "mlp.up_proj"}) {
            for (int l = 0; l < c.nLayers(); l++) parts.add(model.weight("model.layers." + l + "." + kind + ".weight"));
        }
        parts.add(model.weight("model.norm.weight"));
        parts.add(new float[2 * seqLen * half]); // freq_cis real and imaginary (run.c ignores them)
        if (!c.tiedHead()) parts.add(model.weight("lm_head.weight"));
        long floats = parts.stream().mapToLong(p -> p.length).sum();
        ByteBuffer out = ByteBuffer.allocate(Math.toIntExact(28 + 4 * floats)).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : new int[] {c.dim(), c.hiddenDim(), c.nLayers(), c.nHeads(), c.nKvHeads(),
                c.tiedHead() ? c.vocab() : -c.vocab(), seqLen}) {
            out.putInt(v);
        }
        for (float[] p : parts) for (float v : p) out.putFloat(v);
        Files.write(file, out.array());
        try (Checkpoint ckpt = Checkpoints.open(file)) {
            return LlamaWeights.upload(ckpt, CPU, DType.F32);
        }
    }

    /** A random subset of the seven projections (never empty). */
    static Set<LoraTarget> targets(Rng rng) {
        Set<LoraTarget> t = EnumSet.noneOf(LoraTarget.class);
        for (LoraTarget x : LoraTarget.values()) if (rng.nextBoolean()) t.add(x);
        if (t.isEmpty()) t.add(LoraTarget.values()[rng.nextInt(7)]);
        return t;
    }

    /** An adapter with A ~ N(0, 1/in) and B ~ N(0, 1/r): both nonzero, so the adapted model differs from the base. */
    static LoraAdapter adapter(LlamaWeights weights, Rng rng, int rank, double alpha, Set<LoraTarget> targets) {
        LoraAdapter a = LoraAdapter.create(weights, new LoraConfig(rank, alpha, targets, new LoraInit.PeftDefault(),
                rng.nextLong()), CPU);
        for (LoraPair p : a.pairs()) {
            p.a().copyFrom(CPU, rng.gaussian((int) p.a().numel(), 1 / Math.sqrt(p.a().dim(1))));
            p.b().copyFrom(CPU, rng.gaussian((int) p.b().numel(), 1 / Math.sqrt(rank)));
        }
        return a;
    }

    /**
     * Random masks (about 60% active, active bytes of varied nonzero values) on a random subset of the pairs, some with
     * only one of the two; returns the mask tensors (the caller closes them). At least one pair gets both masks.
     */
    static List<Tensor> masks(LoraAdapter adapter, Rng rng) {
        List<Tensor> made = new ArrayList<>();
        List<LoraPair> pairs = adapter.pairs();
        for (int i = 0; i < pairs.size(); i++) {
            LoraPair p = pairs.get(i);
            int kind = i == 0 ? 3 : rng.nextInt(4); // 0 none, 1 A only, 2 B only, 3 both
            if (kind == 0) continue;
            Tensor ma = kind == 2 ? null : keep(made, Tensor.ofBytes(CPU, mask(rng, p.a().numel()), p.a().shape()));
            Tensor mb = kind == 1 ? null : keep(made, Tensor.ofBytes(CPU, mask(rng, p.b().numel()), p.b().shape()));
            adapter.setMasks(p.layer(), p.target(), ma, mb);
        }
        return made;
    }

    private static byte[] mask(Rng rng, long n) {
        byte[] m = new byte[(int) n];
        for (int i = 0; i < m.length; i++) m[i] = rng.nextDouble() < 0.6 ? (byte) rng.pick(1, 1, 2, 0x7F, 0x80, 0xFF) : 0;
        return m;
    }

    private static Tensor keep(List<Tensor> made, Tensor t) {
        made.add(t);
        return t;
    }

    /** Random token ids [batch][seq]. */
    static int[][] tokens(Rng rng, int vocab, int batch, int seq) {
        int[][] t = new int[batch][seq];
        for (int[] row : t) for (int i = 0; i < seq; i++) row[i] = rng.nextInt(vocab);
        return t;
    }

    /** Logits [batch·seq × vocab] with {@code adapter} (null = base). */
    static float[] logits(LlamaWeights weights, LoraAdapter adapter, int[][] tokens) {
        try (Tensor t = LlamaForward.logits(CPU, weights, adapter, tokens)) {
            return t.toFloatArray(CPU);
        }
    }
}
