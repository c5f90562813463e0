package dev.lorapar.tests.train.data;

import dev.lorapar.tests.io.SharedData;
import dev.lorapar.tests.support.Rng;
import dev.lorapar.tokenizer.SentencePieceModelLoader;
import dev.lorapar.tokenizer.Tokenizer;
import dev.lorapar.train.data.Sample;
import dev.lorapar.train.data.SourceLine;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Shared helpers of the data-pipeline tests: files in a temporary folder, the LLaMA-2 tokenizer, random samples. */
final class DataFixtures {
    private static Tokenizer llama;

    private DataFixtures() {
    }

    /** Writes {@code text} (UTF-8) to {@code dir/name}. */
    static Path write(Path dir, String name, String text) {
        try {
            return Files.writeString(dir.resolve(name), text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The real LLaMA-2 tokenizer (tokenizer.model), loaded once; skips the test without shared data. */
    static synchronized Tokenizer llamaTokenizer() {
        if (llama == null) {
            llama = SentencePieceModelLoader.load(SharedData.require("llama2-tokenizer/tokenizer.model"));
        }
        return llama;
    }

    /**
     * {@code n} random samples of 1..maxLength positions: random ids in [3, 1000), a random prompt part without
     * targets, the rest with targets; each from its own line of a made-up file.
     */
    static List<Sample> randomSamples(Rng rng, int n, int maxLength) {
        List<Sample> samples = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int length = rng.nextInt(4) == 0 ? rng.between(maxLength / 2, maxLength) : rng.between(1, maxLength / 3 + 1);
            int[] tokens = new int[length], targets = new int[length];
            int promptEnd = rng.nextInt(length);
            for (int p = 0; p < length; p++) {
                tokens[p] = rng.between(3, 999);
                targets[p] = p >= promptEnd ? rng.between(3, 999) : -1;
            }
            samples.add(new Sample(tokens, targets, new SourceLine(Path.of("random.jsonl"), i + 1)));
        }
        return samples;
    }
}
