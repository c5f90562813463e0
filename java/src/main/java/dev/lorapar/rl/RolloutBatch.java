package dev.lorapar.rl;

import java.util.List;

/**
 * The completions of one generate call: {@code items.size()} prompts × G completions, grouped by prompt
 * (completion k belongs to item k / G).
 *
 * @param items      the prompts' items
 * @param rollouts   items × G completions
 * @param seconds    wall time of the generate call
 */
public record RolloutBatch(List<RlItem> items, List<Rollout> rollouts, double seconds) {
    public RolloutBatch {
        items = List.copyOf(items);
        rollouts = List.copyOf(rollouts);
    }

    /** New tokens generated. */
    public long newTokens() {
        long n = 0;
        for (Rollout r : rollouts) {
            n += r.completion().length;
        }
        return n;
    }
}
