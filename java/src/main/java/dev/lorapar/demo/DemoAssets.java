package dev.lorapar.demo;

import dev.lorapar.tokenizer.Tokenizer;
import dev.lorapar.tokenizer.Tokenizers;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Everything the demo needs besides the LoRA-PAR pipeline: the generated benchmark (JSONL), the tokenizer built for
 * it and the base model pretrained on part of it, in {@code cacheDir/<key>/}. The key is a hash of the generator
 * settings, the tokenizer file, the model shape and the training settings; a folder whose {@code complete} marker
 * exists is used as it is (a second call takes seconds), anything else is (re)built.
 */
public final class DemoAssets {
    /** The marker written last, once the base model is exported. */
    public static final String COMPLETE = "complete.json";

    /**
     * The prepared files.
     *
     * @param dir        the cache folder of this key
     * @param baseModel  the pretrained base, a Hugging Face folder (config.json, model.safetensors, tokenizer.json)
     * @param tokenizer  the tokenizer.json (also inside baseModel)
     * @param pretrain   the base's pretraining items
     * @param trainS1    System-1 training items (question/answer JSONL with gold and ground_truth_system)
     * @param trainS2    System-2 training items
     * @param testS1     System-1 test items
     * @param testS2     System-2 test items
     * @param lossPlot   the pretraining loss curve (PNG)
     * @param cached     true when the base came from the cache
     * @param parameters parameters of the base
     * @param summary    how the base was pretrained: steps, first and last loss, seconds, the settings
     */
    public record Prepared(Path dir, Path baseModel, Path tokenizer, Path pretrain, Path trainS1, Path trainS2,
                           Path testS1, Path testS2, Path lossPlot, boolean cached, long parameters,
                           PretrainSummary summary) {
    }

    private DemoAssets() {
    }

    /** {@link #prepare(Path, DemoScale, String, PrintStream)} of {@code scale} with {@code seed} on the best device. */
    public static Prepared prepare(Path cacheDir, String scale, long seed, PrintStream progress) throws IOException {
        return prepare(cacheDir, DemoScale.parse(scale, seed), "auto", progress);
    }

    /**
     * Generates the benchmark and tokenizer (cheap, always), then uses the cached base of the same key or pretrains
     * one on {@code device} (cpu, cuda:N or auto), reporting on {@code progress}.
     */
    public static Prepared prepare(Path cacheDir, DemoScale scale, String device, PrintStream progress)
            throws IOException {
        DemoCorpus corpus = new TaskGenerator(scale.generator()).generate();
        List<String> tokenizerTexts = new ArrayList<>();
        for (List<DemoItem> set : List.of(corpus.pretrain(), corpus.trainS1(), corpus.trainS2())) {
            for (DemoItem item : set) {
                tokenizerTexts.add(item.question());
                tokenizerTexts.add(item.answer());
            }
        }
        BpeTrainer.Learned learned = BpeTrainer.learn(tokenizerTexts, scale.merges());
        String tokenizerJson = TokenizerJsonWriter.json(learned);
        String key = key(scale, tokenizerJson.getBytes(StandardCharsets.UTF_8));
        Path dir = cacheDir.resolve("demo-" + scale.name() + "-" + key);
        Path tokenizerDir = dir.resolve("tokenizer");
        TextFiles.writeIfDifferent(tokenizerDir.resolve(TokenizerJsonWriter.FILE), tokenizerJson);
        Path data = dir.resolve("data");
        Path pretrain = data.resolve("pretrain.jsonl"), trainS1 = data.resolve("train_s1.jsonl"),
                trainS2 = data.resolve("train_s2.jsonl"), testS1 = data.resolve("test_s1.jsonl"),
                testS2 = data.resolve("test_s2.jsonl");
        DemoDataFiles.write(corpus.pretrain(), pretrain);
        DemoDataFiles.write(corpus.trainS1(), trainS1);
        DemoDataFiles.write(corpus.trainS2(), trainS2);
        DemoDataFiles.write(corpus.testS1(), testS1);
        DemoDataFiles.write(corpus.testS2(), testS2);
        Tokenizer tokenizer = Tokenizers.open(tokenizerDir.resolve(TokenizerJsonWriter.FILE));
        int vocab = tokenizer.vocabSize();
        Path base = dir.resolve("base");
        Path marker = dir.resolve(COMPLETE);
        boolean cached = Files.isRegularFile(marker);
        if (cached) {
            progress.println("demo: using the cached base model in " + base);
        } else {
            progress.printf("demo: pretraining a %,d-parameter base model (%s scale, vocabulary %d) on %d items; "
                    + "cached in %s%n", scale.parameters(vocab), scale.name(), vocab, corpus.pretrain().size(), dir);
            BasePretrainer.Result r = BasePretrainer.pretrain(scale, vocab, tokenizerDir, pretrain, dir.resolve("work"),
                    base, device, progress);
            progress.printf("demo: base pretrained in %.1f s (%d steps, loss %.4f → %.4f)%n", r.seconds(), r.steps(),
                    r.firstLoss(), r.lastLoss());
            new PretrainSummary(r.steps(), r.firstLoss(), r.lastLoss(), r.seconds(), scale.generator().describe(),
                    scale.describeTraining()).write(marker);
        }
        PretrainSummary summary = PretrainSummary.read(marker);
        return new Prepared(dir, base, base.resolve(TokenizerJsonWriter.FILE), pretrain, trainS1, trainS2, testS1,
                testS2, dir.resolve("pretrain-loss.png"), cached, scale.parameters(vocab), summary);
    }

    /** The first 16 hex digits of SHA-256 over the settings and the tokenizer file. */
    public static String key(DemoScale scale, byte[] tokenizerFile) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(scale.generator().describe().getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
            sha.update(scale.describeTraining().getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
            sha.update(tokenizerFile);
            return HexFormat.of().formatHex(sha.digest()).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
