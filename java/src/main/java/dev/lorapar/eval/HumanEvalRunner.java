package dev.lorapar.eval;

import dev.lorapar.eval.report.ItemRecord;
import dev.lorapar.eval.sandbox.Completions;
import dev.lorapar.eval.sandbox.HumanEvalProblem;
import dev.lorapar.eval.sandbox.HumanEvalScorer;
import dev.lorapar.eval.sandbox.Limits;
import dev.lorapar.eval.sandbox.Sandbox;
import dev.lorapar.model.GenerationRequest;
import dev.lorapar.model.GenerationResult;
import dev.lorapar.model.LlamaGenerator;
import dev.lorapar.model.LoraAdapter;
import dev.lorapar.model.Sampling;
import dev.lorapar.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * HumanEval in the eval command: a greedy completion of each problem's prompt (stopped at the usual stop sequences),
 * run with the problem's tests in the {@link Sandbox}; one item per problem, scored 1 when it passes (pass@1).
 */
final class HumanEvalRunner {
    private final Tokenizer tokenizer;
    private final LlamaGenerator generator;
    private final LoraAdapter adapter;
    private final int batchSize, maxNewTokens, maxPromptTokens;
    private final HumanEvalScorer scorer = new HumanEvalScorer(Sandbox.shared(), Limits.defaults(), 4);

    HumanEvalRunner(Tokenizer tokenizer, LlamaGenerator generator, LoraAdapter adapter, int batchSize, int maxNewTokens,
                    int maxPromptTokens) {
        this.tokenizer = tokenizer;
        this.generator = generator;
        this.adapter = adapter;
        this.batchSize = batchSize;
        this.maxNewTokens = maxNewTokens;
        this.maxPromptTokens = maxPromptTokens;
    }

    void run(List<HumanEvalProblem> problems, Consumer<ItemRecord> sink, Consumer<Integer> progress) {
        for (int start = 0; start < problems.size(); start += batchSize) {
            List<HumanEvalProblem> batch = problems.subList(start, Math.min(problems.size(), start + batchSize));
            List<GenerationRequest> requests = new ArrayList<>();
            for (HumanEvalProblem p : batch) {
                int[] ids = tokenizer.encode(p.prompt(), true, false);
                if (ids.length > maxPromptTokens) {
                    throw new IllegalArgumentException(p.taskId() + ": prompt of " + ids.length + " tokens exceeds "
                            + "max_prompt_tokens " + maxPromptTokens);
                }
                requests.add(new GenerationRequest(ids, maxNewTokens, Sampling.greedy(), new int[] {tokenizer.eosId()},
                        Completions.STOP_SEQUENCES));
            }
            long t0 = System.nanoTime();
            List<GenerationResult> results = generator.generate(requests, adapter);
            Map<String, List<String>> completions = new LinkedHashMap<>();
            for (int i = 0; i < batch.size(); i++) {
                completions.put(batch.get(i).taskId(),
                        List.of(Completions.truncate(tokenizer.decode(results.get(i).tokens()))));
            }
            Map<String, HumanEvalScorer.ProblemResult> scored = new LinkedHashMap<>();
            for (HumanEvalScorer.ProblemResult r : scorer.score(batch, completions)) {
                scored.put(r.taskId(), r);
            }
            double ms = (System.nanoTime() - t0) / 1e6 / batch.size();
            for (int i = 0; i < batch.size(); i++) {
                HumanEvalScorer.ProblemResult r = scored.get(batch.get(i).taskId());
                HumanEvalScorer.SampleResult s = r.samples().get(0);
                sink.accept(ItemRecord.builder(r.taskId()).prediction(s.completion())
                        .extracted(s.outcome().status().toString()).correct(s.passed()).timeMs(ms)
                        .promptTokens(requests.get(i).prompt().length)
                        .generatedTokens(results.get(i).tokens().length).build());
            }
            progress.accept(start + batch.size());
        }
    }
}
