package dev.lorapar.tokenizer;

/**
 * Greedy BPE merging over a doubly linked list of symbols with a priority queue of candidate pairs:
 * repeatedly merge the adjacent pair of best priority (leftmost first on ties) until no pair merges.
 * O(n log n) for n initial symbols. Symbol {@code i} starts as unit {@code i} and, once it has absorbed
 * its right neighbours, covers units {@code [i, end(i))}; absorbed symbols are dead.
 */
final class PairMerger {
    /** Looks up the merge of two adjacent symbols. */
    interface Rule {
        /** Returns the merged id, or -1 when the pair does not merge; then {@link #priority} is read. */
        int merge(PairMerger symbols, int left, int right);

        /** The priority of the merge just found by {@link #merge} (lower merges first). */
        float priority();

        /** Called after {@code left} absorbed the symbol that covered units {@code [mid, end(left))}. */
        default void merged(PairMerger symbols, int left, int mid, int resultId) {
        }
    }

    private static final int DEAD = -1;

    private final int[] id;       // [n] current id of each symbol (-1: not a piece)
    private final int[] end;      // [n] end unit of each live symbol, DEAD once absorbed
    private final int[] prev;     // [n] previous live symbol, -1 at the start
    private final int[] next;     // [n] next live symbol, -1 at the end
    private final boolean[] frozen; // [n] never merged (user-defined pieces), null when none
    private final CandidateHeap queue = new CandidateHeap();

    /** Symbols for units with initial ids {@code ids} ({@code [n]}, -1 for "not a piece"). */
    PairMerger(int[] ids, boolean[] frozen) {
        int n = ids.length;
        this.id = ids;
        this.frozen = frozen;
        this.end = new int[n];
        this.prev = new int[n];
        this.next = new int[n];
        for (int i = 0; i < n; i++) {
            end[i] = i + 1;
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
    }

    /**
     * Runs all merges under {@code rule}. A queued candidate holds only (priority, left symbol); when it
     * comes up, the pair (left, its current right neighbour) is looked up again and merged only if it
     * still merges at that priority. A pair that changed but merges at the same priority has its own
     * identical queue entry, so acting on either gives the same result.
     */
    void run(Rule rule) {
        for (int i = 0; i + 1 < id.length; i++) {
            offer(rule, i, i + 1);
        }
        while (!queue.isEmpty()) {
            long candidate = queue.pop();
            int left = CandidateHeap.leftOf(candidate);
            int right = next[left];
            if (end[left] == DEAD || right < 0 || (frozen != null && frozen[right])) {
                continue;  // absorbed, no right neighbour any more, or a frozen one
            }
            int result = rule.merge(this, left, right);
            if (result < 0 || CandidateHeap.sortableBits(rule.priority()) != CandidateHeap.sortableBitsOf(candidate)) {
                continue;  // stale: the pair changed since it was queued
            }
            int mid = end[left];
            id[left] = result;
            end[left] = end[right];
            next[left] = next[right];
            if (next[right] >= 0) {
                prev[next[right]] = left;
            }
            end[right] = DEAD;
            rule.merged(this, left, mid, result);
            offer(rule, prev[left], left);
            offer(rule, left, next[left]);
        }
    }

    private void offer(Rule rule, int left, int right) {
        if (left < 0 || right < 0 || (frozen != null && (frozen[left] || frozen[right]))) {
            return;
        }
        if (rule.merge(this, left, right) >= 0) {
            queue.push(CandidateHeap.candidate(rule.priority(), left));
        }
    }

    /** The current id of live symbol {@code i}. */
    int id(int i) {
        return id[i];
    }

    /** The end unit (exclusive) of live symbol {@code i}. */
    int end(int i) {
        return end[i];
    }

    /** The live symbol after {@code i}, or -1. Symbol 0 is always live and first. */
    int next(int i) {
        return next[i];
    }
}
