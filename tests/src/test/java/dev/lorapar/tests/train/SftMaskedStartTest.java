package dev.lorapar.tests.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.core.Stream;
import dev.lorapar.core.Tensor;
import dev.lorapar.model.LlamaWeights;
import dev.lorapar.model.LoraAdapter;
import dev.lorapar.model.LoraPair;
import dev.lorapar.model.io.Checkpoint;
import dev.lorapar.model.io.Checkpoints;
import dev.lorapar.tests.io.SharedData;
import dev.lorapar.tests.support.Rng;
import dev.lorapar.train.RunSetup;
import dev.lorapar.train.TrainConfig;
import dev.lorapar.train.export.ImportedAdapter;
import dev.lorapar.train.export.PeftExport;
import dev.lorapar.train.export.PeftImport;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * SFT starting from a masked PEFT folder ({@code --init_adapter}) and from a fresh adapter with a stage mask
 * ({@code --masks}): after training, every inactive element is bit-identical to its starting value, most active
 * elements moved, and the exported adapter carries the same masks.
 */
class SftMaskedStartTest {
    /** Every matrix's values, A then B per pair, in pair order ([r×in] then [out×r] each, flattened). */
    static List<float[]> values(LoraAdapter a, Stream s) {
        List<float[]> v = new ArrayList<>();
        for (LoraPair p : a.pairs()) {
            v.add(p.a().toFloatArray(s));
            v.add(p.b().toFloatArray(s));
        }
        return v;
    }

    static List<byte[]> masks(LoraAdapter a, Stream s) {
        List<byte[]> m = new ArrayList<>();
        for (LoraPair p : a.pairs()) {
            m.add(p.maskA().toByteArray(s));
            m.add(p.maskB().toByteArray(s));
        }
        return m;
    }

    @Test
    void inactiveElementsKeepTheirStartingValues(TestInfo info, @TempDir Path dir) throws IOException {
        Rng rng = Rng.forTest(info);
        Path model = SharedData.require("llama2c-stories260K/stories260K.bin");
        Path data = SftRunTest.data(dir, rng);
        String[] base = SftRunTest.args(model, data, dir.resolve("unused"), 3);
        TrainConfig config = TrainConfig.parse(base);
        Path start = dir.resolve("start");
        List<float[]> startValues;
        List<byte[]> startMasks;
        try (Stream s = Stream.create(Device.CPU); Checkpoint ckpt = Checkpoints.open(model);
             LlamaWeights w = LlamaWeights.upload(ckpt, s, DType.F32);
             LoraAdapter a = LoraAdapter.create(w, RunSetup.lora(config), s)) {
            List<Tensor> owned = new ArrayList<>();
            try {
                for (LoraPair p : a.pairs()) {
                    Tensor ma = Tensor.ofBytes(s, randomMask(rng, p.a().numel()), p.a().shape());
                    Tensor mb = Tensor.ofBytes(s, randomMask(rng, p.b().numel()), p.b().shape());
                    owned.add(ma);
                    owned.add(mb);
                    a.setMasks(p.layer(), p.target(), ma, mb);
                }
                PeftExport.write(a, s, start, PeftExport.Options.of(model.toString()));
                startValues = values(a, s);
                startMasks = masks(a, s);
            } finally {
                owned.forEach(Tensor::close);
            }
        }
        // 1. --init_adapter: the folder's values and masks
        check(model, start, train(base, dir.resolve("from-folder"), "--init_adapter", start.toString()), startValues,
                startMasks);
        // 2. --masks on a fresh adapter of the same settings and seed: the same starting values (deterministic init)
        check(model, start, train(base, dir.resolve("fresh-masked"), "--masks", start.toString()), startValues, startMasks);
    }

    static byte[] randomMask(Rng rng, long n) {
        byte[] m = new byte[(int) n];
        for (int i = 0; i < m.length; i++) {
            m[i] = (byte) (rng.nextInt(3) == 0 ? 1 : 0); // about a third active
        }
        return m;
    }

    static Path train(String[] base, Path out, String key, String value) {
        List<String> args = new ArrayList<>(List.of(base));
        args.set(args.indexOf("--output_dir") + 1, out.toString());
        args.add(key);
        args.add(value);
        String log = SftRunTest.run(args.toArray(String[]::new), 0);
        assertTrue(log.contains("adapter: ") && log.contains(value), log);
        return out.resolve("adapter");
    }

    static void check(Path model, Path start, Path trained, List<float[]> startValues, List<byte[]> startMasks) {
        try (Stream s = Stream.create(Device.CPU); Checkpoint ckpt = Checkpoints.open(model);
             LlamaWeights w = LlamaWeights.upload(ckpt, s, DType.F32);
             ImportedAdapter after = PeftImport.read(trained, w, s)) {
            assertTrue(after.hasMasks(), trained + " carries the masks");
            List<float[]> v = values(after.adapter(), s);
            List<byte[]> m = masks(after.adapter(), s);
            long active = 0, moved = 0;
            for (int t = 0; t < v.size(); t++) {
                assertArrayEquals(startMasks.get(t), m.get(t), "mask of matrix " + t);
                for (int i = 0; i < v.get(t).length; i++) {
                    boolean same = Float.floatToRawIntBits(v.get(t)[i]) == Float.floatToRawIntBits(startValues.get(t)[i]);
                    if (m.get(t)[i] == 0) {
                        assertTrue(same, "inactive element " + i + " of matrix " + t + " moved: " + startValues.get(t)[i]
                                + " → " + v.get(t)[i]);
                    } else {
                        active++;
                        moved += same ? 0 : 1;
                    }
                }
            }
            assertTrue(active > 0);
            assertTrue(moved > 0.9 * active, moved + " of " + active + " active elements moved");
        }
        assertEquals(true, java.nio.file.Files.isDirectory(start));
    }
}
