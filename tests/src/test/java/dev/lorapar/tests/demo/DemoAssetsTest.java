package dev.lorapar.tests.demo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorapar.cli.Lorapar;
import dev.lorapar.core.DType;
import dev.lorapar.core.Device;
import dev.lorapar.core.Stream;
import dev.lorapar.demo.DemoAccuracy;
import dev.lorapar.demo.DemoAssets;
import dev.lorapar.demo.DemoDataFiles;
import dev.lorapar.demo.DemoItem;
import dev.lorapar.demo.DemoScale;
import dev.lorapar.model.LlamaWeights;
import dev.lorapar.model.LoraAdapter;
import dev.lorapar.model.LoraConfig;
import dev.lorapar.model.LoraInit;
import dev.lorapar.train.export.PeftExport;
import dev.lorapar.model.io.Checkpoint;
import dev.lorapar.model.io.Checkpoints;
import dev.lorapar.tests.support.Rng;
import dev.lorapar.tokenizer.Tokenizer;
import dev.lorapar.tokenizer.Tokenizers;
import dev.lorapar.train.data.EvalSize;
import dev.lorapar.train.data.Progress;
import dev.lorapar.train.data.ReadOptions;
import dev.lorapar.train.data.SampleEncoder;
import dev.lorapar.train.data.SftData;
import dev.lorapar.tokenizer.PromptFormat;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo's assets end to end at the tiny scale on the CPU: the base is pretrained (its loss falls) and exported
 * in a folder lorapar loads with its tokenizer; the data files load through the SFT data readers; a second call
 * uses the cache (no pretraining, seconds); another seed is another cache entry; the base is scored; and
 * {@code lorapar demo} runs through the CLI dispatcher.
 */
class DemoAssetsTest {
    private static PrintStream sink(ByteArrayOutputStream bytes) {
        return new PrintStream(bytes, true, StandardCharsets.UTF_8);
    }

