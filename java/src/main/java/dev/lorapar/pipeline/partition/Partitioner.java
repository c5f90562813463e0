package dev.lorapar.pipeline.partition;

import dev.lorapar.core.DType;
import dev.lorapar.core.Ops;
import dev.lorapar.core.Stream;
import dev.lorapar.core.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * The partition of method §4 on the tensor core, generalised to K systems.
 * <p>
 * Set_k = {@link Ops#selectTopMass}(I_k, θ): the shortest prefix of the order (I_k descending, <b>index ascending
 * among equal values</b> — the tie rule) whose mass reaches θ·ΣI_k, the crossing element included; θ = 0 selects
 * nothing, θ = 1 every element up to the last non-zero one in that order.
 * <p>
 * K = 2 is the paper's rule, run by {@link Ops#partitionMasks}: stage1 = S1-only ∪ top ⌊α·|shared|⌋ of the shared
 * ranked by I_1, stage2 = S2-only ∪ top ⌊β·|shared|⌋ ranked by I_2.
 * <p>
 * K &gt; 2 (our extension; K ≤ 8): with others_k = ∪_{j≠k} Set_j, only_k = Set_k \ others_k and shared_k = Set_k ∩
 * others_k, stage_k = only_k ∪ the top ⌊share_k·|shared_k|⌋ of shared_k ranked by I_k ({@link Ops#selectTopK}: same
 * tie rule). For K = 2 this is exactly the paper's rule (shared_1 = shared_2 = Set_1 ∩ Set_2), which the tests check
 * against {@link Ops#partitionMasks}.
 */
public final class Partitioner {
    /** The most systems (membership is a byte of bits). */
    public static final int MAX_SYSTEMS = 8;

    private Partitioner() {
    }

    /**
     * importance [K][n] (finite, ≥ 0), θ ∈ [0, 1], shares [K] ∈ [0, 1] (α, β, … : the fraction of each system's shared
     * elements its stage takes). {@code forceGeneral} runs the K-system rule also for K = 2 (tests).
     */
    public static Partition partition(Stream stream, float[][] importance, double theta, double[] shares,
                                      boolean forceGeneral) {
        int k = importance.length;
        if (k < 2 || k > MAX_SYSTEMS) throw new IllegalArgumentException("partition needs 2 to " + MAX_SYSTEMS
                + " systems, got " + k);
        if (shares.length != k) throw new IllegalArgumentException(k + " systems but " + shares.length + " shares (α, β, …)");
        int n = importance[0].length;
        for (int s = 0; s < k; s++) {
            if (importance[s].length != n) {
                throw new IllegalArgumentException("system " + s + " scores " + importance[s].length + " elements, system 0 "
                        + n);
            }
            if (!(shares[s] >= 0 && shares[s] <= 1)) {
                throw new IllegalArgumentException("share of system " + s + " (α/β) = " + shares[s] + ", expected [0, 1]");
            }
        }
        if (!(theta >= 0 && theta <= 1)) throw new IllegalArgumentException("θ = " + theta + ", expected [0, 1]");
        List<Tensor> owned = new ArrayList<>();
        try {
            Tensor[] imp = new Tensor[k], set = new Tensor[k]; // [n] F32, [n] U8 each
            byte[][] sets = new byte[k][];
            long[] setSizes = new long[k];
            for (int s = 0; s < k; s++) {
                imp[s] = own(owned, Tensor.of(stream, DType.F32, importance[s], n));
                set[s] = own(owned, Tensor.empty(stream.device(), DType.U8, n));
                setSizes[s] = Ops.selectTopMass(stream, imp[s], theta, set[s]);
                sets[s] = set[s].toByteArray(stream);
            }
            if (k == 2 && !forceGeneral) return paper(stream, owned, imp, set, sets, setSizes, shares, n);
            return general(stream, owned, imp, sets, setSizes, shares, n);
        } finally {
            owned.forEach(Tensor::close);
        }
    }

    private static Partition paper(Stream stream, List<Tensor> owned, Tensor[] imp, Tensor[] set, byte[][] sets,
                                   long[] setSizes, double[] shares, int n) {
        Tensor stage1 = own(owned, Tensor.empty(stream.device(), DType.U8, n)); // [n]
        Tensor stage2 = own(owned, Tensor.empty(stream.device(), DType.U8, n)); // [n]
        Tensor region = own(owned, Tensor.empty(stream.device(), DType.U8, n)); // [n] 0..3
        Ops.PartitionCounts c = Ops.partitionMasks(stream, set[0], set[1], imp[0], imp[1], shares[0], shares[1], stage1,
                stage2, region);
        return new Partition(sets, new byte[][] {stage1.toByteArray(stream), stage2.toByteArray(stream)},
                region.toByteArray(stream), setSizes, new long[] {c.s1Only(), c.s2Only()},
                new long[] {c.shared(), c.shared()}, new long[] {c.stage1(), c.stage2()});
    }

    private static Partition general(Stream stream, List<Tensor> owned, Tensor[] imp, byte[][] sets, long[] setSizes,
                                     double[] shares, int n) {
        int k = sets.length;
        byte[] membership = new byte[n]; // [n] bit s = in Set_s
        for (int s = 0; s < k; s++) {
            for (int i = 0; i < n; i++) if (sets[s][i] != 0) membership[i] |= (byte) (1 << s);
        }
        byte[][] stages = new byte[k][];
        long[] only = new long[k], shared = new long[k], stageSizes = new long[k];
        Tensor candidates = own(owned, Tensor.empty(stream.device(), DType.U8, n)); // [n]
        Tensor top = own(owned, Tensor.empty(stream.device(), DType.U8, n));        // [n]
        for (int s = 0; s < k; s++) {
            int bit = 1 << s;
            byte[] sharedMask = new byte[n], stage = new byte[n]; // [n] each
            for (int i = 0; i < n; i++) {
                int m = membership[i] & 0xff;
                if ((m & bit) == 0) continue;
                if (m == bit) {
                    stage[i] = 1;
                    only[s]++;
                } else {
                    sharedMask[i] = 1;
                    shared[s]++;
                }
            }
            long take = (long) Math.floor(shares[s] * shared[s]);
            if (take > 0) {
                candidates.copyFromBytes(stream, sharedMask);
                Ops.selectTopK(stream, imp[s], candidates, take, top);
                byte[] chosen = top.toByteArray(stream);
                for (int i = 0; i < n; i++) if (chosen[i] != 0) stage[i] = 1;
            }
            stages[s] = stage;
            stageSizes[s] = only[s] + take;
        }
        return new Partition(sets, stages, membership, setSizes, only, shared, stageSizes);
    }

    private static Tensor own(List<Tensor> owned, Tensor t) {
        owned.add(t);
        return t;
    }
}
