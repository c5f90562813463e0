package dev.lorapar.demo;

import dev.lorapar.core.DType;
import dev.lorapar.core.Stream;
import dev.lorapar.eval.bench.NumericAnswer;
import dev.lorapar.eval.bench.NumericExtractor;
import dev.lorapar.model.GenerationRequest;
import dev.lorapar.model.GenerationResult;
import dev.lorapar.model.LlamaGenerator;
import dev.lorapar.model.LlamaWeights;
import dev.lorapar.model.LoraAdapter;
import dev.lorapar.model.Sampling;
import dev.lorapar.model.io.Checkpoint;
import dev.lorapar.model.io.Checkpoints;
import dev.lorapar.tokenizer.PromptFormat;
import dev.lorapar.tokenizer.Tokenizer;
import dev.lorapar.tokenizer.Tokenizers;
import dev.lorapar.train.RunSetup;
import dev.lorapar.train.export.ImportedAdapter;
import dev.lorapar.train.export.PeftImport;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Accuracy of a model (optionally with a LoRA adapter) on demo items: greedy generation of the answer to the
 * {@code <s>{q}</s>} prompt the base was trained with, stopping at {@code </s>}, then exact match of the answer
 * found. Numbers are found as {@code lorapar eval} finds them ({@link NumericExtractor}: after {@code ####}, else
 * the last number) and compared in canonical form; names are the text after the last {@code ####} (or the whole
 * output), trimmed, without a final period, compared exactly.
 */
public final class DemoAccuracy {
    /** The prompt format of the demo's data (the base is pretrained with it). */
    public static final PromptFormat FORMAT = PromptFormat.REFERENCE_SCRIPT;
    /** Generated tokens at most for a System-2 item: enough for a six-step worked solution (≤ ~100 tokens). */
    public static final int MAX_NEW_TOKENS_S2 = 160;
    /** Generated tokens at most for a System-1 item (a number or a name, ≤ ~8 tokens). */
    public static final int MAX_NEW_TOKENS_S1 = 32;

    /** Correct answers of one item set. */
    public record SetAccuracy(String name, int correct, int total) {
        public double fraction() {
            return total == 0 ? Double.NaN : (double) correct / total;
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%s %.1f%% (%d/%d)", name, 100 * fraction(), correct, total);
        }
    }

    /** System-1 and System-2 test accuracy. */
    public record Result(SetAccuracy s1, SetAccuracy s2) {
    }

    private DemoAccuracy() {
    }

    /**
     * Loads {@code model} (a folder or file lorapar opens; its tokenizer beside it) and, unless null, the PEFT adapter
     * folder {@code adapterDir}, and scores the two test sets on {@code device}.
     */
    public static Result score(Path model, Path adapterDir, Path testS1, Path testS2, String device, int batchSize)
            throws IOException {
        return score(model, adapterDir, testS1, testS2, device, batchSize, Integer.MAX_VALUE);
    }

    /** As {@link #score(Path, Path, Path, Path, String, int)} on the first {@code limit} items of each set. */
    public static Result score(Path model, Path adapterDir, Path testS1, Path testS2, String device, int batchSize,
                               int limit) throws IOException {
        List<DemoItem> s1 = first(DemoDataFiles.read(testS1), limit), s2 = first(DemoDataFiles.read(testS2), limit);
        Tokenizer tokenizer = Tokenizers.nextTo(model);
        try (Stream stream = Stream.create(RunSetup.device(device));
             Checkpoint ckpt = Checkpoints.open(model);
             LlamaWeights weights = LlamaWeights.upload(ckpt, stream, stream.device().isCuda() ? DType.BF16 : DType.F32);
             ImportedAdapter imported = adapterDir == null ? null : PeftImport.read(adapterDir, weights, stream)) {
            LoraAdapter adapter = imported == null ? null : imported.adapter();
            return new Result(score(weights, adapter, tokenizer, stream, s1, "S1", batchSize),
                    score(weights, adapter, tokenizer, stream, s2, "S2", batchSize));
        }
    }

    private static List<DemoItem> first(List<DemoItem> items, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("item limit must be ≥ 1, got " + limit);
        }
        return items.subList(0, Math.min(limit, items.size()));
    }

    /** Scores {@code items} on weights already loaded ({@code adapter} null: the base alone). */
    public static SetAccuracy score(LlamaWeights weights, LoraAdapter adapter, Tokenizer tokenizer, Stream stream,
                                    List<DemoItem> items, String name, int batchSize) {
        List<String> outputs = generate(weights, adapter, tokenizer, stream, items, batchSize);
        int correct = 0;
        for (int i = 0; i < items.size(); i++) {
            if (correct(items.get(i), outputs.get(i))) {
                correct++;
            }
        }
        return new SetAccuracy(name, correct, items.size());
    }

    /** The greedy answers to {@code items}, in order. */
    public static List<String> generate(LlamaWeights weights, LoraAdapter adapter, Tokenizer tokenizer, Stream stream,
                                        List<DemoItem> items, int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be ≥ 1, got " + batchSize);
        }
        int context = weights.config().maxSeqLen();
        List<String> out = new ArrayList<>();
        try (LlamaGenerator generator = LlamaGenerator.create(weights, stream,
                LlamaGenerator.Options.of(Math.min(batchSize, Math.max(1, items.size())), context), tokenizer)) {
            for (int start = 0; start < items.size(); start += batchSize) {
                List<GenerationRequest> requests = new ArrayList<>();
                for (DemoItem item : items.subList(start, Math.min(items.size(), start + batchSize))) {
                    int[] prompt = FORMAT.encode(tokenizer, item.question(), null).ids();
                    if (prompt.length >= context) {
                        throw new IllegalArgumentException("the question '" + item.question() + "' has "
                                + prompt.length + " tokens, more than the model's context of " + context);
                    }
                    int budget = item.system() == DemoSystem.S1 ? MAX_NEW_TOKENS_S1 : MAX_NEW_TOKENS_S2;
                    requests.add(new GenerationRequest(prompt, Math.min(budget, context - prompt.length),
                            Sampling.greedy(), new int[] {tokenizer.eosId()}, null));
                }
                for (GenerationResult r : generator.generate(requests, adapter)) {
                    out.add(tokenizer.decode(r.tokens()));
                }
            }
        }
        return out;
    }

    /** True when {@code output} answers {@code item} exactly (rules in the class comment). */
    public static boolean correct(DemoItem item, String output) {
        String goldNumber = NumericAnswer.normalize(item.gold());
        if (goldNumber != null) {
            return goldNumber.equals(NumericExtractor.extract(output).answer());
        }
        int hashes = output.lastIndexOf("####");
        String answer = (hashes >= 0 ? output.substring(hashes + 4) : output).strip();
        int newline = answer.indexOf('\n');
        if (newline >= 0) {
            answer = answer.substring(0, newline).strip();
        }
        if (answer.endsWith(".")) {
            answer = answer.substring(0, answer.length() - 1).strip();
        }
        return answer.equals(item.gold());
    }
}
