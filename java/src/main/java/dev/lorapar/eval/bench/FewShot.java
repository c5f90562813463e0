package dev.lorapar.eval.bench;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** Chooses few-shot exemplars. */
public final class FewShot {
    private FewShot() {
    }

    /**
     * MMLU's protocol: the first {@code k} items of {@code dev} with the item's subject, in file order.
     *
     * @throws IllegalArgumentException when the subject has fewer than {@code k} dev items
     */
    public static List<EvalItem> firstOfSubject(List<EvalItem> dev, EvalItem item, int k) {
        requireK(k);
        List<EvalItem> chosen = new ArrayList<>(k);
        for (EvalItem candidate : dev) {
            if (chosen.size() == k) {
                break;
            }
            if (Objects.equals(candidate.subject(), item.subject()) && !isSame(candidate, item)) {
                chosen.add(candidate);
            }
        }
        if (chosen.size() < k) {
            throw new IllegalArgumentException("subject " + item.subject() + " has " + chosen.size()
                    + " exemplars, " + k + " asked");
        }
        return chosen;
    }

    /**
     * {@code k} distinct exemplars drawn from {@code pool} (e.g. GSM8K train), never the item itself (same id or
     * same question text). The draw depends only on {@code seed}, the item's id and the pool (SplitMix64 seeded by
     * the seed and a 64-bit FNV-1a hash of the id; a partial Fisher–Yates shuffle), so it is the same in every run
     * and every evaluation order, and differs between items.
     *
     * @throws IllegalArgumentException when the pool has fewer than {@code k} other items
     */
    public static List<EvalItem> sample(List<EvalItem> pool, EvalItem item, int k, long seed) {
        requireK(k);
        List<EvalItem> candidates = new ArrayList<>(pool.size());
        for (EvalItem candidate : pool) {
            if (!isSame(candidate, item)) {
                candidates.add(candidate);
            }
        }
        if (candidates.size() < k) {
            throw new IllegalArgumentException("the pool has " + candidates.size() + " exemplars besides " + item.id()
                    + ", " + k + " asked");
        }
        long state = mix(seed ^ fnv1a(item.id()));
        List<EvalItem> chosen = new ArrayList<>(k);
        for (int i = 0; i < k; i++) {
            state += 0x9e3779b97f4a7c15L;
            int j = i + (int) Long.remainderUnsigned(mix(state), candidates.size() - i);
            EvalItem swap = candidates.get(i);
            candidates.set(i, candidates.get(j));
            candidates.set(j, swap);
            chosen.add(candidates.get(i));
        }
        return chosen;
    }

    private static boolean isSame(EvalItem candidate, EvalItem item) {
        return candidate.id().equals(item.id()) || candidate.question().strip().equals(item.question().strip());
    }

    private static void requireK(int k) {
        if (k < 0) {
            throw new IllegalArgumentException("k " + k + " < 0");
        }
    }

    private static long fnv1a(String text) {
        long hash = 0xcbf29ce484222325L;
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            hash = (hash ^ (b & 0xff)) * 0x100000001b3L;
        }
        return hash;
    }

    /** SplitMix64's output function. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
