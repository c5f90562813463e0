package dev.lorapar.eval;

import dev.lorapar.eval.bench.AnswerKind;
import dev.lorapar.eval.bench.AnswerScorer;
import dev.lorapar.eval.bench.ChoiceFormat;
import dev.lorapar.eval.bench.ChoicePrompt;
import dev.lorapar.eval.bench.ChoicePrompts;
import dev.lorapar.eval.bench.ChoiceScoring;
import dev.lorapar.eval.bench.EvalItem;
import dev.lorapar.eval.bench.GenerationPrompt;
import dev.lorapar.eval.bench.GenerationPrompts;
import dev.lorapar.eval.bench.GenerationTemplate;
import dev.lorapar.eval.bench.ItemOutcome;
import dev.lorapar.eval.report.ItemRecord;
import dev.lorapar.model.GenerationRequest;
import dev.lorapar.model.GenerationResult;
import dev.lorapar.model.LlamaGenerator;
import dev.lorapar.model.LoraAdapter;
import dev.lorapar.model.Sampling;
import dev.lorapar.model.SequenceScorer;
import dev.lorapar.tokenizer.PromptTokens;
import dev.lorapar.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Scores items of one benchmark on one model: generation + answer extraction (greedy, stop strings and EOS) for
 * generation benchmarks, summed continuation log-likelihood over the choices for multiple-choice ones. Items go in
 * batches; each finished item is handed to {@code sink} as an {@link ItemRecord}. Public for benchmarks and the
 * pipeline, which run benchmarks on models they hold in memory.
 */
public final class BenchmarkRunner {
    private final Tokenizer tokenizer;
    private final LlamaGenerator generator;   // generation benchmarks
    private final SequenceScorer scorer;      // multiple choice by likelihood
    private final LoraAdapter adapter;        // nullable
    private final int batchSize, maxNewTokens, maxPromptTokens;

    public BenchmarkRunner(Tokenizer tokenizer, LlamaGenerator generator, SequenceScorer scorer, LoraAdapter adapter,
                    int batchSize, int maxNewTokens, int maxPromptTokens) {
        this.tokenizer = tokenizer;
        this.generator = generator;
        this.scorer = scorer;
        this.adapter = adapter;
        this.batchSize = batchSize;
        this.maxNewTokens = maxNewTokens;
        this.maxPromptTokens = maxPromptTokens;
    }

    /** Runs {@code items}; {@code exemplars} gives each item its few-shot examples (empty list = zero-shot). */
    public void run(List<EvalItem> items, Function<EvalItem, List<EvalItem>> exemplars, GenerationTemplate template,
             Consumer<ItemRecord> sink, Consumer<Integer> progress) {
        for (int start = 0; start < items.size(); start += batchSize) {
            List<EvalItem> batch = items.subList(start, Math.min(items.size(), start + batchSize));
            long t0 = System.nanoTime();
            List<ItemRecord> records = batch.get(0).benchmark().answerKind() == AnswerKind.CHOICE_LOGLIK
                    ? choices(batch, exemplars) : generate(batch, exemplars, template);
            double msPerItem = (System.nanoTime() - t0) / 1e6 / batch.size();
            for (ItemRecord r : records) {
                sink.accept(withTime(r, msPerItem));
            }
            progress.accept(start + batch.size());
        }
    }

    private List<ItemRecord> generate(List<EvalItem> batch, Function<EvalItem, List<EvalItem>> exemplars,
                                      GenerationTemplate template) {
        List<GenerationRequest> requests = new ArrayList<>();
        List<GenerationPrompt> prompts = new ArrayList<>();
        for (EvalItem item : batch) {
            GenerationPrompt p = GenerationPrompts.build(item, exemplars.apply(item), template);
            int[] ids = clip(p.encode(tokenizer).ids());
            prompts.add(p);
            requests.add(new GenerationRequest(ids, maxNewTokens, Sampling.greedy(), new int[] {tokenizer.eosId()},
                    p.stopStrings()));
        }
        List<GenerationResult> results = generator.generate(requests, adapter);
        List<ItemRecord> out = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            EvalItem item = batch.get(i);
            String text = prompts.get(i).truncate(tokenizer.decode(results.get(i).tokens()));
            ItemOutcome o = AnswerScorer.score(item, text);
            out.add(ItemRecord.builder(item.id()).subject(item.subject()).prompt(prompts.get(i).text())
                    .prediction(text).extracted(o.predicted()).gold(item.gold()).correct(o.correct())
                    .promptTokens(requests.get(i).prompt().length).generatedTokens(results.get(i).tokens().length)
                    .build());
        }
        return out;
    }

    private List<ItemRecord> choices(List<EvalItem> batch, Function<EvalItem, List<EvalItem>> exemplars) {
        List<int[]> contexts = new ArrayList<>(), continuations = new ArrayList<>();
        List<ChoicePrompt> prompts = new ArrayList<>();
        for (EvalItem item : batch) {
            ChoicePrompt p = ChoicePrompts.build(item, exemplars.apply(item), ChoiceFormat.LETTERS);
            prompts.add(p);
            for (int c = 0; c < p.continuations().size(); c++) {
                PromptTokens t = p.encode(tokenizer, c);
                int[] ids = t.ids();
                int[] ctx = Arrays.copyOfRange(ids, 0, t.answerStart());
                contexts.add(clip(ctx));
                continuations.add(Arrays.copyOfRange(ids, t.answerStart(), ids.length));
            }
        }
        List<SequenceScorer.Score> scores = scorer.score(contexts, continuations, adapter);
        List<ItemRecord> out = new ArrayList<>();
        int k = 0;
        for (int i = 0; i < batch.size(); i++) {
            EvalItem item = batch.get(i);
            ChoicePrompt p = prompts.get(i);
            double[] ll = new double[p.continuations().size()];
            for (int c = 0; c < ll.length; c++) {
                ll[c] = scores.get(k++).logLikelihood();
            }
            ItemOutcome o = ChoiceScoring.outcome(item, p, ll);
            out.add(ItemRecord.builder(item.id()).subject(item.subject()).prediction(o.predicted())
                    .extracted(o.predicted()).gold(item.gold()).correct(o.correct()).build());
        }
        return out;
    }

    /** Keeps the last maxPromptTokens ids (the question end matters more than old exemplars), BOS first. */
    private int[] clip(int[] ids) {
        if (ids.length <= maxPromptTokens) {
            return ids;
        }
        int[] out = new int[maxPromptTokens];
        out[0] = ids[0];
        System.arraycopy(ids, ids.length - (maxPromptTokens - 1), out, 1, maxPromptTokens - 1);
        return out;
    }

    private static ItemRecord withTime(ItemRecord r, double ms) {
        return new ItemRecord(r.id(), r.subject(), r.prompt(), r.prediction(), r.extracted(), r.gold(), r.score(),
                r.scores(), ms, r.promptTokens(), r.generatedTokens());
    }
}
