package dev.lorapar.tests.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.core.Stream;
import dev.lorapar.model.LlamaWeights;
import dev.lorapar.model.LoraAdapter;
import dev.lorapar.model.LoraInit;
import dev.lorapar.model.LoraPair;
import dev.lorapar.model.io.Checkpoint;
import dev.lorapar.model.io.Checkpoints;
import dev.lorapar.tests.io.SharedData;
import dev.lorapar.tests.support.Numerics;
import dev.lorapar.tests.support.Rng;
import dev.lorapar.train.RunSetup;
import dev.lorapar.train.TrainConfig;
import dev.lorapar.train.export.ImportedAdapter;
import dev.lorapar.train.export.PeftImport;
import dev.lorapar.train.export.ResidualInitFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lorapar sft --lora_init olora} (a residual init) writes its PEFT adapter too: the converted folder reads back
 * as the OLoRA adapter whose A₀, B₀ are bit-identical to a fresh OLoRA init of the same settings and whose trained A, B
 * moved away from them.
 */
class SftResidualInitExportTest {

    @Test
    void oloraRunExportsItsAdapter(TestInfo info, @TempDir Path dir) throws IOException {
        Rng rng = Rng.forTest(info);
        Path model = SharedData.require("llama2c-stories260K/stories260K.bin");
        List<String> args = new ArrayList<>(List.of(SftRunTest.args(model, SftRunTest.data(dir, rng), dir.resolve("out"), 2)));
        args.set(args.indexOf("--lora_init") + 1, "olora");
        args.addAll(List.of("--lora_targets", "q_proj,v_proj"));
        String log = SftRunTest.run(args.toArray(String[]::new), 0);
        Path adapter = dir.resolve("out/adapter");
        assertTrue(log.contains("adapter: "), log);
        assertEquals(new LoraInit.Olora(), ResidualInitFile.readIn(adapter).init());
        TrainConfig config = TrainConfig.parse(args.toArray(String[]::new));
        try (Stream s = Stream.create(Device.CPU); Checkpoint ckpt = Checkpoints.open(model);
             LlamaWeights w = LlamaWeights.upload(ckpt, s, DType.F32)) {
            List<float[]> initial = new ArrayList<>();
            try (LoraAdapter fresh = LoraAdapter.create(w, RunSetup.lora(config), s)) {
                for (LoraPair p : fresh.pairs()) {
                    LoraPair i = fresh.initialPair(p.layer(), p.target());
                    initial.add(i.a().toFloatArray(s));
                    initial.add(i.b().toFloatArray(s));
                }
                fresh.restoreBase(s);
            }
            try (ImportedAdapter back = PeftImport.read(adapter, w, s)) {
                LoraAdapter a = back.adapter();
                assertEquals(RunSetup.lora(config), a.config());
                double moved = 0;
                for (int k = 0; k < a.pairs().size(); k++) {
                    LoraPair p = a.pairs().get(k), i = a.initialPair(p.layer(), p.target());
                    Numerics.assertBitsEqual(p.name() + " A0", initial.get(2 * k), i.a().toFloatArray(s), rng.tag());
                    Numerics.assertBitsEqual(p.name() + " B0", initial.get(2 * k + 1), i.b().toFloatArray(s), rng.tag());
                    moved += Numerics.relativeError(p.a().toFloatArray(s), initial.get(2 * k));
                }
                assertTrue(moved > 0, "training moved A away from A0");
                a.restoreBase(s);
            }
        }
    }
}
