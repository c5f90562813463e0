package dev.lorapar.tests.train.export;

import static dev.lorapar.tests.train.export.ExportModels.CPU;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lorapar.core.DType;
import dev.lorapar.core.MaskMode;
import dev.lorapar.core.Tensor;
import dev.lorapar.model.LlamaWeights;
import dev.lorapar.model.LoraAdapter;
import dev.lorapar.model.LoraConfig;
import dev.lorapar.model.LoraInit;
import dev.lorapar.model.LoraPair;
import dev.lorapar.model.LoraTarget;
import dev.lorapar.model.io.Checkpoint;
import dev.lorapar.model.io.Checkpoints;
import dev.lorapar.tests.io.SharedData;
import dev.lorapar.tests.oracle.OracleConfig;
import dev.lorapar.tests.oracle.OracleConfig.Rope;
import dev.lorapar.tests.oracle.OracleModel;
import dev.lorapar.tests.support.Rng;
import dev.lorapar.train.export.ExportDType;
import dev.lorapar.train.export.ImportedAdapter;
import dev.lorapar.train.export.MergedModelExport;
import dev.lorapar.train.export.PeftExport;
import dev.lorapar.train.export.PeftImport;
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
 * Writes the cases {@code tests/gpu/peft_check.py} checks with transformers + peft: per case a folder with
 * {@code base/} (a Hugging Face LlamaForCausalLM folder), {@code adapter/} (lorapar's PEFT export), {@code merged/}
 * (lorapar's merged export), {@code case.json} (token ids [batch][seq], vocabulary, file names, tolerance) and
 * lorapar's fp32 CPU logits [batch·seq × vocab] little-endian float32: {@code base_logits.f32} (base alone),
 * {@code adapter_logits.f32} (base + the adapter as exported) and {@code merged_logits.f32} (the merged folder as
 * lorapar loads it). {@code cases.json} lists the case folders and is written last.
 *
 * <p>Cases: a GQA model with an F32 adapter on all seven projections and a sharded F32 merged export; an
 * adjacent-pairs (llama2.c-layout) model whose base is lorapar's own HF export, with FORWARD-mode masks and a BF16
 * adapter and merged export; an MHA model with tied embeddings, q/v only; a trained PiSSA adapter written as the rank-2r
 * LoRA of the original base (PEFT loads it as a plain LoRA); and — when shared/data is there — the trained
 * stories260K. Run: {@code java -cp <test classes + lorapar-core + jackson> dev.lorapar.tests.train.export.PeftCheckFixture OUT}.
 */
public final class PeftCheckFixture {
    public static final String FORMAT = "lorapar-peft-check/1";
    static final ObjectMapper JSON = new ObjectMapper();

    private PeftCheckFixture() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: PeftCheckFixture OUT_DIR");
            System.exit(2);
        }
        Rng rng = Rng.forTest("PeftCheckFixture");
        List<String> cases = write(Path.of(args[0]), rng);
        System.out.println("PeftCheckFixture: wrote " + cases.size() + " cases to " + args[0] + ": " + cases + " "
                + rng.tag());
    }

    /** Writes every case into {@code out} (created) and returns their folder names. */
    public static List<String> write(Path out, Rng rng) throws IOException {
        Files.createDirectories(out);
        List<String> names = new ArrayList<>();
        OracleConfig gqa = new OracleConfig(64, 172, 2, 8, 4, 97, 1e-5, 10000, Rope.ROTATE_HALF, false);
        names.add(hfCase(out, "gqa-f32-all-sharded", OracleModel.random(rng, gqa), rng, 4, 8,
                EnumSet.allOf(LoraTarget.class), ExportDType.F32, 20_000));
        OracleConfig mha = new OracleConfig(48, 100, 3, 4, 4, 131, 1e-6, 500000, Rope.ROTATE_HALF, true);
        names.add(hfCase(out, "mha-tied-qv-bf16", OracleModel.random(rng, mha), rng, 8, 16,
                EnumSet.of(LoraTarget.Q, LoraTarget.V), ExportDType.BF16, Long.MAX_VALUE));
        OracleConfig adjacent = new OracleConfig(48, 96, 2, 6, 2, 89, 1e-5, 10000, Rope.ADJACENT_PAIRS, true);
        names.add(adjacentCase(out, "adjacent-pairs-forward-masks-bf16", OracleModel.random(rng, adjacent), rng));
        OracleConfig small = new OracleConfig(40, 88, 2, 4, 2, 73, 1e-5, 10000, Rope.ROTATE_HALF, false);
        names.add(pissaCase(out, "pissa-converted-f32", OracleModel.random(rng, small), rng));
        Path data = SharedData.find();
        if (data != null && Files.isRegularFile(data.resolve("llama2c-stories260K/stories260K.bin"))) {
            names.add(storiesCase(out, data.resolve("llama2c-stories260K/stories260K.bin"), rng));
        }
        ObjectNode list = JSON.createObjectNode().put("format", FORMAT);
        ArrayNode arr = list.putArray("cases");
        names.forEach(arr::add);
        Files.writeString(out.resolve("cases.json"), list.toPrettyString() + "\n");
        return names;
    }

    /** A model loaded from an HF folder (which is the case's base) with a random adapter. */
    private static String hfCase(Path out, String name, OracleModel model, Rng rng, int rank, double alpha,
                                 Set<LoraTarget> targets, ExportDType dtype, long shardBytes) throws IOException {
        Path dir = out.resolve(name);
        try (LlamaWeights w = ExportModels.viaHf(model, dir.resolve("base"));
             LoraAdapter a = ExportModels.adapter(w, rng, rank, alpha, targets)) {
            finish(dir, w, a, dir.resolve("base"), rng, dtype, shardBytes, 2, 7);
        }
        return name;
    }

    /** A llama2.c-layout model: the base is lorapar's HF export of it; masks in FORWARD mode. */
    private static String adjacentCase(Path out, String name, OracleModel model, Rng rng) throws IOException {
        Path dir = out.resolve(name);
        Files.createDirectories(dir);
        try (LlamaWeights w = ExportModels.viaLlama2c(model, dir.resolve("model.bin"));
             LoraAdapter a = ExportModels.adapter(w, rng, 3, 6, EnumSet.of(LoraTarget.Q, LoraTarget.K, LoraTarget.O,
                     LoraTarget.DOWN))) {
            List<Tensor> masks = ExportModels.masks(a, rng);
            try {
                a.setMaskMode(MaskMode.FORWARD);
                MergedModelExport.write(w, null, CPU, dir.resolve("base"), MergedModelExport.Options.defaults());
                finish(dir, w, a, dir.resolve("base"), rng, ExportDType.BF16, Long.MAX_VALUE, 3, 5);
            } finally {
                masks.forEach(Tensor::close);
            }
            Files.delete(dir.resolve("model.bin"));
        }
        return name;
    }

    /**
     * A "trained" PiSSA adapter (A, B moved from the SVD init, A₀, B₀ kept): exported as the rank-2r LoRA of the
     * original base, which PEFT must load as a plain LoRA onto the unmodified HF model and reproduce the PiSSA model.
     */
    private static String pissaCase(Path out, String name, OracleModel model, Rng rng) throws IOException {
        Path dir = out.resolve(name);
        try (LlamaWeights w = ExportModels.viaHf(model, dir.resolve("base"));
             LoraAdapter a = LoraAdapter.create(w, new LoraConfig(3, 12, EnumSet.of(LoraTarget.Q, LoraTarget.K,
                     LoraTarget.V, LoraTarget.UP), new LoraInit.Pissa(0), rng.nextLong()), CPU)) {
            for (LoraPair p : a.pairs()) {
                for (Tensor t : new Tensor[] {p.a(), p.b()}) {
                    float[] v = t.toFloatArray(CPU), d = rng.gaussian(v.length, 0.1);
                    for (int i = 0; i < v.length; i++) v[i] += d[i];
                    t.copyFrom(CPU, v);
                }
            }
            finish(dir, w, a, dir.resolve("base"), rng, ExportDType.F32, Long.MAX_VALUE, 2, 6);
        }
        return name;
    }

    private static String storiesCase(Path out, Path bin, Rng rng) throws IOException {
        String name = "stories260K";
        Path dir = out.resolve(name);
        try (Checkpoint ckpt = Checkpoints.open(bin); LlamaWeights w = LlamaWeights.upload(ckpt, CPU, DType.F32);
             LoraAdapter a = ExportModels.adapter(w, rng, 4, 8, EnumSet.allOf(LoraTarget.class))) {
            for (LoraPair p : a.pairs()) {
                float[] b = p.b().toFloatArray(CPU);
                for (int i = 0; i < b.length; i++) b[i] *= 0.05f;
                p.b().copyFrom(CPU, b);
            }
            MergedModelExport.write(w, null, CPU, dir.resolve("base"), MergedModelExport.Options.defaults());
            finish(dir, w, a, dir.resolve("base"), rng, ExportDType.F32, Long.MAX_VALUE, 2, 9);
        }
        return name;
    }

    /**
     * Exports {@code a} (PEFT, {@code dtype}) and the merged model, and writes lorapar's logits: the adapter's as
     * re-imported from the export (so a BF16 export is compared as rounded), on the weights it was made for.
     */
    private static void finish(Path dir, LlamaWeights w, LoraAdapter a, Path base, Rng rng, ExportDType dtype,
                               long shardBytes, int batch, int seq) throws IOException {
        int vocab = w.config().vocabSize();
        int[][] tokens = ExportModels.tokens(rng, vocab, batch, seq);
        tokens[0][0] = 1;
        PeftExport.write(a, CPU, dir.resolve("adapter"), PeftExport.Options.of(base.toAbsolutePath().toString())
                .withDType(dtype));
        a.restoreBase(CPU); // a PiSSA adapter: the import below rebuilds it on the original weights
        float[] adapted;
        try (ImportedAdapter back = PeftImport.read(dir.resolve("adapter"), w, CPU)) {
            adapted = ExportModels.logits(w, back.adapter(), tokens);
            MergedModelExport.write(w, back.adapter(), CPU, dir.resolve("merged"), MergedModelExport.Options.defaults()
                    .withDType(dtype).withMaxShardBytes(shardBytes));
            back.adapter().restoreBase(CPU);
        }
        float[] baseLogits, merged;
        try (Checkpoint ckpt = Checkpoints.open(base); LlamaWeights hf = LlamaWeights.upload(ckpt, CPU, DType.F32)) {
            baseLogits = ExportModels.logits(hf, null, tokens);
        }
        try (Checkpoint ckpt = Checkpoints.open(dir.resolve("merged")); LlamaWeights m = LlamaWeights.upload(ckpt, CPU, DType.F32)) {
            merged = ExportModels.logits(m, null, tokens);
        }
        writeF32(dir.resolve("base_logits.f32"), baseLogits);
        writeF32(dir.resolve("adapter_logits.f32"), adapted);
        writeF32(dir.resolve("merged_logits.f32"), merged);
        ObjectNode json = JSON.createObjectNode();
        json.put("format", FORMAT);
        json.put("name", dir.getFileName().toString());
        json.put("base", "base");
        json.put("adapter", "adapter");
        json.put("merged", "merged");
        json.put("export_dtype", dtype.torchName());
        json.put("vocab", vocab);
        ArrayNode rows = json.putArray("tokens");
        for (int[] row : tokens) {
            ArrayNode r = rows.addArray();
            for (int t : row) r.add(t);
        }
        json.put("base_logits", "base_logits.f32");
        json.put("adapter_logits", "adapter_logits.f32");
        json.put("merged_logits", "merged_logits.f32");
        json.put("tolerance", 1e-4);
        Files.writeString(dir.resolve("case.json"), json.toPrettyString() + "\n");
    }

    static void writeF32(Path file, float[] values) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) b.putFloat(v);
        Files.write(file, b.array());
    }

    static float[] readF32(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        float[] v = new float[b.remaining() / 4];
        for (int i = 0; i < v.length; i++) v[i] = b.getFloat();
        return v;
    }
}
