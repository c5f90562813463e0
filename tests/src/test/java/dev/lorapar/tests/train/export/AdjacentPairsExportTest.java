package dev.lorapar.tests.train.export;

import static dev.lorapar.tests.train.export.ExportModels.CPU;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorapar.core.DType;
import dev.lorapar.core.MaskMode;
import dev.lorapar.core.Tensor;
import dev.lorapar.model.LlamaConfig;
import dev.lorapar.model.LlamaWeights;
import dev.lorapar.model.LoraAdapter;
import dev.lorapar.model.LoraPair;
import dev.lorapar.model.LoraTarget;
import dev.lorapar.model.RopeStyle;
import dev.lorapar.model.io.Checkpoint;
import dev.lorapar.model.io.Checkpoints;
import dev.lorapar.model.io.SafetensorsFile;
import dev.lorapar.model.io.WeightTensor;
import dev.lorapar.tests.io.SharedData;
import dev.lorapar.tests.oracle.OracleCheckpoints;
import dev.lorapar.tests.oracle.OracleConfig;
import dev.lorapar.tests.oracle.OracleModel;
import dev.lorapar.tests.oracle.RopeLayouts;
import dev.lorapar.tests.support.Numerics;
import dev.lorapar.tests.support.Rng;
import dev.lorapar.train.export.ImportedAdapter;
import dev.lorapar.train.export.MergedModelExport;
import dev.lorapar.train.export.PeftExport;
import dev.lorapar.train.export.PeftImport;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * Models in the adjacent-pairs RoPE layout (llama2.c): their Hugging Face exports are in the rotate-half layout — the
 * base export equals the oracle's independent conversion exactly, the merged export and the PEFT adapter on the
 * exported base give the adapted model's logits — and a PEFT export imports back onto the llama2.c weights exactly.
 * Once on a random model written as a llama2.c file, once on the trained stories260K of shared/data.
 */
class AdjacentPairsExportTest {

    @Test
    void randomLlama2cModel(TestInfo info, @TempDir Path dir) throws IOException {
        Rng rng = Rng.forTest(info);
        OracleModel model = OracleModel.random(rng, ExportModels.config(rng, OracleConfig.Rope.ADJACENT_PAIRS));
        OracleConfig c = model.config();
        try (LlamaWeights w = ExportModels.viaLlama2c(model, dir.resolve("model.bin"))) {
            assertEquals(RopeStyle.ADJACENT_PAIRS, w.config().ropeStyle());
            // the base export equals the oracle's own rotate-half conversion, bit for bit
            Path base = dir.resolve("hf-base");
            MergedModelExport.write(w, null, CPU, base, MergedModelExport.Options.defaults());
            OracleCheckpoints.writeHuggingFace(model, dir.resolve("oracle-hf"), 64);
            try (Arena arena = Arena.ofConfined()) {
                Map<String, WeightTensor> ours = SafetensorsFile.read(base.resolve("model.safetensors"), arena);
                Map<String, WeightTensor> theirs = SafetensorsFile.read(dir.resolve("oracle-hf/model.safetensors"), arena);
                assertEquals(theirs.keySet(), ours.keySet());
                for (String name : theirs.keySet()) {
                    assertArrayEquals(theirs.get(name).toFloats(), ours.get(name).toFloats(), name + " " + rng.tag());
                }
            }
            Set<LoraTarget> targets = ExportModels.targets(rng);
            targets.add(LoraTarget.Q);
            targets.add(LoraTarget.K);
            try (LoraAdapter a = ExportModels.adapter(w, rng, rng.pick(2, 3), 8, targets)) {
                List<Tensor> masks = ExportModels.masks(a, rng);
                try {
                    a.setMaskMode(rng.nextBoolean() ? MaskMode.FORWARD : MaskMode.GRADIENT);
                    checkExports(w, a, base, dir, ExportModels.tokens(rng, c.vocab(), 2, 6), rng);
                    Path peft = dir.resolve("peft");
                    try (Arena arena = Arena.ofConfined()) { // q_proj lora_B rows moved like q_proj's own rows
                        LoraPair q = a.pair(0, LoraTarget.Q);
                        float[] stored = SafetensorsFile.read(peft.resolve("adapter_model.safetensors"), arena)
                                .get("base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight").toFloats();
                        float[] b = q.b().toFloatArray(CPU);
                        byte[] m = q.maskB() == null || a.maskMode() == MaskMode.GRADIENT ? null : q.maskB().toByteArray(CPU);
                        int r = (int) q.b().dim(1);
                        for (int row = 0; row < c.dim(); row++) {
                            for (int k = 0; k < r; k++) {
                                float want = m != null && m[row * r + k] == 0 ? 0f : b[row * r + k];
                                assertEquals(want, stored[RopeLayouts.rotateHalfRow(row, c.headDim()) * r + k],
                                        "q lora_B row " + row + " " + rng.tag());
                            }
                        }
                    }
                    try (ImportedAdapter back = PeftImport.read(peft, w, CPU)) { // back onto the llama2.c weights
                        for (int i = 0; i < a.pairs().size(); i++) {
                            LoraPair p = a.pairs().get(i), q = back.adapter().pairs().get(i);
                            PeftExportTest.assertSameMask(p.name() + " maskA", p.maskA(), q.maskA());
                            PeftExportTest.assertSameMask(p.name() + " maskB", p.maskB(), q.maskB());
                            if (a.maskMode() == MaskMode.GRADIENT) {
                                assertArrayEquals(p.b().toFloatArray(CPU), q.b().toFloatArray(CPU), p.name() + " " + rng.tag());
                            }
                        }
                        int[][] tokens = ExportModels.tokens(rng, c.vocab(), 1, 5);
                        assertArrayEquals(ExportModels.logits(w, a, tokens), ExportModels.logits(w, back.adapter(), tokens),
                                rng.tag());
                    }
                } finally {
                    masks.forEach(Tensor::close);
                }
            }
        }
    }

