package dev.lorapar.rl;

import dev.lorapar.eval.sandbox.Limits;
import dev.lorapar.eval.sandbox.Sandbox;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.IntStream;

/** The reward components of a run; the reward of a completion is their sum. */
public final class RewardSet {
    /** Per-component values [component][completion] and their sums [completion]. */
    public record Scores(List<String> names, double[][] components, double[] total) {
    }

    private final List<Reward> rewards;

    public RewardSet(List<Reward> rewards) {
        if (rewards == null || rewards.isEmpty()) {
            throw new IllegalArgumentException("no reward components");
        }
        Set<String> names = new HashSet<>();
        for (Reward r : rewards) {
            if (!names.add(r.name())) {
                throw new IllegalArgumentException("two reward components are named '" + r.name() + "'");
            }
        }
        this.rewards = List.copyOf(rewards);
    }

    /**
     * The built-ins by name, comma-separated: {@code gsm8k} (the method's five components), {@code numeric},
     * {@code choice} (letters A–E or beyond), {@code code} (tests in the sandbox), {@code contains} (1 when the
     * completion contains the reference text).
     */
    public static RewardSet parse(String spec) {
        List<Reward> out = new ArrayList<>();
        for (String part : spec.split(",")) {
            String name = part.strip().toLowerCase(Locale.ROOT);
            if (name.isEmpty()) {
                continue;
            }
            switch (name) {
                case "gsm8k" -> out.addAll(Gsm8kRewards.all());
                case "numeric" -> out.add(AnswerRewards.numeric(2.0));
                case "choice" -> out.add(AnswerRewards.multipleChoice(5, 2.0));
                case "code" -> out.add(AnswerRewards.codeExecution(Sandbox.shared(), Limits.defaults(), false, 2.0));
                case "contains" -> out.add(contains(1.0));
                default -> throw new IllegalArgumentException("unknown reward '" + name
                        + "' (gsm8k, numeric, choice, code, contains)");
            }
        }
        return new RewardSet(out);
    }

    /** {@code contains}: {@code value} when the completion contains the item's reference text (stripped). */
    public static Reward contains(double value) {
        return Reward.of("contains", (completion, item) -> completion.contains(item.answer().strip()) ? value : 0.0);
    }

    public List<String> names() {
        return rewards.stream().map(Reward::name).toList();
    }

    /** Scores every completion {@code k} against {@code items.get(itemOf[k])} (components in parallel over completions). */
    public Scores score(List<String> completions, List<RlItem> items, int[] itemOf) {
        int n = completions.size();
        double[][] values = new double[rewards.size()][n];
        IntStream.range(0, n).parallel().forEach(k -> {
            for (int c = 0; c < rewards.size(); c++) {
                double v = rewards.get(c).score(completions.get(k), items.get(itemOf[k]));
                if (!Double.isFinite(v)) {
                    throw new IllegalStateException("reward " + rewards.get(c).name() + " gave " + v + " for item "
                            + items.get(itemOf[k]).source());
                }
                values[c][k] = v;
            }
        });
        double[] total = new double[n];
        for (double[] comp : values) {
            for (int k = 0; k < n; k++) {
                total[k] += comp[k];
            }
        }
        return new Scores(names(), values, total);
    }

    /** Scores the completions of a rollout batch. */
    public Scores score(RolloutBatch batch) {
        List<String> texts = batch.rollouts().stream().map(Rollout::text).toList();
        int[] itemOf = batch.rollouts().stream().mapToInt(Rollout::item).toArray();
        return score(texts, batch.items(), itemOf);
    }
}
