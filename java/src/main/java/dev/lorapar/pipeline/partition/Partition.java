package dev.lorapar.pipeline.partition;

/**
 * The LoRA-PAR partition of K ≥ 2 systems over n elements (all LoRA matrices flattened into one vector).
 *
 * @param sets       [K][n] 0/1: Set_k, the top-mass selection of system k's importance at θ
 * @param stages     [K][n] 0/1: the stage-k mask
 * @param membership [n]: bit k set when the element is in Set_k (for K = 2: 0 none, 1 S1-only, 2 S2-only, 3 shared,
 *                   the region codes of {@code lp_partition_masks})
 * @param setSizes   [K] |Set_k|
 * @param onlySizes  [K] |Set_k \ ∪_{j≠k} Set_j|
 * @param sharedSizes [K] |Set_k ∩ ∪_{j≠k} Set_j|
 * @param stageSizes [K] |stage-k mask| = onlySizes[k] + ⌊share_k · sharedSizes[k]⌋
 */
public record Partition(byte[][] sets, byte[][] stages, byte[] membership, long[] setSizes, long[] onlySizes,
                        long[] sharedSizes, long[] stageSizes) {
    public int systems() {
        return sets.length;
    }

    public int elements() {
        return membership.length;
    }

    /** Elements in at least one stage mask (trained at some point). */
    public long trainedAnywhere() {
        long n = 0;
        for (int i = 0; i < membership.length; i++) {
            for (byte[] s : stages) {
                if (s[i] != 0) {
                    n++;
                    break;
                }
            }
        }
        return n;
    }

    /** |Set_a ∩ Set_b| / |Set_a ∪ Set_b| (1 when both are empty). */
    public double jaccard(int a, int b) {
        long inter = 0, union = 0;
        byte[] x = sets[a], y = sets[b];
        for (int i = 0; i < x.length; i++) {
            boolean in1 = x[i] != 0, in2 = y[i] != 0;
            if (in1 && in2) inter++;
            if (in1 || in2) union++;
        }
        return union == 0 ? 1.0 : (double) inter / union;
    }
}