    @Test
    void preparesCachesAndScores(TestInfo info, @TempDir Path cache) throws IOException {
        long seed = Rng.forTest(info).nextLong();
        DemoScale scale = DemoScale.tiny(seed);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        DemoAssets.Prepared first = DemoAssets.prepare(cache, scale, "cpu", sink(log));
        String tag = "seed " + seed + "\n" + log.toString(StandardCharsets.UTF_8);
        assertFalse(first.cached(), tag);
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("pretrain base"), "progress shown: " + tag);
        assertTrue(first.summary().steps() > 0, tag);
        assertTrue(first.summary().lastLoss() < first.summary().firstLoss() - 0.1, "pretraining lowers the loss: " + tag);
        byte[] png = Files.readAllBytes(first.lossPlot());
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, java.util.Arrays.copyOf(png, 4), tag);
        for (Path p : List.of(first.baseModel().resolve("config.json"), first.baseModel().resolve("model.safetensors"),
                first.tokenizer(), first.trainS1(), first.trainS2(), first.testS1(), first.testS2())) {
            assertTrue(Files.isRegularFile(p), p + " " + tag);
        }

        // the base loads with its tokenizer; the data loads through the SFT readers unchanged
        Tokenizer tokenizer = Tokenizers.nextTo(first.baseModel());
        SampleEncoder encoder = new SampleEncoder(tokenizer, PromptFormat.REFERENCE_SCRIPT, SampleEncoder.Options.of(192));
        SftData data = SftData.load(List.of(first.trainS2()), ReadOptions.defaults(), encoder, EvalSize.fraction(0), 1,
                Progress.NONE);
        assertEquals(scale.generator().trainS2(), data.train().size(), tag);

        List<DemoItem> testS1 = DemoDataFiles.read(first.testS1());
        try (Stream stream = Stream.create(Device.CPU);
             Checkpoint ckpt = Checkpoints.open(first.baseModel());
             LlamaWeights weights = LlamaWeights.upload(ckpt, stream, DType.F32)) {
            assertEquals(tokenizer.vocabSize(), weights.config().vocabSize(), tag);
            assertEquals(first.parameters(), countParameters(weights), tag);
            List<DemoItem> few = testS1.subList(0, 4);
            List<String> outputs = DemoAccuracy.generate(weights, null, tokenizer, stream, few, 3);
            assertEquals(4, outputs.size());
            int expected = 0;
            for (int i = 0; i < 4; i++) if (DemoAccuracy.correct(few.get(i), outputs.get(i))) expected++;
            DemoAccuracy.SetAccuracy acc = DemoAccuracy.score(weights, null, tokenizer, stream, few, "S1", 4);
            assertEquals(expected, acc.correct(), "batching does not change greedy answers; " + tag);
            assertEquals(4, acc.total());

            // an adapter: scored in memory and from its PEFT folder alike, and it changes what the model says
            LoraConfig lora = LoraConfig.allProjections(4, 8, seed).withInit(new LoraInit.Gaussian(0.5));
            try (LoraAdapter adapter = LoraAdapter.create(weights, lora, stream)) {
                Path adapterDir = cache.resolve("adapter");
                PeftExport.write(adapter, stream, adapterDir, PeftExport.Options.of(first.baseModel().toString()));
                List<DemoItem> s2 = DemoDataFiles.read(first.testS2()).subList(0, 3);
                DemoAccuracy.Result fromFolder = DemoAccuracy.score(first.baseModel(), adapterDir, first.testS1(),
                        first.testS2(), "cpu", 2, 3);
                assertEquals(DemoAccuracy.score(weights, adapter, tokenizer, stream, testS1.subList(0, 3), "S1", 3),
                        fromFolder.s1(), tag);
                assertEquals(DemoAccuracy.score(weights, adapter, tokenizer, stream, s2, "S2", 3), fromFolder.s2(), tag);
                assertNotEquals(DemoAccuracy.generate(weights, null, tokenizer, stream, s2, 3),
                        DemoAccuracy.generate(weights, adapter, tokenizer, stream, s2, 3), tag);
            }
        }

        // second call: cached, same folder, fast
        long t0 = System.nanoTime();
        ByteArrayOutputStream log2 = new ByteArrayOutputStream();
        DemoAssets.Prepared second = DemoAssets.prepare(cache, scale, "cpu", sink(log2));
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertTrue(second.cached(), log2.toString(StandardCharsets.UTF_8));
        assertFalse(log2.toString(StandardCharsets.UTF_8).contains("pretrain base"), log2.toString(StandardCharsets.UTF_8));
        assertEquals(first.dir(), second.dir());
        assertEquals(first.summary(), second.summary());
        assertTrue(seconds < 10, "cached prepare took " + seconds + " s");

        // another seed, another key
        assertNotEquals(DemoAssets.key(scale, new byte[] {1}), DemoAssets.key(DemoScale.tiny(seed + 1), new byte[] {1}));
        assertNotEquals(DemoAssets.key(scale, new byte[] {1}), DemoAssets.key(scale, new byte[] {2}));
        DemoScale longer = new DemoScale("tiny", scale.generator(), scale.merges(), scale.dim(), scale.hiddenDim(),
                scale.layers(), scale.heads(), scale.maxLength(), scale.epochs() + 1, scale.batchSize(), scale.lr());
        assertNotEquals(DemoAssets.key(scale, new byte[] {1}), DemoAssets.key(longer, new byte[] {1}));
    }

    private static long countParameters(LlamaWeights w) {
        long n = w.embedding().numel() + w.finalNorm().numel() + w.lmHead().numel();
        for (LlamaWeights.Layer l : w.layers()) {
            for (var t : List.of(l.attentionNorm(), l.wq(), l.wk(), l.wv(), l.wo(), l.ffnNorm(), l.wGate(), l.wUp(),
                    l.wDown())) {
                n += t.numel();
            }
        }
        return n;
    }

    @Test
    void demoCommandThroughTheDispatcher(@TempDir Path cache) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int status = Lorapar.run(new String[] {"demo", "--help"}, sink(out), sink(err));
        assertEquals(0, status, err.toString(StandardCharsets.UTF_8));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("--scale"));
        status = Lorapar.run(new String[] {"demo", "--scale", "huge"}, sink(out), sink(err));
        assertEquals(2, status);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("unknown scale 'huge'"), err.toString(StandardCharsets.UTF_8));
        status = Lorapar.run(new String[] {"demo", "--seed"}, sink(out), sink(err));
        assertEquals(2, status);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--seed needs a value"));
    }
}
