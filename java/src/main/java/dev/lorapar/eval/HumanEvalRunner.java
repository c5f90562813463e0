package dev.lorapar.eval;

import dev.lorapar.eval.report.ItemRecord;
import dev.lorapar.eval.sandbox.Completions;
import dev.lorapar.eval.sandbox.HumanEvalProblem;
import dev.lorapar.eval.sandbox.HumanEvalScorer;
import dev.lorapar.eval.sandbox.Limits;
import dev.lorapar.eval.sandbox.PassAtK;
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
 * HumanEval in the eval command: completions of each problem's prompt (stopped at the usual stop sequences), run
 * with the problem's tests in the {@link Sandbox}; one item per problem. With one sample (the default) the completion
 * is greedy and the item scores 1 when it passes (pass@1). With n samples they are drawn at the given temperature /
 * top-p with a seed per (problem, sample), and the item carries the unbiased pass@k of every requested k ≤ n
 * ({@link PassAtK}); its score is then pass@1 estimated from the n samples (c / n).
 */
final class HumanEvalRunner {
    /** How many completions per problem and how they are drawn; ks = the pass@k values reported. */
    record SamplingPlan(int samples, float temperature, float topP, long seed, int[] ks) {
        SamplingPlan {
            if (samples < 1) throw new IllegalArgumentException("humaneval_samples must be ≥ 1, got " + samples);
            if (samples > 1 && !(temperature > 0)) {
                throw new IllegalArgumentException("humaneval_temperature must be > 0 with " + samples + " samples");
            }
            for (int k : ks) {
                if (k < 1 || k > samples) {
                    throw new IllegalArgumentException("pass@" + k + " needs 1 ≤ k ≤ humaneval_samples = " + samples);
                }
            }
        }

        static SamplingPlan greedy() {
            return new SamplingPlan(1, 0f, 1f, 0, new int[] {1});
        }

        Sampling sampling(int problemIndex, int sample) {
            return samples == 1 ? Sampling.greedy()
                    : Sampling.of(temperature, 0, topP, seed * 1_000_003L + problemIndex * 1_009L + sample);
        }
    }

    private final Tokenizer tokenizer;
    private final LlamaGenerator generator;
    private final LoraAdapter adapter;
    private final int batchSize, maxNewTokens, maxPromptTokens;
    private final SamplingPlan plan;
    private final HumanEvalScorer scorer = new HumanEvalScorer(Sandbox.shared(), Limits.defaults(), 4);

    /** batchSize = generation requests per call (samples of one problem stay in one call where they fit). */
    HumanEvalRunner(Tokenizer tokenizer, LlamaGenerator generator, LoraAdapter adapter, int batchSize, int maxNewTokens,
                    int maxPromptTokens, SamplingPlan plan) {
        this.tokenizer = tokenizer;
        this.generator = generator;
        this.adapter = adapter;
        this.batchSize = batchSize;
        this.maxNewTokens = maxNewTokens;
        this.maxPromptTokens = maxPromptTokens;
        this.plan = plan;
    }

    void run(List<HumanEvalProblem> problems, Consumer<ItemRecord> sink, Consumer<Integer> progress) {
        int problemsPerCall = Math.max(1, batchSize / plan.samples());
        for (int start = 0; start < problems.size(); start += problemsPerCall) {
            List<HumanEvalProblem> batch = problems.subList(start, Math.min(problems.size(), start + problemsPerCall));
            List<GenerationRequest> requests = new ArrayList<>();  // problem-major: [problem × sample]
            for (int p = 0; p < batch.size(); p++) {
                int[] ids = tokenizer.encode(batch.get(p).prompt(), true, false);
                if (ids.length > maxPromptTokens) {
                    throw new IllegalArgumentException(batch.get(p).taskId() + ": prompt of " + ids.length
                            + " tokens exceeds max_prompt_tokens " + maxPromptTokens);
                }
                for (int k = 0; k < plan.samples(); k++) {
                    requests.add(new GenerationRequest(ids, maxNewTokens, plan.sampling(start + p, k),
                            new int[] {tokenizer.eosId()}, Completions.STOP_SEQUENCES));
                }
            }
            long t0 = System.nanoTime();
            List<GenerationResult> results = new ArrayList<>();
            for (int from = 0; from < requests.size(); from += batchSize) {
                results.addAll(generator.generate(requests.subList(from, Math.min(requests.size(), from + batchSize)),
                        adapter));
            }
            Map<String, List<String>> completions = new LinkedHashMap<>();
            for (int p = 0; p < batch.size(); p++) {
                List<String> texts = new ArrayList<>();
                for (int k = 0; k < plan.samples(); k++) {
                    texts.add(Completions.truncate(tokenizer.decode(results.get(p * plan.samples() + k).tokens())));
                }
                completions.put(batch.get(p).taskId(), texts);
            }
            Map<String, HumanEvalScorer.ProblemResult> scored = new LinkedHashMap<>();
            for (HumanEvalScorer.ProblemResult r : scorer.score(batch, completions)) {
                scored.put(r.taskId(), r);
            }
            double ms = (System.nanoTime() - t0) / 1e6 / batch.size();
            for (int p = 0; p < batch.size(); p++) {
                sink.accept(record(scored.get(batch.get(p).taskId()), results.subList(p * plan.samples(),
                        (p + 1) * plan.samples()), requests.get(p * plan.samples()).prompt().length, ms));
            }
            progress.accept(start + batch.size());
        }
    }

    /** One problem's item: the first sample as the prediction; pass@k of every requested k beside pass@1 = c / n. */
    private ItemRecord record(HumanEvalScorer.ProblemResult r, List<GenerationResult> generated, int promptTokens,
                              double ms) {
        HumanEvalScorer.SampleResult first = r.samples().get(0);
        int tokens = 0;
        for (GenerationResult g : generated) {
            tokens += g.tokens().length;
        }
        ItemRecord.Builder b = ItemRecord.builder(r.taskId()).prediction(first.completion())
                .extracted(r.c() + "/" + r.n() + " passed").score((double) r.c() / r.n()).timeMs(ms)
                .promptTokens(promptTokens).generatedTokens(tokens);
        if (plan.samples() > 1) {
            for (int k : plan.ks()) {
                if (k > 1) {
                    b.metric("pass@" + k, PassAtK.estimate(r.n(), r.c(), k));
                }
            }
        }
        return b.build();
    }
}
