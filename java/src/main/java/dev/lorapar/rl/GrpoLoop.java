package dev.lorapar.rl;

import dev.lorapar.dist.Collective;
import dev.lorapar.model.LoraAdapter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One GRPO iteration: roll out every micro-batch of prompts (one generate call each, with the adapter as it is), score
 * the completions, compute group advantages, take the reference log-probs, then μ optimizer steps over all of the
 * iteration's completions (gradient accumulation = the micro-batches). Rollout seeds come from the optimizer step the
 * iteration starts at, so a resumed run samples what an uninterrupted one would.
 *
 * <p>Data parallel (a {@link Collective}): every rank gets the same micro-batches; this rank rolls out prompt p of
 * each when p mod worldSize = rank, with the seeds one rank would use, so a prompt's group is never split and its
 * advantages stay local; the reward statistics (sums, counts, tokens) are summed over the ranks, so every rank's
 * {@link Iteration} holds the global values (the seconds are this rank's, {@code rollouts} this rank's batches).
 */
public final class GrpoLoop {
    /**
     * What an iteration did.
     *
     * @param updates          the μ optimizer steps
     * @param rewardMean       mean reward over all completions
     * @param rewardStd        its standard deviation (population, over all completions)
     * @param components       each component's mean, by name
     * @param completionLength mean completion tokens
     * @param completions      completions sampled
     * @param generatedTokens  new tokens of all generate calls
     * @param generationSeconds wall seconds of the generate calls
     * @param referenceSeconds  wall seconds of the reference log-probs
     * @param scoringSeconds    wall seconds of the rewards
     */
    public record Iteration(List<GrpoTrainer.Update> updates, double rewardMean, double rewardStd,
                            Map<String, Double> components, double completionLength, int completions,
                            long generatedTokens, double generationSeconds, double referenceSeconds,
                            double scoringSeconds, List<RolloutBatch> rollouts) {
        /** The last optimizer step. */
        public GrpoTrainer.Update last() {
            return updates.getLast();
        }
    }

    private final Rollouts rollouts;
    private final RewardSet rewards;
    private final GrpoTrainer trainer;
    private final LoraAdapter adapter;
    private final int innerUpdates;
    private final Collective collective; // null: alone

    public GrpoLoop(Rollouts rollouts, RewardSet rewards, GrpoTrainer trainer, LoraAdapter adapter, int innerUpdates) {
        this(rollouts, rewards, trainer, adapter, innerUpdates, null);
    }

    /** One rank of a data-parallel run ({@code collective} null = alone; the trainer syncs over the same group). */
    public GrpoLoop(Rollouts rollouts, RewardSet rewards, GrpoTrainer trainer, LoraAdapter adapter, int innerUpdates,
                    Collective collective) {
        this.collective = collective;
        this.rollouts = Objects.requireNonNull(rollouts, "rollouts");
        this.rewards = Objects.requireNonNull(rewards, "rewards");
        this.trainer = Objects.requireNonNull(trainer, "trainer");
        this.adapter = Objects.requireNonNull(adapter, "adapter");
        if (innerUpdates < 1) {
            throw new IllegalArgumentException("inner updates must be ≥ 1, got " + innerUpdates);
        }
        this.innerUpdates = innerUpdates;
    }

    /** One iteration over {@code microBatches} (each a list of prompts rolled out in one call). */
    public Iteration run(List<List<RlItem>> microBatches) {
        long step = trainer.steps();
        int g = rollouts.options().groupSize();
        List<GrpoTrainer.Sequence> sequences = new ArrayList<>();
        List<RolloutBatch> batches = new ArrayList<>();
        List<String> names = rewards.names();
        double[] componentSums = new double[names.size()];
        double sum = 0, sumSq = 0, genSeconds = 0, scoreSeconds = 0;
        long tokens = 0;
        int count = 0;
        int rank = collective == null ? 0 : collective.rank(), world = collective == null ? 1 : collective.worldSize();
        for (int m = 0; m < microBatches.size(); m++) {
            List<RlItem> all = microBatches.get(m), mine = new ArrayList<>();
            int[] positions = new int[(all.size() - rank + world - 1) / world];
            for (int p = rank; p < all.size(); p += world) {
                positions[mine.size()] = p;
                mine.add(all.get(p));
            }
            if (mine.isEmpty()) {
                continue;
            }
            RolloutBatch batch = rollouts.generate(mine, positions, step * 1000L + m, adapter);
            batches.add(batch);
            genSeconds += batch.seconds();
            tokens += batch.newTokens();
            long t0 = System.nanoTime();
            RewardSet.Scores scores = rewards.score(batch);
            scoreSeconds += (System.nanoTime() - t0) / 1e9;
            double[] adv = Advantages.compute(scores.total(), g);
            for (int k = 0; k < batch.rollouts().size(); k++) {
                Rollout r = batch.rollouts().get(k);
                sequences.add(new GrpoTrainer.Sequence(r.prompt(), r.completion(), adv[k]));
                double total = scores.total()[k];
                sum += total;
                sumSq += total * total;
                for (int c = 0; c < names.size(); c++) {
                    componentSums[c] += scores.components()[c][k];
                }
                count++;
            }
        }
        if (collective != null) {
            double[] global = new double[names.size() + 4]; // component sums, sum, sum of squares, count, tokens
            System.arraycopy(componentSums, 0, global, 0, names.size());
            global[names.size()] = sum;
            global[names.size() + 1] = sumSq;
            global[names.size() + 2] = count;
            global[names.size() + 3] = tokens;
            collective.allReduceSum(global);
            System.arraycopy(global, 0, componentSums, 0, names.size());
            sum = global[names.size()];
            sumSq = global[names.size() + 1];
            count = (int) global[names.size() + 2];
            tokens = (long) global[names.size() + 3];
        }
        GrpoTrainer.Batch prepared = trainer.prepare(sequences);
        List<GrpoTrainer.Update> updates = new ArrayList<>();
        for (int u = 0; u < innerUpdates; u++) {
            updates.add(trainer.update(prepared));
        }
        Map<String, Double> components = new LinkedHashMap<>();
        for (int c = 0; c < names.size(); c++) {
            components.put(names.get(c), componentSums[c] / count);
        }
        double mean = sum / count;
        return new Iteration(updates, mean, Math.sqrt(Math.max(0, sumSq / count - mean * mean)), components,
                (double) tokens / count, count, tokens, genSeconds, prepared.referenceSeconds(), scoreSeconds,
                batches);
    }
}