    @Test
    void stories260k(TestInfo info, @TempDir Path dir) throws IOException {
        Rng rng = Rng.forTest(info);
        try (Checkpoint ckpt = Checkpoints.open(SharedData.require("llama2c-stories260K/stories260K.bin"));
             LlamaWeights w = LlamaWeights.upload(ckpt, CPU, DType.F32);
             LoraAdapter a = ExportModels.adapter(w, rng, 4, 8, Set.of(LoraTarget.values()))) {
            for (LoraPair p : a.pairs()) { // a small update: the trained model stays recognisable
                float[] b = p.b().toFloatArray(CPU);
                for (int i = 0; i < b.length; i++) b[i] *= 0.05f;
                p.b().copyFrom(CPU, b);
            }
            Path base = dir.resolve("hf-base");
            MergedModelExport.write(w, null, CPU, base, MergedModelExport.Options.defaults());
            float[] bos = exported(base, new int[][] {{1}});
            assertEquals(403, argmax(bos), "stories260K's greedy first token (shared/data README §1e)");
            assertEquals(17.02352f, bos[403], 1e-4);
            int[][] tokens = {{1, 403, 407, 261, 378, 432, 383, 286}, {1, 13, 290, 300, 310, 320, 330, 340}};
            checkExports(w, a, base, dir, tokens, rng);
        }
    }

    /** Merged export and PEFT-on-exported-base both reproduce the adapted logits of {@code w} + {@code a}. */
    static void checkExports(LlamaWeights w, LoraAdapter a, Path base, Path dir, int[][] tokens, Rng rng) throws IOException {
        float[] want = ExportModels.logits(w, a, tokens);
        assertTrue(Numerics.relativeError(ExportModels.logits(w, null, tokens), want) > 1e-4, "the adapter matters");
        Path merged = dir.resolve("merged");
        MergedModelExport.write(w, a, CPU, merged, MergedModelExport.Options.defaults());
        Numerics.assertClose("merged export logits", exported(merged, tokens), want, MergedModelExportTest.MERGED_F32,
                rng.tag());
        Path peft = dir.resolve("peft");
        PeftExport.write(a, CPU, peft, PeftExport.Options.of(base.toString()));
        try (Checkpoint ckpt = Checkpoints.open(base); LlamaWeights hf = LlamaWeights.upload(ckpt, CPU, DType.F32);
             ImportedAdapter onHf = PeftImport.read(peft, hf, CPU)) {
            LlamaConfig c = hf.config();
            assertEquals(RopeStyle.ROTATE_HALF, c.ropeStyle());
            Numerics.assertClose("PEFT adapter on the exported base", ExportModels.logits(hf, onHf.adapter(), tokens), want,
                    1e-5, rng.tag());
        }
    }

    static float[] exported(Path dir, int[][] tokens) {
        try (Checkpoint ckpt = Checkpoints.open(dir); LlamaWeights w = LlamaWeights.upload(ckpt, CPU, DType.F32)) {
            assertEquals(RopeStyle.ROTATE_HALF, w.config().ropeStyle());
            return ExportModels.logits(w, null, tokens);
        }
    }

    static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        return best;
    }
}
