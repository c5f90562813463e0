package dev.lorapar.tests.train.export;

import static dev.lorapar.tests.train.export.ExportModels.CPU;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lorapar.core.DType;
import dev.lorapar.core.Tensor;
import dev.lorapar.model.LlamaWeights;
import dev.lorapar.model.LoraAdapter;
import dev.lorapar.model.LoraConfig;
import dev.lorapar.model.LoraInit;
import dev.lorapar.model.LoraPair;
import dev.lorapar.model.io.Checkpoint;
import dev.lorapar.model.io.CheckpointException;
import dev.lorapar.model.io.Checkpoints;
import dev.lorapar.tests.io.SharedData;
import dev.lorapar.tests.oracle.OracleConfig;
import dev.lorapar.tests.oracle.OracleModel;
import dev.lorapar.tests.support.Numerics;
import dev.lorapar.tests.support.Rng;
import dev.lorapar.train.export.ImportedAdapter;
import dev.lorapar.train.export.PeftExport;
import dev.lorapar.train.export.PeftImport;
import dev.lorapar.train.export.ResidualInitFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * PiSSA / OLoRA adapters through PEFT folders: written as PEFT's conversion to a plain rank-2r LoRA of the original base
 * (A' = [A; A₀], B' = [B, −B₀], lora_alpha doubled) plus lorapar_init.json. (a) export → import rebuilds the adapter
 * bit for bit (A, B, A₀, B₀) with the same logits; (b) the folder read as the plain rank-2r LoRA PEFT sees (marker
 * removed, or {@link PeftImport#readPlain}) on the untouched original weights gives the PiSSA model's logits; (c) masks
 * round-trip. On a random tiny model (rotate-half) and on stories260K (adjacent-pairs RoPE: q/k lora_B rows move).
 */
class ResidualInitExportTest {

    @Test
    void tinyRandomModelRoundTrips(TestInfo info, @TempDir Path dir) throws IOException {
        Rng rng = Rng.forTest(info);
        OracleConfig c = OracleConfig.random(rng);
        try (LlamaWeights w = ExportModels.viaHf(OracleModel.random(rng, c), dir.resolve("base"))) {
            for (LoraInit init : new LoraInit[] {new LoraInit.Pissa(0), new LoraInit.Olora()}) {
                roundTrip(w, rng, init, dir.resolve("out-" + init.getClass().getSimpleName()), c.vocab(), true);
            }
        }
    }

    @Test
    void stories260KRoundTrips(TestInfo info, @TempDir Path dir) throws IOException {
        Rng rng = Rng.forTest(info);
        try (Checkpoint ckpt = Checkpoints.open(SharedData.require("llama2c-stories260K/stories260K.bin"));
             LlamaWeights w = LlamaWeights.upload(ckpt, CPU, DType.F32)) {
            roundTrip(w, rng, rng.nextBoolean() ? new LoraInit.Pissa(rng.pick(0, 4)) : new LoraInit.Olora(),
                    dir.resolve("out"), w.config().vocabSize(), false);
        }
    }

    @Test
    void mismatchedDescriptionIsRefused(TestInfo info, @TempDir Path dir) throws IOException {
        Rng rng = Rng.forTest(info);
        try (LlamaWeights w = ExportModels.viaHf(OracleModel.random(rng, PeftExportTest.FIXED), dir.resolve("base"))) {
            try (LoraAdapter a = LoraAdapter.create(w, new LoraConfig(2, 4, ExportModels.targets(rng),
                    new LoraInit.Olora(), 1), CPU)) {
                PeftExport.write(a, CPU, dir.resolve("out"), PeftExport.Options.of(null));
                a.restoreBase(CPU);
            }
            Path description = dir.resolve("out/lorapar_init.json");
            ObjectNode json = (ObjectNode) PeftExportTest.JSON.readTree(description.toFile());
            json.put("r", 3);
            Files.writeString(description, json.toString());
            CheckpointException e = assertThrows(CheckpointException.class,
                    () -> PeftImport.read(dir.resolve("out"), w, CPU).close());
            assertTrue(e.getMessage().contains("r 4 is not 2 × r = 3"), e.getMessage());
            json.put("r", 2).put("init", "loftq");
            Files.writeString(description, json.toString());
            e = assertThrows(CheckpointException.class, () -> PeftImport.read(dir.resolve("out"), w, CPU).close());
            assertTrue(e.getMessage().contains("init \"loftq\""), e.getMessage());
            assertNull(w.residualOwner(), "a refused import leaves the base alone");
        }
    }

    /** Exports a "trained" residual adapter with masks, then checks (a), (b), (c); leaves {@code w} as it was. */
    private static void roundTrip(LlamaWeights w, Rng rng, LoraInit init, Path out, int vocab, boolean layoutUnmoved)
            throws IOException {
        int rank = rng.between(2, 4);
        double alpha = rng.pick(4, 8, 16);
        LoraAdapter a = LoraAdapter.create(w, new LoraConfig(rank, alpha, ExportModels.targets(rng), init, rng.nextLong()), CPU);
        List<Tensor> masks = List.of();
        List<String> names = new ArrayList<>();
        List<float[][]> before = new ArrayList<>(); // per pair: A, B, A₀, B₀, maskA, maskB (as 0/1 floats)
        int[][] tokens = ExportModels.tokens(rng, vocab, 2, 7);
        float[] want;
        try {
            for (LoraPair p : a.pairs()) { // "training": move A and B away from A₀, B₀
                float[] av = p.a().toFloatArray(CPU), bv = p.b().toFloatArray(CPU);
                float[] da = rng.gaussian(av.length, 0.05), db = rng.gaussian(bv.length, 0.05);
                for (int i = 0; i < av.length; i++) av[i] += da[i];
                for (int i = 0; i < bv.length; i++) bv[i] += db[i];
                p.a().copyFrom(CPU, av);
                p.b().copyFrom(CPU, bv);
            }
            masks = ExportModels.masks(a, rng);
            for (LoraPair p : a.pairs()) {
                before.add(snapshot(a, p));
                names.add(p.name());
            }
            want = ExportModels.logits(w, a, tokens);
            PeftExport.write(a, CPU, out, PeftExport.Options.of("base"));
        } finally {
            a.restoreBase(CPU);
            a.close();
            masks.forEach(Tensor::close);
        }
        String tag = init + " r=" + rank + " " + rng.tag();
        JsonNode config = PeftExportTest.JSON.readTree(out.resolve("adapter_config.json").toFile());
        assertEquals(2 * rank, config.get("r").asInt(), tag);
        assertEquals(2 * alpha, config.get("lora_alpha").asDouble(), tag);
        assertTrue(config.get("init_lora_weights").asBoolean(), tag);
        if (layoutUnmoved) assertStoredLayout(out, before, names, rank, tag);
        ResidualInitFile description = ResidualInitFile.readIn(out);
        assertEquals(new ResidualInitFile(init, rank, alpha, a.config().seed()), description, tag);

        // (a) + (c): rebuilt exactly, masks included
        try (ImportedAdapter back = PeftImport.read(out, w, CPU)) {
            LoraAdapter b = back.adapter();
            assertEquals(a.config(), b.config(), tag);
            assertSame(b, w.residualOwner(), "the import residualizes the base " + tag);
            assertTrue(back.hasMasks(), tag);
            for (int i = 0; i < b.pairs().size(); i++) {
                LoraPair p = b.pairs().get(i);
                float[][] got = snapshot(b, p), exp = before.get(i);
                String[] parts = {"A", "B", "A0", "B0", "maskA", "maskB"};
                for (int k = 0; k < parts.length; k++) {
                    if (exp[k] == null) {
                        assertNull(got[k], p.name() + " " + parts[k] + " " + tag);
                    } else {
                        Numerics.assertBitsEqual(p.name() + " " + parts[k], exp[k], got[k], tag);
                    }
                }
            }
            Numerics.assertClose("logits after import", ExportModels.logits(w, b, tokens), want, 1e-6, tag);
            b.restoreBase(CPU);
        }
        // (b): what PEFT users have — the plain rank-2r LoRA on the original weights
        Path plain = out.resolveSibling(out.getFileName() + "-plain");
        Files.createDirectories(plain);
        for (String f : new String[] {"adapter_config.json", "adapter_model.safetensors"}) {
            Files.copy(out.resolve(f), plain.resolve(f));
        }
        for (Path folder : new Path[] {plain, out}) {
            try (ImportedAdapter peft = folder == plain ? PeftImport.read(folder, w, CPU) : PeftImport.readPlain(folder, w, CPU)) {
                assertEquals(2 * rank, peft.adapter().config().rank(), tag);
                assertEquals(new LoraInit.PeftDefault(), peft.adapter().config().init(), tag);
                assertNull(w.residualOwner(), "a plain LoRA leaves the base alone " + tag);
                assertFalse(peft.hasMasks(), tag);
                Numerics.assertClose("logits of the plain rank-2r LoRA (" + folder.getFileName() + ")",
                        ExportModels.logits(w, peft.adapter(), tokens), want, 2e-5, tag);
            }
        }
        try (Stream<Path> files = Files.list(out)) {
            assertEquals(List.of("adapter_config.json", "adapter_model.safetensors", "lorapar_init.json",
                    "lorapar_masks.json", "lorapar_masks.safetensors"),
                    files.map(p -> p.getFileName().toString()).sorted().toList(), tag);
        }
    }

    /** The stored tensors element by element: lora_A[i][j] = A[i][j] (i < r), A₀[i−r][j]; lora_B[o][k] = B[o][k], −B₀[o][k−r]. */
    private static void assertStoredLayout(Path out, List<float[][]> before, List<String> names, int r, String tag) {
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            var tensors = dev.lorapar.model.io.SafetensorsFile.read(out.resolve("adapter_model.safetensors"), arena);
            for (int p = 0; p < names.size(); p++) {
                String key = "base_model.model.model." + names.get(p);
                float[] a2 = tensors.get(key + ".lora_A.weight").toFloats(), b2 = tensors.get(key + ".lora_B.weight").toFloats();
                float[][] v = before.get(p);
                int in = v[0].length / r, outDim = v[1].length / r;
                for (int i = 0; i < 2 * r; i++) {
                    for (int j = 0; j < in; j++) {
                        float want = i < r ? v[0][i * in + j] : v[2][(i - r) * in + j];
                        assertEquals(want, a2[i * in + j], key + " lora_A[" + i + "][" + j + "] " + tag);
                    }
                }
                for (int o = 0; o < outDim; o++) {
                    for (int k = 0; k < 2 * r; k++) {
                        float want = k < r ? v[1][o * r + k] : -v[3][o * r + k - r];
                        assertEquals(want, b2[o * 2 * r + k], key + " lora_B[" + o + "][" + k + "] " + tag);
                    }
                }
            }
        }
    }

    /** A, B, A₀, B₀ and the masks as 0/1 (null where none) of one pair. */
    private static float[][] snapshot(LoraAdapter adapter, LoraPair p) {
        LoraPair initial = adapter.initialPair(p.layer(), p.target());
        assertNotNull(initial, "a residual adapter has its initial pair");
        return new float[][] {p.a().toFloatArray(CPU), p.b().toFloatArray(CPU), initial.a().toFloatArray(CPU),
                initial.b().toFloatArray(CPU), ones(p.maskA()), ones(p.maskB())};
    }

    private static float[] ones(Tensor mask) {
        if (mask == null) return null;
        byte[] m = mask.toByteArray(CPU);
        float[] out = new float[m.length];
        for (int i = 0; i < m.length; i++) out[i] = m[i] != 0 ? 1f : 0f;
        return out;
    }
}
