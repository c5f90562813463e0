package dev.lorapar.eval.sandbox;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Runs HumanEval completions in the sandbox, {@code parallel} at a time, and scores them: every completion is
 * truncated at the stop sequences, built into the problem's program and run under the limits.
 */
public final class HumanEvalScorer {
    /** One scored completion. */
    public record SampleResult(String taskId, int sample, String completion, Outcome outcome) {
        public boolean passed() {
            return outcome.passed();
        }
    }

    /** The samples of one problem: n, c and its results. */
    public record ProblemResult(String taskId, List<SampleResult> samples) {
        public ProblemResult {
            samples = List.copyOf(samples);
        }

        public int n() {
            return samples.size();
        }

        public int c() {
            return (int) samples.stream().filter(SampleResult::passed).count();
        }
    }

    private final Sandbox sandbox;
    private final Limits limits;
    private final int parallel;

    public HumanEvalScorer(Sandbox sandbox, Limits limits, int parallel) {
        if (sandbox == null || limits == null) throw new IllegalArgumentException("sandbox and limits are required");
        if (parallel < 1) throw new IllegalArgumentException("parallel " + parallel + " < 1");
        this.sandbox = sandbox;
        this.limits = limits;
        this.parallel = parallel;
    }

    /**
     * Scores {@code completions} (task_id to its samples, raw model output: truncated here) for {@code problems}, in
     * the problems' order; a problem without completions is an error.
     */
    public List<ProblemResult> score(List<HumanEvalProblem> problems, Map<String, List<String>> completions) {
        for (HumanEvalProblem p : problems) {
            List<String> samples = completions.get(p.taskId());
            if (samples == null || samples.isEmpty()) throw new IllegalArgumentException("no completions for " + p.taskId());
        }
        ExecutorService pool = Executors.newFixedThreadPool(parallel);
        try {
            List<List<Future<SampleResult>>> futures = new ArrayList<>();
            for (HumanEvalProblem p : problems) {
                List<Future<SampleResult>> perProblem = new ArrayList<>();
                List<String> samples = completions.get(p.taskId());
                for (int i = 0; i < samples.size(); i++) {
                    int sample = i;
                    String completion = Completions.truncate(samples.get(i));
                    perProblem.add(pool.submit(() -> new SampleResult(p.taskId(), sample, completion,
                            sandbox.run(p.program(completion), limits))));
                }
                futures.add(perProblem);
            }
            List<ProblemResult> results = new ArrayList<>();
            for (int i = 0; i < problems.size(); i++) {
                List<SampleResult> samples = new ArrayList<>();
                for (Future<SampleResult> f : futures.get(i)) samples.add(f.get());
                results.add(new ProblemResult(problems.get(i).taskId(), samples));
            }
            return results;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while scoring", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("scoring failed: " + e.getCause(), e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    /** Mean pass@k over the problems (each needs at least k samples). */
    public static double passAtK(List<ProblemResult> results, int k) {
        List<int[]> nc = new ArrayList<>();
        for (ProblemResult r : results) nc.add(new int[] {r.n(), r.c()});
        return PassAtK.mean(nc, k);
    }
}
