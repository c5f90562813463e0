package dev.lorapar.train.data;

import java.util.ArrayList;
import java.util.List;

/**
 * A train/eval split: the eval items are chosen by a permutation drawn from the seed, so the same list (same file
 * order) and seed always give the same split; both parts keep the list's order and are disjoint.
 *
 * @param train the items not held out, in list order
 * @param eval  the held-out items, in list order
 */
public record HeldOutSplit<T>(List<T> train, List<T> eval, int[] evalIndices) {
    public HeldOutSplit {
        train = List.copyOf(train);
        eval = List.copyOf(eval);
        evalIndices = evalIndices.clone();
    }

    /** The indices (into the split list) of the eval items, ascending. */
    @Override
    public int[] evalIndices() {
        return evalIndices.clone();
    }

    /** Splits {@code items}: {@code size} of them, drawn by {@code seed}, go to eval. */
    public static <T> HeldOutSplit<T> of(List<T> items, EvalSize size, long seed) {
        int n = items.size();
        int k = size.resolve(n);
        boolean[] held = new boolean[n];
        int[] order = SeededRandom.derive(seed, SeededRandom.SPLIT, 0).permutation(n);
        for (int i = 0; i < k; i++) {
            held[order[i]] = true;
        }
        List<T> train = new ArrayList<>(n - k), eval = new ArrayList<>(k);
        int[] evalIndices = new int[k];
        for (int i = 0; i < n; i++) {
            if (held[i]) {
                evalIndices[eval.size()] = i;
                eval.add(items.get(i));
            } else {
                train.add(items.get(i));
            }
        }
        return new HeldOutSplit<>(train, eval, evalIndices);
    }
}
