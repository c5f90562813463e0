package dev.lorapar.tests.train.export;

import static dev.lorapar.tests.train.export.ExportModels.CPU;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.lorapar.core.Tensor;
import dev.lorapar.model.LlamaWeights;
import dev.lorapar.model.LoraAdapter;
import dev.lorapar.model.LoraConfig;
import dev.lorapar.model.LoraInit;
import dev.lorapar.model.LoraPair;
import dev.lorapar.pipeline.experiment.MaskCheck;
import dev.lorapar.tests.oracle.OracleModel;
import dev.lorapar.tests.support.Rng;
import dev.lorapar.train.export.PeftExport;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link MaskCheck} on PiSSA / OLoRA adapters written as rank-2r LoRAs ([A; A₀], [B, −B₀]): only the trained halves
 * count as elements under the mask (an active change is a move, an inactive one a violation), and any change of an
 * A₀ / B₀ element is a violation. Hand-made single-element edits of a real export.
 */
class ResidualMaskCheckTest {

    @Test
    void onlyTrainedHalvesAreUnderTheMaskAndInitialHalvesMustNotMove(TestInfo info, @TempDir Path dir) throws IOException {
        Rng rng = Rng.forTest(info);
        try (LlamaWeights w = ExportModels.viaHf(OracleModel.random(rng, PeftExportTest.FIXED), dir.resolve("base"))) {
            int r = rng.between(2, 3);
            LoraAdapter a = LoraAdapter.create(w, new LoraConfig(r, 8, ExportModels.targets(rng),
                    rng.nextBoolean() ? new LoraInit.Olora() : new LoraInit.Pissa(0), rng.nextLong()), CPU);
            List<Tensor> masks = new ArrayList<>();
            try {
                long elements = 0, active = 0;
                for (LoraPair p : a.pairs()) {
                    byte[] ma = new byte[(int) p.a().numel()];
                    byte[] mb = new byte[(int) p.b().numel()];
                    for (int i = 0; i < ma.length; i++) ma[i] = (byte) (i % 3 == 0 ? 0 : 1);
                    for (int i = 0; i < mb.length; i++) mb[i] = (byte) (i % 2);
                    Tensor ta = Tensor.ofBytes(CPU, ma, p.a().shape()), tb = Tensor.ofBytes(CPU, mb, p.b().shape());
                    masks.add(ta);
                    masks.add(tb);
                    a.setMasks(p.layer(), p.target(), ta, tb);
                    elements += ma.length + mb.length;
                    for (byte m : ma) active += m;
                    for (byte m : mb) active += m;
                }
                Path before = dir.resolve("before");
                PeftExport.write(a, CPU, before, PeftExport.Options.of(null));
                assertEquals(new MaskCheck.Result(elements, active, 0, 0), MaskCheck.compare(before, before, before));

                LoraPair p = a.pairs().get(rng.nextInt(a.pairs().size()));
                // B[o][1] is active (mask i % 2 = 1 at column 1 of row 0), B[0][0] inactive
                assertEquals(new MaskCheck.Result(elements, active, 1, 0), edited(a, p.b(), 1, before, before, dir.resolve("b1")));
                assertEquals(new MaskCheck.Result(elements, active, 0, 1), edited(a, p.b(), 0, before, before, dir.resolve("b0")));
                assertEquals(new MaskCheck.Result(elements, active, 1, 0), edited(a, p.a(), 1, before, before, dir.resolve("a1")));
                assertEquals(new MaskCheck.Result(elements, active, 0, 1), edited(a, p.a(), 0, before, before, dir.resolve("a0")));
                LoraPair initial = a.initialPair(p.layer(), p.target());
                for (Tensor t : new Tensor[] {initial.a(), initial.b()}) {
                    int at = rng.nextInt((int) t.numel());
                    assertEquals(new MaskCheck.Result(elements, active, 0, 1), edited(a, t, at, before, before, dir.resolve("i")),
                            "a changed initial element at " + at + " " + rng.tag());
                    assertEquals(new MaskCheck.Result(elements, elements, 0, 1), edited(a, t, at, before, null, dir.resolve("i")),
                            "without a mask too");
                }
            } finally {
                a.restoreBase(CPU);
                a.close();
                masks.forEach(Tensor::close);
            }
        }
    }

    /** Adds 1 to element {@code at} of {@code t}, exports, restores {@code t}; MaskCheck against {@code before}. */
    private static MaskCheck.Result edited(LoraAdapter a, Tensor t, int at, Path before, Path masks, Path out)
            throws IOException {
        float[] v = t.toFloatArray(CPU), changed = v.clone();
        changed[at] += 1f;
        t.copyFrom(CPU, changed);
        try {
            PeftExport.write(a, CPU, out, PeftExport.Options.of(null));
        } finally {
            t.copyFrom(CPU, v);
        }
        return MaskCheck.compare(before, out, masks);
    }
}
