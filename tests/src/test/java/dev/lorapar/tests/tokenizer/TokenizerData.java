package dev.lorapar.tests.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lorapar.tokenizer.BpeTokenizer;
import dev.lorapar.tokenizer.GgufVocabularyLoader;
import dev.lorapar.tokenizer.HfTokenizerJsonLoader;
import dev.lorapar.tokenizer.Llama2cTokenizerLoader;
import dev.lorapar.tokenizer.SentencePieceModelLoader;
import dev.lorapar.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import dev.lorapar.tests.io.SharedData;
import org.junit.jupiter.api.Assumptions;

/**
 * The shared test data of ../shared/data (see its README): the LLaMA-2 tokenizer in its four file
 * formats, llama.cpp's test vectors, GSM8K and MMLU texts. Tests are skipped when the folder is missing.
 */
final class TokenizerData {
    /** The four loaders of the same LLaMA-2 vocabulary. */
    enum Source { MODEL, BIN, JSON, GGUF }

    /** A llama.cpp test vector: input text and expected ids (no BOS). */
    record Vector(String text, int[] ids) {
    }

    /** The id of U+2028 (LINE SEPARATOR) in tokenizer.model / .bin / GGUF. */
    static final int LINE_SEPARATOR_ID = 31353;

    private static final Map<Source, BpeTokenizer> CACHE = new EnumMap<>(Source.class);

    private TokenizerData() {
    }

    /** {@code shared/data/<relative>} ({@link SharedData}); skips the test when it is missing. */
    static Path file(String relative) {
        return SharedData.require(relative);
    }

    /** The LLaMA-2 tokenizer loaded from {@code source} (cached). */
    static synchronized BpeTokenizer llama(Source source) {
        return CACHE.computeIfAbsent(source, s -> switch (s) {
            case MODEL -> SentencePieceModelLoader.load(file("llama2-tokenizer/tokenizer.model"));
            case BIN -> Llama2cTokenizerLoader.load(file("llama2-tokenizer/tokenizer.bin"), 32000);
            case JSON -> HfTokenizerJsonLoader.load(file("llama2-tokenizer/tokenizer.json"));
            case GGUF -> GgufVocabularyLoader.load(file("llamacpp-vocab-llama-spm/ggml-vocab-llama-spm.gguf"));
        });
    }

    /** The 46 llama.cpp vectors: inputs split on "\n__ggml_vocab_test__\n", one .out line of ids each. */
    static List<Vector> llamaCppVectors() {
        String inputs = read("llamacpp-vocab-llama-spm/ggml-vocab-llama-spm.gguf.inp");
        String outputs = read("llamacpp-vocab-llama-spm/ggml-vocab-llama-spm.gguf.out");
        List<String> texts = new ArrayList<>(List.of(inputs.split("\n__ggml_vocab_test__\n", -1)));
        if (texts.getLast().isEmpty()) {
            texts.removeLast();  // the file ends with a separator
        }
        List<String> lines = new ArrayList<>(List.of(outputs.split("\n", -1)));
        if (lines.getLast().isEmpty()) {
            lines.removeLast();
        }
        if (texts.size() != lines.size()) {
            throw new IllegalStateException(texts.size() + " inputs but " + lines.size() + " output lines");
        }
        List<Vector> vectors = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            String line = lines.get(i).strip();
            int[] ids = line.isEmpty() ? new int[0]
                    : Stream.of(line.split(" +")).mapToInt(Integer::parseInt).toArray();
            vectors.add(new Vector(texts.get(i), ids));
        }
        return vectors;
    }

    /** Every question and answer of a GSM8K JSONL file. */
    static List<String> gsm8k(String name) {
        ObjectMapper json = new ObjectMapper();
        List<String> texts = new ArrayList<>();
        for (String line : read("gsm8k/" + name).split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            try {
                JsonNode item = json.readTree(line);
                texts.add(item.path("question").asText());
                texts.add(item.path("answer").asText());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return texts;
    }

    /** Every MMLU test question and choice (all 57 subjects), each field one text. */
    static List<String> mmluTest() {
        Path data = SharedData.find();
        Assumptions.assumeTrue(data != null, "shared/data not found");
        Path dir = data.resolve("mmlu/test");
        Assumptions.assumeTrue(Files.isDirectory(dir), "missing " + dir);
        List<String> texts = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path csv : files.filter(p -> p.toString().endsWith(".csv")).sorted().toList()) {
                List<List<String>> rows = Csv.parse(Files.readString(csv, StandardCharsets.UTF_8));
                for (List<String> row : rows.subList(1, rows.size())) {  // skip the header
                    texts.addAll(row.subList(0, Math.min(5, row.size())));  // question + 4 choices
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return texts;
    }

    /**
     * The tokenizer.json form of SentencePiece ids: the quirk of LLaMA's tokenizer.json (piece "" at id
     * 31353 where the others have U+2028) turns 31353 into the byte tokens of U+2028.
     */
    static int[] expandLineSeparator(Tokenizer json, int[] ids) {
        if (Arrays.stream(ids).noneMatch(id -> id == LINE_SEPARATOR_ID)) {
            return ids;
        }
        return Arrays.stream(ids).flatMap(id -> id != LINE_SEPARATOR_ID ? IntStream.of(id)
                : Stream.of("<0xE2>", "<0x80>", "<0xA8>").mapToInt(p -> json.id(p).orElseThrow())).toArray();
    }

    static String read(String relative) {
        try {
            return Files.readString(file(relative), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
