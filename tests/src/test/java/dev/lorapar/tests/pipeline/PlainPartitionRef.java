package dev.lorapar.tests.pipeline;

import java.math.BigDecimal;
import java.util.Arrays;
import java.util.Comparator;

/**
 * The partition of method §4 done the plain way, in exact arithmetic: sort the indices by (importance descending,
 * index ascending), walk the cumulative sum (BigDecimal, exact) and stop at the first prefix whose sum reaches
 * θ·total (θ's exact binary value); θ = 0 or total = 0 selects nothing. Stage k = only_k ∪ the first
 * ⌊share_k·|shared_k|⌋ of shared_k in the same order, with shared_k = Set_k ∩ ∪_{j≠k} Set_j.
 * (The tensor core quantises values to integers first; on values it quantises exactly — the vectors of these
 * tests — the two agree element for element.)
 */
final class PlainPartitionRef {
    private PlainPartitionRef() {
    }

    static Integer[] order(float[] v) {
        Integer[] idx = new Integer[v.length];
        for (int i = 0; i < v.length; i++) idx[i] = i;
        Arrays.sort(idx, Comparator.<Integer>comparingDouble(i -> -v[i]).thenComparingInt(i -> i));
        return idx;
    }

    static byte[] select(float[] v, double theta) {
        byte[] set = new byte[v.length]; // [n]
        BigDecimal total = BigDecimal.ZERO;
        for (float x : v) total = total.add(new BigDecimal(x));
        BigDecimal target = new BigDecimal(theta).multiply(total);
        if (target.signum() == 0) return set;
        BigDecimal sum = BigDecimal.ZERO;
        for (int i : order(v)) {
            set[i] = 1;
            sum = sum.add(new BigDecimal(v[i]));
            if (sum.compareTo(target) >= 0) break;
        }
        return set;
    }

    static byte[][] stages(float[][] imp, byte[][] sets, double[] shares) {
        int k = sets.length, n = sets[0].length;
        byte[][] stages = new byte[k][n];
        for (int s = 0; s < k; s++) {
            boolean[] shared = new boolean[n];
            long nShared = 0;
            for (int i = 0; i < n; i++) {
                if (sets[s][i] == 0) continue;
                boolean other = false;
                for (int j = 0; j < k; j++) if (j != s && sets[j][i] != 0) other = true;
                if (other) {
                    shared[i] = true;
                    nShared++;
                } else {
                    stages[s][i] = 1;
                }
            }
            long take = (long) Math.floor(shares[s] * nShared);
            for (int i : order(imp[s])) {
                if (take == 0) break;
                if (shared[i]) {
                    stages[s][i] = 1;
                    take--;
                }
            }
        }
        return stages;
    }
}
