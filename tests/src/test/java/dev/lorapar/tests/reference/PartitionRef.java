package dev.lorapar.tests.reference;

/**
 * LoRA-PAR partition of lorapar.h: s1only = set1∖set2, s2only = set2∖set1, shared = set1∩set2;
 * stage1 = s1only ∪ top ⌊alpha·|shared|⌋ of shared by imp1, stage2 likewise with beta and imp2;
 * region 0 none, 1 s1-only, 2 s2-only, 3 shared. Ranks use {@link RankOrder}.
 */
public final class PartitionRef {
    private PartitionRef() {}

    /** stage1, stage2, region [n]; counts = |s1only|, |s2only|, |shared|, |stage1|, |stage2|. */
    public record Partition(byte[] stage1, byte[] stage2, byte[] region, long[] counts) {}

    public static Partition partition(byte[] set1, byte[] set2, float[] imp1, float[] imp2, double alpha, double beta) {
        int n = set1.length;
        byte[] stage1 = new byte[n], stage2 = new byte[n], region = new byte[n]; // [n] each
        boolean[] shared = new boolean[n]; // [n]
        long s1only = 0, s2only = 0, nShared = 0;
        for (int i = 0; i < n; i++) {
            boolean in1 = set1[i] != 0, in2 = set2[i] != 0;
            if (in1 && in2) { region[i] = 3; shared[i] = true; nShared++; }
            else if (in1) { region[i] = 1; stage1[i] = 1; s1only++; }
            else if (in2) { region[i] = 2; stage2[i] = 1; s2only++; }
        }
        long take1 = (long) Math.floor(alpha * nShared), take2 = (long) Math.floor(beta * nShared);
        int[] rank1 = RankOrder.rank(imp1, shared), rank2 = RankOrder.rank(imp2, shared);
        for (int i = 0; i < take1; i++) stage1[rank1[i]] = 1;
        for (int i = 0; i < take2; i++) stage2[rank2[i]] = 1;
        return new Partition(stage1, stage2, region, new long[] {s1only, s2only, nShared, s1only + take1, s2only + take2});
    }
}
